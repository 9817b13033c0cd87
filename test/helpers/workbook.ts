import { expect } from 'chai';
import ExcelJS from 'exceljs';

/** An Excel answer read back: 200, the xlsx type, the workbook. */
export async function readXlsx(res: Response): Promise<ExcelJS.Workbook> {
  expect(res.status).to.equal(200);
  expect(res.headers.get('content-type')).to.equal('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
  return wb;
}

/** A sheet's rows below the header as { header: value }. */
export function sheetRecords(ws: ExcelJS.Worksheet): Record<string, unknown>[] {
  const headers = (ws.getRow(1).values as string[]).slice(1);
  const out: Record<string, unknown>[] = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    out.push(Object.fromEntries(headers.map((h, i) => [h, row.getCell(i + 1).value])));
  });
  return out;
}

/** A 问题清单 row by the template's headers. */
export type ListRow = Partial<Record<'序号' | '村' | '农户' | '身份证号' | '问题描述' | '问题来源' | '任务' | '重点问题' | '责任单位' | '整改时限' | '备注', string | number | Date>>;

/** A list made from the downloaded template, as a person fills it in (columns in its order). */
export async function fillTemplate(template: ArrayBuffer | Buffer, rows: ListRow[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(template as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const headers = (sheet.getRow(1).values as unknown[]).map((v) => String(v ?? ''));
  for (const row of rows) sheet.addRow(headers.map((h) => (row as Record<string, unknown>)[h] ?? null));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

import ExcelJS from 'exceljs';
import { AppError } from '../errors';

/**
 * A 问题清单 as a spreadsheet: the template people fill in, and the rows read back from any
 * workbook whose header row names the columns (in any order, extra columns ignored).
 */

export const LIST_COLUMNS = [
  { key: 'serial', header: '序号', width: 8, hint: '可选；同一清单再次导入时按序号识别已导入的行' },
  { key: 'village', header: '村', width: 12, hint: '组织文件中的村名' },
  { key: 'householdName', header: '农户', width: 12, hint: '户主或农户姓名，可选' },
  { key: 'idNumber', header: '身份证号', width: 22, hint: '18 位，可选' },
  { key: 'text', header: '问题描述', width: 48, hint: '必填' },
  { key: 'source', header: '问题来源', width: 12, hint: '自查、巡察反馈、督查、审计、暗访、上级交办、群众反映；空则用导入时选的来源' },
  { key: 'task', header: '任务', width: 8, hint: '可选，1-8' },
  { key: 'item', header: '重点问题', width: 10, hint: '可选，问题编号如 5.2' },
  { key: 'unit', header: '责任单位', width: 14, hint: '可选；空则按分工表' },
  { key: 'deadline', header: '整改时限', width: 14, hint: '可选，日期如 2026-12-31' },
  { key: 'note', header: '备注', width: 20, hint: '可选' },
] as const;

export type ListColumn = (typeof LIST_COLUMNS)[number]['key'];

/** Other header texts lists in the wild use for the same column. */
const ALIASES: Record<string, ListColumn> = {
  编号: 'serial',
  行政村: 'village',
  村名: 'village',
  村庄: 'village',
  户主: 'householdName',
  户主姓名: 'householdName',
  农户姓名: 'householdName',
  姓名: 'householdName',
  证件号码: 'idNumber',
  身份证号码: 'idNumber',
  问题: 'text',
  问题内容: 'text',
  存在问题: 'text',
  来源: 'source',
  任务或重点问题: 'item',
  问题编号: 'item',
  责任部门: 'unit',
  牵头单位: 'unit',
  整改期限: 'deadline',
  完成时限: 'deadline',
};

export interface ListRow {
  /** The spreadsheet's row number (what people see at the left of Excel). */
  row: number;
  /** Cell text per column; dates as Date. */
  cells: Partial<Record<ListColumn, string>>;
  deadlineCell: Date | string | null;
}

export interface ListSheet {
  columns: ListColumn[];
  rows: ListRow[];
}

export const MAX_LIST_ROWS = 5_000;

function headerKey(text: string): ListColumn | undefined {
  const plain = text.replace(/[\s*＊（(].*$/, '').replace(/\s+/g, '').trim();
  const exact = LIST_COLUMNS.find((c) => c.header === plain);
  return exact?.key ?? ALIASES[plain];
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value) return String(value.text);
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    return '';
  }
  return String(value);
}

/** The template: the header row, a line of hints, frozen header. */
export async function listTemplate(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('问题清单');
  sheet.columns = LIST_COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.width }));
  sheet.getRow(1).font = { bold: true };
  LIST_COLUMNS.forEach((c, i) => {
    sheet.getCell(1, i + 1).note = c.hint;
  });
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Reads the first sheet: the header row is the first of the top ten rows naming 问题描述. */
export async function readList(buffer: Buffer): Promise<ListSheet> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch {
    throw new AppError('bad_request', '无法读取该文件：请上传 Excel 工作簿（.xlsx）');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new AppError('bad_request', '工作簿中没有工作表');
  let headerRow = 0;
  let byColumn = new Map<number, ListColumn>();
  for (let r = 1; r <= Math.min(10, sheet.rowCount) && headerRow === 0; r++) {
    const found = new Map<number, ListColumn>();
    sheet.getRow(r).eachCell((cell, col) => {
      const key = headerKey(cellText(cell.value));
      if (key && ![...found.values()].includes(key)) found.set(col, key);
    });
    if ([...found.values()].includes('text')) {
      headerRow = r;
      byColumn = found;
    }
  }
  if (headerRow === 0) throw new AppError('bad_request', '找不到表头：前 10 行中应有一行列名，其中须有“问题描述”。可下载模板对照。');

  const rows: ListRow[] = [];
  for (let r = headerRow + 1; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    const cells: Partial<Record<ListColumn, string>> = {};
    let deadlineCell: Date | string | null = null;
    for (const [col, key] of byColumn) {
      const value = row.getCell(col).value;
      if (key === 'deadline' && value instanceof Date) deadlineCell = value;
      const text = cellText(value).trim();
      if (text !== '') cells[key] = text;
      if (key === 'deadline' && !(value instanceof Date) && text !== '') deadlineCell = text;
    }
    if (Object.keys(cells).length === 0) continue;
    rows.push({ row: r, cells, deadlineCell });
    if (rows.length > MAX_LIST_ROWS) throw new AppError('bad_request', `清单过长：一次最多导入 ${MAX_LIST_ROWS} 行`);
  }
  return { columns: [...byColumn.values()], rows };
}

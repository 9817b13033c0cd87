import { AlignmentType, BorderStyle, Document, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType, type ParagraphChild } from 'docx';
import { createZonedTime } from '../calendar/zoned-time';
import { GRADE_LABEL, STATUS_LABEL, STATUSES } from '../findings/finding.model';
import { formatDate, summary } from '../findings/messages';
import { maskPersonalNumbers } from '../privacy/mask';
import { onTimeRate, percent, sourceBatchLine, taskName, type ReportData } from './rectification-report';

/**
 * The written 整改报告 (.docx) for a date range, in the usual official layout: a 小标宋 title,
 * the period under it, 黑体 一、二、三 section headings, 仿宋 body text, tables with a bold header row.
 * Personal numbers in reports are masked: the file is meant to be passed round.
 */

const TITLE_FONT = '方正小标宋简体';
const HEADING_FONT = '黑体';
const BODY_FONT = '仿宋_GB2312';
const SUB_FONT = '楷体_GB2312';
/** Sizes in half-points: 二号 22 pt, 三号 16 pt, 小四 12 pt, 五号 10.5 pt. */
const SIZE = { title: 44, body: 32, table: 21 } as const;

const run = (text: string, font = BODY_FONT, size: number = SIZE.body, bold = false): TextRun => new TextRun({ text, font: { eastAsia: font, ascii: font, hAnsi: font }, size, bold });

function para(children: ParagraphChild[] | string, options: { align?: (typeof AlignmentType)[keyof typeof AlignmentType]; indent?: boolean } = {}): Paragraph {
  return new Paragraph({
    children: typeof children === 'string' ? [run(children)] : children,
    ...(options.align ? { alignment: options.align } : {}),
    // Body paragraphs start two characters in, with fixed 28-point lines as official documents do.
    ...(options.indent ? { indent: { firstLine: 640 } } : {}),
    spacing: { line: 560, lineRule: 'exact' },
  });
}

const heading = (text: string): Paragraph => para([run(text, HEADING_FONT)], { indent: true });

const BORDER = { style: BorderStyle.SINGLE, size: 4, color: '000000' } as const;

function table(header: string[], rows: (string | number)[][]): Table {
  const cell = (text: string | number, bold: boolean): TableCell =>
    new TableCell({
      children: [new Paragraph({ children: [run(String(text), BODY_FONT, SIZE.table, bold)], alignment: AlignmentType.CENTER })],
      borders: { top: BORDER, bottom: BORDER, left: BORDER, right: BORDER },
    });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: header.map((h) => cell(h, true)) }),
      ...rows.map((r) => new TableRow({ children: r.map((v) => cell(v, false)) })),
    ],
  });
}

export function reportTitle(town: string): string {
  return `${town}脱贫攻坚“回头看”问题整改情况报告`;
}

/** The report as a .docx file. `last` is the range's last day (the window ends the day after). */
export async function writeReportDocx(data: ReportData, range: { first: string; last: string }, timeZone: string): Promise<Buffer> {
  const zone = createZonedTime(timeZone);
  const cn = (date: string): string => `${Number(date.slice(0, 4))}年${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
  const rate = onTimeRate(data);
  const open = data.byStatus.triage + data.byStatus.dispatched + data.byStatus.accepted + data.byStatus.rectified;

  const statusHeader = STATUSES.map((s) => STATUS_LABEL[s]);
  const taskRows = data.byTask.filter((t) => t.total > 0 || t.task !== '未分类').map((t) => [taskName(t.task), ...STATUSES.map((s) => t.byStatus[s]), t.total]);
  const totalRow = ['合计', ...STATUSES.map((s) => data.byStatus[s]), data.reported];

  const units = data.units.filter((u) => u.received + u.closed + u.open + u.returned + u.rejected > 0);
  const unitRows = units.map((u) => [u.name, u.received, u.closed, u.closedOnTime, u.open, u.overdue, u.returned, u.rejected, percent(onTimeRate(u)), u.longTerm ? `${u.longTerm}（报进展 ${u.longTermReported}）` : '0']);

  const unresolvedRows = data.unresolved.map((f) => [
    f.no,
    f.village ?? '—',
    summary(maskPersonalNumbers(f.text), 40),
    f.unit,
    f.kind ?? '—',
    formatDate(f.deadline),
    `${STATUS_LABEL[f.status]}${f.grade ? `（${GRADE_LABEL[f.grade]}）` : ''}`,
    f.overdueDays ?? '—',
    f.note ? summary(maskPersonalNumbers(f.note), 40) : '—',
  ]);

  const children: (Paragraph | Table)[] = [
    para([run(reportTitle(data.town), TITLE_FONT, SIZE.title)], { align: AlignmentType.CENTER }),
    para([run(`（${cn(range.first)}—${cn(range.last)}）`, SUB_FONT)], { align: AlignmentType.CENTER }),
    para(''),
    para(
      `${cn(range.first)}至${cn(range.last)}，全镇“回头看”共发现问题 ${data.reported} 个，其中已销号 ${data.byStatus.closed} 个，未销号 ${open} 个，撤销 ${data.byStatus.cancelled} 个。期间销号 ${data.closed} 个，按期销号 ${data.closedOnTime} 个，按期办结率 ${percent(rate)}；截至${cn(zone.dateOf(data.now))}，超期未整改 ${data.overdue} 个。现将整改情况报告如下。`,
      { indent: true },
    ),
    heading('一、总体情况'),
    para(
      `按任务和办理状态统计，发现问题 ${data.reported} 个；督办等级红色 ${data.grades.red} 个、黄色 ${data.grades.yellow} 个、绿色 ${data.grades.green} 个；责任单位退回 ${data.returned} 次，整改反馈被驳回 ${data.rejected} 次。${data.reported > 0 ? `发现问题的${sourceBatchLine(data, '个')}` : ''}`,
      { indent: true },
    ),
    table(['任务', ...statusHeader, '合计'], [...taskRows, totalRow]),
    heading('二、各责任单位整改情况'),
    para('各责任单位交办、销号、超期和退回、驳回情况如下（按期办结率＝按期销号数÷已到期问题数）。', { indent: true }),
    table(['责任单位', '交办', '已销号', '按期销号', '未销号', '超期', '退回', '驳回', '按期办结率', '持续整改'], unitRows),
    heading('三、未整改到位问题清单'),
    para(unresolvedRows.length ? `尚未销号的问题 ${unresolvedRows.length} 个，清单如下。` : '期间发现的问题均已销号或撤销。', { indent: true }),
    ...(unresolvedRows.length ? [table(['编号', '村', '问题', '责任单位', '整改类型', '整改时限', '状态', '超期（工作日）', '情况说明'], unresolvedRows)] : []),
    heading('四、下一步工作'),
    para('对红色督办问题，由镇领导逐件督办，责任单位限期整改到位；对黄色问题，责任单位抓紧推进、及时报告进展；对持续整改问题，按计划定期报告进展，确保按目标日期完成。整改完成的问题，严格验收销号，做到问题不解决不销号。', { indent: true }),
    para(''),
    para([run(`${data.town}“回头看”工作专班`)], { align: AlignmentType.RIGHT }),
    para([run(cn(zone.dateOf(data.now)))], { align: AlignmentType.RIGHT }),
  ];

  const doc = new Document({
    creator: `${data.town}“回头看”机器人`,
    title: reportTitle(data.town),
    sections: [{ properties: { page: { margin: { top: 2098, bottom: 1984, left: 1587, right: 1474 } } }, children }],
  });
  return Packer.toBuffer(doc);
}

/** `整改报告-姚村镇-2026-11-01至2026-11-30.docx`, as a Content-Disposition header (with an ASCII fallback). */
export function reportDisposition(town: string, first: string, last: string): string {
  const file = `整改报告-${town}-${first}至${last}.docx`;
  return `attachment; filename="report.docx"; filename*=UTF-8''${encodeURIComponent(file)}`;
}

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Model } from 'mongoose';
import { createZonedTime } from '../calendar/zoned-time';
import { STATUS_LABEL, type FindingDoc } from '../findings/finding.model';
import { formatDate, itemLabel } from '../findings/messages';
import type { Directory } from '../org/directory';
import { maskIdNumber, maskPersonalNumbers } from '../privacy/mask';

/**
 * The rectification ledger (整改台账) as an .xlsx, streamed: rows go out as the database cursor
 * yields them (exceljs WorkbookWriter), one sheet at a time — 全部 first, then one per unit with
 * the findings it leads or assists — so 100,000 findings never sit in memory at once.
 */

export interface LedgerOptions {
  model: Model<FindingDoc>;
  directory: Directory;
  /** The findings to list (dashboard filters and the viewer's scope, see findingQuery). */
  query: Record<string, unknown>;
  /** Personal numbers in full only for the admin token. */
  mask: boolean;
  timeZone: string;
  now: Date;
  out: Writable;
}

type LedgerRow = Pick<
  FindingDoc,
  'no' | 'status' | 'task' | 'item' | 'departments' | 'village' | 'cadre' | 'reporter' | 'text' | 'household' | 'deadline' | 'rectifyNote' | 'closedAt' | 'cancelledAt' | 'acceptedAt' | 'rectifiedAt' | 'urgency'
> & { createdAt: Date; history: { by: string; action: string; at: Date }[] };

const PROJECTION = {
  _id: 0,
  no: 1,
  status: 1,
  task: 1,
  item: 1,
  departments: 1,
  village: 1,
  cadre: 1,
  reporter: 1,
  text: 1,
  household: 1,
  deadline: 1,
  rectifyNote: 1,
  closedAt: 1,
  cancelledAt: 1,
  acceptedAt: 1,
  rectifiedAt: 1,
  urgency: 1,
  createdAt: 1,
  'history.by': 1,
  'history.action': 1,
  'history.at': 1,
} as const;

const DATE_TIME = 'yyyy-mm-dd hh:mm';
const DATE = 'yyyy-mm-dd';
const WRAP = { wrapText: true, vertical: 'top' } as const;

export const LEDGER_COLUMNS = [
  { header: '序号', key: 'seq', width: 7 },
  { header: '编号', key: 'no', width: 8 },
  { header: '发现时间', key: 'found', width: 17, style: { numFmt: DATE_TIME } },
  { header: '报告人', key: 'reporter', width: 10 },
  { header: '村', key: 'village', width: 11 },
  { header: '农户', key: 'household', width: 24 },
  { header: '任务', key: 'task', width: 16 },
  { header: '重点问题', key: 'item', width: 26, style: { alignment: WRAP } },
  { header: '问题描述', key: 'text', width: 50, style: { alignment: WRAP } },
  { header: '牵头单位', key: 'lead', width: 12 },
  { header: '配合单位', key: 'assist', width: 16 },
  { header: '责任人', key: 'owner', width: 14 },
  { header: '整改措施', key: 'measure', width: 40, style: { alignment: WRAP } },
  { header: '整改时限', key: 'deadline', width: 12, style: { numFmt: DATE } },
  { header: '整改进展', key: 'progress', width: 24, style: { alignment: WRAP } },
  { header: '销号情况', key: 'closure', width: 10 },
  { header: '销号日期', key: 'closedOn', width: 12, style: { numFmt: DATE } },
] as const;

/** Sheet names: at most 31 characters, none of : \ / ? * [ ]. */
function sheetName(name: string): string {
  return name.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31);
}

export async function writeLedger(o: LedgerOptions): Promise<{ rows: number }> {
  const zone = createZonedTime(o.timeZone);
  // Excel has no time zones: a cell shows the UTC fields of its date, so hand it the town's wall clock.
  const wall = (d: Date | null | undefined): Date | null => {
    if (!d) return null;
    const at = new Date(d);
    const date = zone.dateOf(at);
    const offset = Date.parse(`${date}T00:00:00Z`) - zone.at(date, '00:00').getTime();
    return new Date(at.getTime() + offset);
  };
  const wallDate = (d: Date | null | undefined): Date | null => (d ? new Date(`${zone.dateOf(new Date(d))}T00:00:00Z`) : null);
  const name = (userid: string): string => o.directory.displayName(userid);
  const clean = (text: string | null | undefined): string => (text ? (o.mask ? maskPersonalNumbers(text) : text) : '');

  const owner = (f: LedgerRow): string => {
    const accepted = [...f.history].reverse().find((h) => h.action === '签收');
    if (accepted) return name(accepted.by);
    if (f.cadre && (f.task === 1 || f.task === 2)) return `${name(f.cadre)}（包村干部）`;
    const lead = f.departments[0] ? o.directory.unit(f.departments[0]) : undefined;
    return lead ? lead.members.map(name).join('、') : '';
  };
  const progress = (f: LedgerRow): string => {
    const late = f.deadline && new Date(f.deadline) < o.now && (f.status === 'dispatched' || f.status === 'accepted');
    const when =
      f.status === 'accepted' && f.acceptedAt ? `，${formatDate(f.acceptedAt)}签收` : f.status === 'rectified' && f.rectifiedAt ? `，${formatDate(f.rectifiedAt)}反馈整改完成` : '';
    return `${STATUS_LABEL[f.status]}${when}${late ? '，已超期' : ''}`;
  };

  const row = (f: LedgerRow, seq: number) => ({
    seq,
    no: f.no,
    found: wall(f.createdAt),
    reporter: name(f.reporter),
    village: f.village ?? '',
    household: f.household
      ? [f.household.name, f.household.idNumber ? (o.mask ? maskIdNumber(f.household.idNumber) : f.household.idNumber) : null].filter(Boolean).join(' ')
      : '',
    task: f.task !== null ? itemLabel(f.task, null) : '未分类',
    item: f.item ? itemLabel(f.task, f.item) : '',
    text: clean(f.text),
    lead: f.departments[0] ?? '待分派',
    assist: f.departments.slice(1).join('、'),
    owner: owner(f),
    measure: clean(f.rectifyNote),
    deadline: wallDate(f.deadline),
    progress: progress(f),
    closure: f.status === 'closed' ? '已销号' : f.status === 'cancelled' ? '已撤销' : '未销号',
    closedOn: wallDate(f.closedAt ?? f.cancelledAt),
  });

  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: o.out, useStyles: true, useSharedStrings: false });
  workbook.creator = `${o.directory.town}“回头看”机器人`;
  workbook.created = o.now;

  let total = 0;
  const sheets: { title: string; query: Record<string, unknown> }[] = [
    { title: '全部', query: o.query },
    ...o.directory.units().map((u) => ({ title: u.name, query: { $and: [o.query, { departments: u.name }] } })),
  ];
  const used = new Set<string>();
  for (const sheet of sheets) {
    // Excel compares sheet names without case; a 管区 named like a department gets a suffix.
    let title = sheetName(sheet.title);
    for (let i = 2; used.has(title.toLowerCase()); i++) title = `${sheetName(sheet.title).slice(0, 28)}(${i})`;
    used.add(title.toLowerCase());
    const ws = workbook.addWorksheet(title, { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
    ws.columns = LEDGER_COLUMNS.map((c) => ({ ...c, style: { ...('style' in c ? c.style : {}) } })) as Partial<ExcelJS.Column>[];
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: LEDGER_COLUMNS.length } };
    const header = ws.getRow(1);
    header.font = { bold: true };
    header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
    header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF9' } };
    header.commit();

    let seq = 0;
    const cursor = o.model.find(sheet.query, PROJECTION).sort({ no: 1 }).lean<LedgerRow>().cursor({ batchSize: 500 });
    for await (const f of cursor) {
      seq += 1;
      ws.addRow(row(f as LedgerRow, seq)).commit();
      // A slow download holds the export back instead of piling rows up in memory.
      if (seq % 200 === 0 && o.out.writableNeedDrain) await once(o.out, 'drain');
    }
    if (sheet.query === o.query) total = seq;
    ws.commit();
  }
  await workbook.commit();
  return { rows: total };
}

/** `整改台账-姚村镇-2026-12-01.xlsx`, as a Content-Disposition header (with an ASCII fallback name). */
export function ledgerDisposition(town: string, now: Date, timeZone: string): string {
  const file = `整改台账-${town}-${createZonedTime(timeZone).dateOf(now)}.xlsx`;
  return `attachment; filename="ledger.xlsx"; filename*=UTF-8''${encodeURIComponent(file)}`;
}

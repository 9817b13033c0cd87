import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Model } from 'mongoose';
import { createZonedTime } from '../calendar/zoned-time';
import type { WorkCalendar } from '../calendar/work-calendar';
import { createWorkingTimeline } from '../calendar/working-timeline';
import { OVERDUE_STATUSES } from '../dashboard/finding-filter';
import { GRADE_LABEL, STATUS_LABEL, type FindingDoc } from '../findings/finding.model';
import { createGrader } from '../findings/grade';
import { closedOnTime, onTimeRate } from '../report/rectification-report';
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
  /** For 督办等级 and 超期天数 (working days). */
  calendar: WorkCalendar;
  /** Photos per finding (佐证材料). */
  photos: Map<number, number>;
  /** The finding's page, where its photos are. */
  findingLink: (no: number) => string;
}

type LedgerRow = Pick<
  FindingDoc,
  | 'no' | 'status' | 'task' | 'item' | 'departments' | 'village' | 'cadre' | 'reporter' | 'text' | 'household' | 'deadline' | 'rectifyNote' | 'closedAt' | 'cancelledAt'
  | 'acceptedAt' | 'rectifiedAt' | 'urgency' | 'source' | 'batch' | 'relapse' | 'linkedTo' | 'importedBy' | 'kind' | 'measure' | 'checkedBy' | 'checkNote' | 'lastProgressAt' | 'extension'
> & { createdAt: Date; updatedAt: Date; history: { by: string; action: string; at: Date; note: string | null }[] };

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
  source: 1,
  batch: 1,
  relapse: 1,
  linkedTo: 1,
  importedBy: 1,
  kind: 1,
  measure: 1,
  checkedBy: 1,
  checkNote: 1,
  lastProgressAt: 1,
  extension: 1,
  createdAt: 1,
  updatedAt: 1,
  'history.by': 1,
  'history.action': 1,
  'history.at': 1,
  'history.note': 1,
} as const;

const DATE_TIME = 'yyyy-mm-dd hh:mm';
const DATE = 'yyyy-mm-dd';
const WRAP = { wrapText: true, vertical: 'top' } as const;
const PERCENT = '0.0%';

/** The columns inspectors check line by line, in their order. */
export const LEDGER_COLUMNS = [
  { header: '序号', key: 'seq', width: 7 },
  { header: '编号', key: 'no', width: 8 },
  { header: '问题来源', key: 'source', width: 10 },
  { header: '批次', key: 'batch', width: 20, style: { alignment: WRAP } },
  { header: '发现时间', key: 'found', width: 17, style: { numFmt: DATE_TIME } },
  { header: '村', key: 'village', width: 11 },
  { header: '农户', key: 'household', width: 24 },
  { header: '任务', key: 'task', width: 16 },
  { header: '重点问题', key: 'item', width: 26, style: { alignment: WRAP } },
  { header: '反弹', key: 'relapse', width: 6 },
  { header: '问题描述', key: 'text', width: 50, style: { alignment: WRAP } },
  { header: '牵头单位', key: 'lead', width: 12 },
  { header: '配合单位', key: 'assist', width: 16 },
  { header: '责任人', key: 'owner', width: 14 },
  { header: '整改类型', key: 'kind', width: 10 },
  { header: '整改措施', key: 'measure', width: 36, style: { alignment: WRAP } },
  { header: '整改时限', key: 'deadline', width: 12, style: { numFmt: DATE } },
  { header: '整改进展', key: 'progress', width: 36, style: { alignment: WRAP } },
  { header: '整改情况', key: 'outcome', width: 36, style: { alignment: WRAP } },
  { header: '验收人', key: 'checker', width: 10 },
  { header: '验收意见', key: 'checkNote', width: 24, style: { alignment: WRAP } },
  { header: '销号日期', key: 'closedOn', width: 12, style: { numFmt: DATE } },
  { header: '督办等级', key: 'grade', width: 9 },
  { header: '超期天数', key: 'overdueDays', width: 9 },
  { header: '佐证材料', key: 'evidence', width: 22 },
  { header: '备注', key: 'remark', width: 24, style: { alignment: WRAP } },
] as const;

/** The columns of the summary sheets (按单位汇总, 按村汇总). */
export const SUMMARY_COLUMNS = [
  { header: '单位', key: 'name', width: 14 },
  { header: '问题总数', key: 'total', width: 10 },
  { header: '已销号', key: 'closed', width: 10 },
  { header: '未销号', key: 'open', width: 10 },
  { header: '超期', key: 'overdue', width: 10 },
  { header: '按期办结率', key: 'rate', width: 12, style: { numFmt: PERCENT } },
] as const;

/** Sheet names: at most 31 characters, none of : \ / ? * [ ]. */
function sheetName(name: string): string {
  return name.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31);
}

/** One line of a summary: findings (not cancelled), closed (and on time), open, open past their deadline. */
interface Tally {
  total: number;
  closed: number;
  closedOnTime: number;
  open: number;
  overdue: number;
}

const emptyTally = (): Tally => ({ total: 0, closed: 0, closedOnTime: 0, open: 0, overdue: 0 });

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
  const grade = createGrader(o.directory.org.reminders, o.calendar, o.now);
  const timeline = createWorkingTimeline(o.calendar, new Date(o.now.getTime() - 90 * 86_400_000), o.now);

  const owner = (f: LedgerRow): string => {
    const accepted = [...f.history].reverse().find((h) => h.action === '签收');
    if (accepted) return name(accepted.by);
    if (f.cadre && (f.task === 1 || f.task === 2)) return `${name(f.cadre)}（包村干部）`;
    const lead = f.departments[0] ? o.directory.unit(f.departments[0]) : undefined;
    return lead ? lead.members.map(name).join('、') : '';
  };
  const isOverdue = (f: LedgerRow): boolean => Boolean(f.deadline && new Date(f.deadline) < o.now && OVERDUE_STATUSES.includes(f.status));
  const progress = (f: LedgerRow): string => {
    const when =
      f.status === 'accepted' && f.acceptedAt ? `，${formatDate(f.acceptedAt)}签收` : f.status === 'rectified' && f.rectifiedAt ? `，${formatDate(f.rectifiedAt)}反馈整改完成` : '';
    const reports = f.history.filter((h) => h.action === '进展').map((h) => `${formatDate(h.at)} ${clean(h.note)}`);
    return [`${STATUS_LABEL[f.status]}${when}${isOverdue(f) ? '，已超期' : ''}`, ...reports].join('\n');
  };
  /** Working days past the deadline: still open, or fixed late (counted to the day it was fixed). */
  const overdueDays = (f: LedgerRow): number | null => {
    if (!f.deadline || f.status === 'cancelled' || f.status === 'triage') return null;
    const end = f.rectifiedAt ?? f.closedAt ?? o.now;
    const hours = timeline.between(new Date(f.deadline), new Date(end));
    return hours > 0 ? Math.ceil(hours / timeline.dayHours - 1e-9) : null;
  };
  const remark = (f: LedgerRow): string =>
    [
      `报告人 ${name(f.reporter)}`,
      f.importedBy ? `导入人 ${name(f.importedBy)}` : null,
      f.status === 'cancelled' ? (f.linkedTo ? `已并入第 ${f.linkedTo} 号（同一农户同一问题）` : '已撤销') : null,
      f.status === 'triage' ? '待分派' : null,
      f.urgency === 'urgent' ? '紧急' : null,
      f.extension ? `申请延期至 ${formatDate(f.extension.deadline)}，待审批` : null,
    ]
      .filter(Boolean)
      .join('；');

  const row = (f: LedgerRow, seq: number) => {
    const g = grade({ ...f, history: f.history.map((h) => ({ ...h, from: null, to: null, text: null })) });
    const photos = o.photos.get(f.no) ?? 0;
    return {
      seq,
      no: f.no,
      source: f.source ?? '',
      batch: f.batch ?? '',
      found: wall(f.createdAt),
      village: f.village ?? '',
      household: f.household
        ? [f.household.code, f.household.name, f.household.idNumber ? (o.mask ? maskIdNumber(f.household.idNumber) : f.household.idNumber) : null].filter(Boolean).join(' ')
        : '',
      task: f.task !== null ? itemLabel(f.task, null) : '未分类',
      item: f.item ? itemLabel(f.task, f.item) : '',
      // The household had the same key problem closed before.
      relapse: f.relapse ? '是' : '',
      text: clean(f.text),
      lead: f.departments[0] ?? '待分派',
      assist: f.departments.slice(1).join('、'),
      owner: owner(f),
      kind: f.kind ?? '',
      measure: clean(f.measure),
      deadline: wallDate(f.deadline),
      progress: progress(f),
      outcome: clean(f.rectifyNote),
      checker: f.checkedBy ? name(f.checkedBy) : '',
      checkNote: clean(f.checkNote),
      closedOn: wallDate(f.closedAt),
      grade: g ? GRADE_LABEL[g] : '',
      overdueDays: overdueDays(f),
      evidence: photos > 0 ? { text: `${photos} 张`, hyperlink: o.findingLink(f.no) } : '无',
      remark: remark(f),
    };
  };

  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: o.out, useStyles: true, useSharedStrings: false });
  workbook.creator = `${o.directory.town}“回头看”机器人`;
  workbook.created = o.now;

  const used = new Set<string>();
  const addSheet = (title: string, columns: readonly { header: string; key: string; width: number; style?: object }[]): ExcelJS.Worksheet => {
    // Excel compares sheet names without case; a 管区 named like a department gets a suffix.
    let unique = sheetName(title);
    for (let i = 2; used.has(unique.toLowerCase()); i++) unique = `${sheetName(title).slice(0, 28)}(${i})`;
    used.add(unique.toLowerCase());
    const ws = workbook.addWorksheet(unique, { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
    ws.columns = columns.map((c) => ({ ...c, style: { ...(c.style ?? {}) } })) as Partial<ExcelJS.Column>[];
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
    const header = ws.getRow(1);
    header.font = { bold: true };
    header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
    header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF9' } };
    header.commit();
    return ws;
  };

  // The summaries are counted while 全部 is written: by lead unit and by village.
  const byUnit = new Map<string, Tally>(o.directory.units().map((u) => [u.name, emptyTally()]));
  const byVillage = new Map<string, Tally>(o.directory.villages().map((v) => [v.name, emptyTally()]));
  const count = (map: Map<string, Tally>, key: string, f: LedgerRow): void => {
    if (f.status === 'cancelled') return;
    let t = map.get(key);
    if (!t) map.set(key, (t = emptyTally()));
    t.total += 1;
    if (f.status === 'closed') {
      t.closed += 1;
      if (closedOnTime(f)) t.closedOnTime += 1;
    } else t.open += 1;
    if (isOverdue(f)) t.overdue += 1;
  };

  let total = 0;
  const sheets: { title: string; query: Record<string, unknown> }[] = [
    { title: '全部', query: o.query },
    ...o.directory.units().map((u) => ({ title: u.name, query: { $and: [o.query, { departments: u.name }] } })),
  ];
  for (const sheet of sheets) {
    const ws = addSheet(sheet.title, LEDGER_COLUMNS);
    const all = sheet.query === o.query;
    let seq = 0;
    const cursor = o.model.find(sheet.query, PROJECTION).sort({ no: 1 }).lean<LedgerRow>().cursor({ batchSize: 500 });
    for await (const doc of cursor) {
      const f = doc as LedgerRow;
      seq += 1;
      ws.addRow(row(f, seq)).commit();
      if (all) {
        count(byUnit, f.departments[0] ?? '（未分派）', f);
        count(byVillage, f.village ?? '（村未知）', f);
      }
      // A slow download holds the export back instead of piling rows up in memory.
      if (seq % 200 === 0 && o.out.writableNeedDrain) await once(o.out, 'drain');
    }
    if (all) total = seq;
    ws.commit();
  }

  for (const [title, map, label] of [
    ['按单位汇总', byUnit, '单位'],
    ['按村汇总', byVillage, '村'],
  ] as const) {
    const ws = addSheet(title, SUMMARY_COLUMNS.map((c) => (c.key === 'name' ? { ...c, header: label } : c)));
    const sum = emptyTally();
    for (const [key, t] of map) {
      ws.addRow({ name: key, ...t, rate: onTimeRate(t) }).commit();
      for (const k of ['total', 'closed', 'closedOnTime', 'open', 'overdue'] as const) sum[k] += t[k];
    }
    const last = ws.addRow({ name: '合计', ...sum, rate: onTimeRate(sum) });
    last.font = { bold: true };
    last.commit();
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

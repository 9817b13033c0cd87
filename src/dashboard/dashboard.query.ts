import type { Model } from 'mongoose';
import { addDays, createZonedTime } from '../calendar/zoned-time';
import { OPEN_STATUSES, STATUSES, type FindingDoc, type FindingStatus, type Grade } from '../findings/finding.model';
import { countGrades } from '../findings/grade';
import type { Directory } from '../org/directory';
import { findingQuery, OVERDUE_STATUSES, type FindingFilterParams } from './finding-filter';

/**
 * What the dashboard shows, in a fixed handful of queries whatever the number of findings: one
 * $group for every total (by lead unit, 管区, task and status), one $group for what is overdue,
 * two projections of a date each for the trend, and two short pages of rows. Nothing here needs
 * $lookup, $facet or accumulators other than $sum (FerretDB v1), and no full document is loaded
 * for a count.
 */

export interface Counts {
  total: number;
  byStatus: Record<FindingStatus, number>;
  overdue: number;
  /** 办结率: closed / (total - cancelled), null when nothing counts. */
  rate: number | null;
}

export interface CountRow {
  key: string;
  label: string;
  counts: Counts;
}

export type FindingRow = Pick<FindingDoc, 'no' | 'status' | 'task' | 'item' | 'departments' | 'village' | 'text' | 'deadline' | 'urgency' | 'reporter'> & {
  createdAt: Date;
};

export interface DashboardData {
  totals: Counts;
  byUnit: CountRow[];
  byDistrict: CountRow[];
  byTask: CountRow[];
  overdue: { total: number; items: FindingRow[] };
  /** Per day of the window: new, closed, and the open stock (存量) at the day's end. */
  trend: { days: string[]; created: number[]; closed: number[]; open: number[] };
  /** 三色督办: the open findings shown, by grade. */
  grades: Record<Grade, number>;
  list: { items: FindingRow[]; page: number; pages: number; total: number };
}

export const PAGE_SIZE = 50;
const OVERDUE_SHOWN = 50;
const TREND_DEFAULT_DAYS = 30;
const TREND_MAX_DAYS = 92;
const UNASSIGNED = '（未分派）';
const NO_DISTRICT = '（村未知）';
const NO_TASK = '（未分类）';
export const TASK_NAMES: Record<number, string> = { 1: '识别精准', 2: '退出规范', 3: '产业项目', 4: '扶贫资金', 5: '帮扶措施', 6: '低保兜底', 7: '医保扶贫', 8: '住房安全' };

const ROW_FIELDS = { _id: 0, no: 1, status: 1, task: 1, item: 1, departments: 1, village: 1, text: 1, deadline: 1, urgency: 1, reporter: 1, createdAt: 1 } as const;

function emptyCounts(): Counts {
  return { total: 0, byStatus: Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<FindingStatus, number>, overdue: 0, rate: null };
}

function finish(c: Counts): Counts {
  const counted = c.total - c.byStatus.cancelled;
  return { ...c, rate: counted > 0 ? c.byStatus.closed / counted : null };
}

interface GroupKey {
  d?: string[] | null;
  di?: string | null;
  t?: number | null;
  s?: FindingStatus;
}

export async function loadDashboard(
  model: Model<FindingDoc>,
  directory: Directory,
  f: FindingFilterParams,
  options: { now: Date; timeZone: string; scope: Record<string, unknown> | null; grades: Map<number, Grade> },
): Promise<DashboardData> {
  const { now, timeZone, scope } = options;
  const q = findingQuery(f, { now, timeZone, scope, gradeNos: gradeNumbers(options.grades, f.grade) });
  const overdueQ = { $and: [q, { status: { $in: OVERDUE_STATUSES }, deadline: { $lt: now } }] };
  const window = trendWindow(f, now, timeZone);
  const trendBase = findingQuery(f, { now, timeZone, scope, omit: ['status', 'dates'] });
  const page = f.page ?? 1;

  const [groups, overdueGroups, overdueItems, createdDates, closedDates, openBefore, cancelledDates, items, openNos] = await Promise.all([
    model.aggregate<{ _id: GroupKey; n: number }>([{ $match: q }, { $group: { _id: { d: '$departments', di: '$district', t: '$task', s: '$status' }, n: { $sum: 1 } } }]).exec(),
    model.aggregate<{ _id: GroupKey; n: number }>([{ $match: overdueQ }, { $group: { _id: { d: '$departments', di: '$district', t: '$task' }, n: { $sum: 1 } } }]).exec(),
    model.find(overdueQ, ROW_FIELDS).sort({ deadline: 1, no: 1 }).limit(OVERDUE_SHOWN).lean<FindingRow[]>().exec(),
    model.find({ $and: [trendBase, { createdAt: { $gte: window.start, $lt: window.end } }] }, { _id: 0, createdAt: 1 }).lean<{ createdAt: Date }[]>().exec(),
    model.find({ $and: [trendBase, { status: 'closed', closedAt: { $gte: window.start, $lt: window.end } }] }, { _id: 0, closedAt: 1 }).lean<{ closedAt: Date }[]>().exec(),
    // The stock: open when the window starts, then each day's new less its closed and cancelled.
    model.countDocuments({ $and: [trendBase, { createdAt: { $lt: window.start } }, { $or: [{ closedAt: null }, { closedAt: { $gte: window.start } }] }, { $or: [{ cancelledAt: null }, { cancelledAt: { $gte: window.start } }] }] }).exec(),
    model.find({ $and: [trendBase, { status: 'cancelled', cancelledAt: { $gte: window.start, $lt: window.end } }] }, { _id: 0, cancelledAt: 1 }).lean<{ cancelledAt: Date }[]>().exec(),
    model.find(q, ROW_FIELDS).sort({ no: -1 }).skip((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).lean<FindingRow[]>().exec(),
    model.find({ $and: [q, { status: { $in: OPEN_STATUSES } }] }, { _id: 0, no: 1 }).lean<{ no: number }[]>().exec(),
  ]);

  const totals = emptyCounts();
  const units = new Map<string, Counts>();
  const districts = new Map<string, Counts>();
  const tasks = new Map<string, Counts>();
  const bucket = (map: Map<string, Counts>, key: string): Counts => {
    let c = map.get(key);
    if (!c) map.set(key, (c = emptyCounts()));
    return c;
  };
  const keysOf = (id: GroupKey): [string, string, string] => [id.d?.[0] ?? UNASSIGNED, id.di ?? NO_DISTRICT, id.t != null ? String(id.t) : NO_TASK];

  for (const { _id, n } of groups) {
    const status = _id.s ?? 'triage';
    for (const c of [totals, ...zip3(keysOf(_id), [units, districts, tasks], bucket)]) {
      c.total += n;
      c.byStatus[status] += n;
    }
  }
  for (const { _id, n } of overdueGroups) {
    for (const c of [totals, ...zip3(keysOf(_id), [units, districts, tasks], bucket)]) c.overdue += n;
  }

  const unitOrder = [...directory.units().map((u) => u.name), UNASSIGNED];
  const districtOrder = [...directory.org.districts.map((d) => d.name), NO_DISTRICT];
  const taskOrder = ['1', '2', '3', '4', '5', '6', '7', '8', NO_TASK];
  const rows = (map: Map<string, Counts>, order: string[], label: (k: string) => string, keepEmpty: (k: string) => boolean): CountRow[] => {
    const keys = [...order, ...[...map.keys()].filter((k) => !order.includes(k)).sort()];
    return keys.filter((k) => map.has(k) || keepEmpty(k)).map((k) => ({ key: k, label: label(k), counts: finish(map.get(k) ?? emptyCounts()) }));
  };

  const total = totals.total;
  return {
    totals: finish(totals),
    byUnit: rows(units, unitOrder, (k) => k, (k) => k !== UNASSIGNED),
    byDistrict: rows(districts, districtOrder, (k) => k, (k) => k !== NO_DISTRICT),
    byTask: rows(tasks, taskOrder, (k) => (TASK_NAMES[Number(k)] ? `任务${k} ${TASK_NAMES[Number(k)]}` : k), (k) => k !== NO_TASK),
    overdue: { total: totals.overdue, items: overdueItems },
    trend: countByDay(window, createdDates.map((d) => d.createdAt), closedDates.map((d) => d.closedAt), cancelledDates.map((d) => d.cancelledAt), openBefore, timeZone),
    grades: countGrades(openNos.flatMap((r) => options.grades.get(r.no) ?? [])),
    list: { items, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), total },
  };
}

/** The numbers of the open findings with this grade (undefined: no grade asked for). */
export function gradeNumbers(grades: Map<number, Grade>, grade: Grade | undefined): number[] | undefined {
  return grade ? [...grades].filter(([, g]) => g === grade).map(([no]) => no) : undefined;
}

function zip3(keys: [string, string, string], maps: Map<string, Counts>[], bucket: (m: Map<string, Counts>, k: string) => Counts): Counts[] {
  return keys.map((k, i) => bucket(maps[i]!, k));
}

interface Window {
  first: string;
  last: string;
  start: Date;
  end: Date;
}

/** The days the trend covers: the filter's date range (at most its last 92 days), else the last 30 days. */
function trendWindow(f: FindingFilterParams, now: Date, timeZone: string): Window {
  const zone = createZonedTime(timeZone);
  const today = zone.dateOf(now);
  let last = f.to ?? (f.from && f.from > today ? f.from : today);
  let first = f.from ?? addDays(last, -(TREND_DEFAULT_DAYS - 1));
  if (first > last) [first, last] = [last, first];
  if (addDays(first, TREND_MAX_DAYS - 1) < last) first = addDays(last, -(TREND_MAX_DAYS - 1));
  return { first, last, start: zone.at(first, '00:00'), end: zone.at(addDays(last, 1), '00:00') };
}

function countByDay(w: Window, created: Date[], closed: Date[], cancelled: Date[], openBefore: number, timeZone: string): DashboardData['trend'] {
  const zone = createZonedTime(timeZone);
  const days: string[] = [];
  for (let d = w.first; d <= w.last; d = addDays(d, 1)) days.push(d);
  // Where each day starts, once; then every date finds its day by binary search (no formatting per date).
  const starts = days.map((d) => zone.at(d, '00:00').getTime());
  const end = w.end.getTime();
  const dayOf = (t: number): number => {
    if (t < (starts[0] ?? end) || t >= end) return -1;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const tally = (dates: Date[]): number[] => {
    const out = days.map(() => 0);
    for (const at of dates) {
      const i = at ? dayOf(new Date(at).getTime()) : -1;
      if (i >= 0) out[i]! += 1;
    }
    return out;
  };
  const made = tally(created);
  const done = tally(closed);
  const dropped = tally(cancelled);
  let stock = openBefore;
  const open = days.map((_, i) => (stock += made[i]! - done[i]! - dropped[i]!));
  return { days, created: made, closed: done, open };
}

import type { DomainContext } from '../context';
import { createWorkingTimeline } from '../calendar/working-timeline';
import { TASK_NAMES } from '../dashboard/dashboard.query';
import { OVERDUE_STATUSES } from '../dashboard/finding-filter';
import { DEFAULT_SOURCE, OPEN_STATUSES, STATUSES, type FindingDoc, type FindingStatus, type Grade } from '../findings/finding.model';
import { countsByName } from '../findings/messages';
import { createGrader } from '../findings/grade';
import { closedOnTime } from '../findings/on-time';
import type { Finding } from '../findings/finding.repository';

/**
 * What the weekly 通报 and the written 整改报告 say, counted from the findings for a window
 * [from, to): per unit what came in, what was closed (and on time), what is overdue now, 退回 and
 * 驳回, 持续整改 progress; totals by task and status; what is still open, with its deadline and why.
 * Units are listed in the organisation file's order: a report compares units, never ranks people.
 */

export interface UnitTally {
  name: string;
  /** Dispatched to it (lead) among the findings reported in the window. */
  received: number;
  closed: number;
  closedOnTime: number;
  /** Open now and past the deadline. */
  overdue: number;
  open: number;
  returned: number;
  rejected: number;
  /** Open 持续整改 findings, and those of them with a 进展 in the window. */
  longTerm: number;
  longTermReported: number;
}

export interface UnresolvedItem {
  no: number;
  village: string | null;
  text: string;
  unit: string;
  kind: string | null;
  deadline: Date | null;
  status: FindingStatus;
  grade: Grade | null;
  overdueDays: number | null;
  /** Why it is still open: a pending 延期, the last 驳回 or 退回 reason, or the last 进展. */
  note: string | null;
}

export interface ReportData {
  town: string;
  from: Date;
  to: Date;
  now: Date;
  /** Findings reported in the window, by status and by task (key "1".."8", or "未分类"). */
  reported: number;
  byStatus: Record<FindingStatus, number>;
  byTask: { task: string; byStatus: Record<FindingStatus, number>; total: number }[];
  closed: number;
  closedOnTime: number;
  overdue: number;
  returned: number;
  rejected: number;
  grades: Record<Grade, number>;
  units: UnitTally[];
  unresolved: UnresolvedItem[];
  /** Findings reported in the window by 问题来源 and by 批次 (most first), and how many were 反弹. */
  bySource: { name: string; count: number }[];
  byBatch: { name: string; count: number }[];
  relapses: number;
}

/** How a finding without a batch is counted. */
const NO_BATCH = '未定批次';

const UNASSIGNED = '（未分派）';

export { closedOnTime, onTimeRate, percent } from '../findings/on-time';

const zeroStatuses = (): Record<FindingStatus, number> => Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<FindingStatus, number>;

const PROJECTION = { routing: 0, replyTo: 0, 'history.text': 0 } as const;

export async function collectReport(ctx: DomainContext, from: Date, to: Date, now: Date): Promise<ReportData> {
  // What the window can concern: reported or changed in it, or open now (overdue, 持续整改).
  const findings = await ctx.findings.model
    .find({ $or: [{ createdAt: { $gte: from, $lt: to } }, { updatedAt: { $gte: from } }, { status: { $in: OPEN_STATUSES } }] }, PROJECTION)
    .sort({ no: 1 })
    .lean<Finding[]>()
    .exec();
  const { directory } = ctx;
  const grade = createGrader(directory.org.reminders, ctx.calendar, now);
  const timeline = createWorkingTimeline(ctx.calendar, from, now);
  const inWindow = (d: Date | null | undefined): boolean => Boolean(d && d >= from && d < to);

  const units = new Map<string, UnitTally>();
  const unit = (name: string): UnitTally => {
    let u = units.get(name);
    if (!u) units.set(name, (u = { name, received: 0, closed: 0, closedOnTime: 0, overdue: 0, open: 0, returned: 0, rejected: 0, longTerm: 0, longTermReported: 0 }));
    return u;
  };
  for (const u of directory.units()) unit(u.name);

  const data: ReportData = {
    town: directory.town,
    from,
    to,
    now,
    reported: 0,
    byStatus: zeroStatuses(),
    byTask: [],
    closed: 0,
    closedOnTime: 0,
    overdue: 0,
    returned: 0,
    rejected: 0,
    grades: { green: 0, yellow: 0, red: 0 },
    units: [],
    unresolved: [],
    bySource: [],
    byBatch: [],
    relapses: 0,
  };
  const reportedIn: Finding[] = [];
  const tasks = new Map<string, { byStatus: Record<FindingStatus, number>; total: number }>();

  for (const f of findings) {
    const lead = f.departments[0] ?? UNASSIGNED;
    const open = OPEN_STATUSES.includes(f.status);
    const overdue = Boolean(f.deadline && f.deadline < now && OVERDUE_STATUSES.includes(f.status));
    const g = grade(f);
    if (g) data.grades[g] += 1;
    if (overdue) {
      data.overdue += 1;
      unit(lead).overdue += 1;
    }
    if (open && f.departments[0]) unit(lead).open += 1;

    if (inWindow(f.createdAt)) {
      data.reported += 1;
      reportedIn.push(f);
      data.byStatus[f.status] += 1;
      const key = f.task !== null ? String(f.task) : '未分类';
      let t = tasks.get(key);
      if (!t) tasks.set(key, (t = { byStatus: zeroStatuses(), total: 0 }));
      t.byStatus[f.status] += 1;
      t.total += 1;
      if (f.departments[0]) unit(lead).received += 1;
      if (open) data.unresolved.push(unresolvedItem(f, lead, g, timeline, now));
    }
    if (f.status === 'closed' && inWindow(f.closedAt)) {
      const onTime = closedOnTime(f);
      data.closed += 1;
      unit(lead).closed += 1;
      if (onTime) {
        data.closedOnTime += 1;
        unit(lead).closedOnTime += 1;
      }
    }
    for (const h of f.history) {
      if (!inWindow(h.at)) continue;
      if (h.action === '退回') {
        data.returned += 1;
        unit(directory.unitsOf(h.by)[0] ?? UNASSIGNED).returned += 1;
      } else if (h.action === '驳回') {
        data.rejected += 1;
        unit(lead).rejected += 1;
      }
    }
    if (open && f.kind === '持续整改') {
      unit(lead).longTerm += 1;
      if (f.history.some((h) => h.action === '进展' && inWindow(h.at))) unit(lead).longTermReported += 1;
    }
  }

  const order = ['1', '2', '3', '4', '5', '6', '7', '8', '未分类'];
  data.byTask = order.map((task) => ({ task, ...(tasks.get(task) ?? { byStatus: zeroStatuses(), total: 0 }) }));
  data.bySource = countsByName(reportedIn.map((f) => f.source ?? DEFAULT_SOURCE));
  data.byBatch = countsByName(reportedIn.map((f) => f.batch ?? NO_BATCH));
  data.relapses = reportedIn.filter((f) => f.relapse).length;
  const unitOrder = [...directory.units().map((u) => u.name), UNASSIGNED];
  data.units = [...units.values()].sort((a, b) => unitOrder.indexOf(a.name) - unitOrder.indexOf(b.name));
  return data;
}

function unresolvedItem(f: Finding, lead: string, grade: Grade | null, timeline: ReturnType<typeof createWorkingTimeline>, now: Date): UnresolvedItem {
  const hours = f.deadline ? timeline.between(f.deadline, now) : 0;
  const overdue = f.deadline && hours > 0 && OVERDUE_STATUSES.includes(f.status) ? Math.ceil(hours / timeline.dayHours - 1e-9) : null;
  const last = [...f.history].reverse().find((h) => ['驳回', '退回', '进展'].includes(h.action) && h.note);
  const note = f.extension ? `申请延期：${f.extension.reason}` : last ? `${last.action}：${last.note}` : null;
  return { no: f.no, village: f.village, text: f.text, unit: lead, kind: f.kind ?? null, deadline: f.deadline, status: f.status, grade, overdueDays: overdue, note };
}

/** "来源：巡察反馈 2 件、自查 1 件；批次：…" for the findings of a window, `unit` the counting word (件, 个). */
export function sourceBatchLine(data: Pick<ReportData, 'bySource' | 'byBatch' | 'relapses'>, unit: string): string {
  const list = (rows: { name: string; count: number }[]): string => rows.map((r) => `${r.name} ${r.count} ${unit}`).join('、');
  return `来源：${list(data.bySource)}；批次：${list(data.byBatch)}${data.relapses ? `；其中反弹 ${data.relapses} ${unit}` : ''}。`;
}

/** "任务5 帮扶措施" for a task key of the report. */
export function taskName(task: string): string {
  const title = TASK_NAMES[Number(task)];
  return title ? `任务${task} ${title}` : task;
}

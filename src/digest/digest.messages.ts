import { STATUS_LABEL, type FindingStatus, type Grade } from '../findings/finding.model';
import { formatDate, formatTime } from '../findings/messages';
import { weekdayOf } from '../calendar/zoned-time';
import { fitWithin, overdueDuration, villageAndSummary } from '../reminders/reminder.messages';
import { inertText, type MarkdownDialect } from '../wecom/markup';
import { groupCountsLine, type GroupCount } from '../dispatch/group-messages';
import { onTimeRate as dueOnTimeRate, percent } from '../findings/on-time';

/** The words of the daily digests: the leaders' overview and each unit's own list. */

export const OVERDUE_CAP = 10;
export const UNIT_DIGEST_CAP = 10;

export interface DigestItem {
  no: number;
  status: FindingStatus;
  unit: string;
  village: string | null;
  text: string;
  deadline: Date | null;
  /** Working hours past the deadline, when it has passed. */
  overdueHours: number | null;
  /** Working hours left before the deadline, when it has not. */
  hoursLeft: number | null;
}

export interface CountRow {
  name: string;
  open: number;
  overdue: number;
}

export interface DigestData {
  town: string;
  /** The digest's date (YYYY-MM-DD in the town's time zone). */
  date: string;
  now: Date;
  /** The previous working day's digest time: "new" and "closed" count from here. */
  since: Date;
  dayHours: number;
  total: number;
  byStatus: Record<FindingStatus, number>;
  open: number;
  newSince: number;
  closedSince: number;
  closed: number;
  /** Closed on or before the deadline. */
  closedOnTime: number;
  byUnit: CountRow[];
  byDistrict: CountRow[];
  overdueCount: number;
  /** The oldest overdue first, at most OVERDUE_CAP. */
  overdue: DigestItem[];
  /** Units with work in hand (待签收, 整改中), in the organisation file's order. */
  units: { name: string; count: number; overdue: number; items: DigestItem[] }[];
  /** The work calendar's warning when a year's official holidays are missing. */
  notice: string | null;
  /** Messages each unit's group got today, and whether it reached its daily ceiling. */
  groups: GroupCount[];
  dashboard: string;
  /** 三色督办: open findings by grade. */
  grades?: Record<Grade, number>;
  /** Open findings by 问题来源 · 批次. */
  bySource?: { name: string; count: number }[];
  /** Open findings flagged 反弹. */
  relapses?: number;
}

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

function dayLabel(date: string): string {
  const [, m, d] = date.split('-').map(Number);
  return `${m}月${d}日 ${WEEKDAYS[weekdayOf(date)]}`;
}

function warn(text: string): string {
  return `<font color="warning">${text}</font>`;
}

/**
 * 按期办结率 as the ledger and the reports count it: closed on time, of those that were due (closed,
 * or open and past their deadline).
 */
export function onTimeRate(data: Pick<DigestData, 'closed' | 'closedOnTime' | 'overdueCount'>): string {
  const due = data.closed + data.overdueCount;
  if (due === 0) return '暂无到期问题';
  return `${percent(dueOnTimeRate({ closed: data.closed, closedOnTime: data.closedOnTime, overdue: data.overdueCount }))}（${data.closedOnTime}/${due}）`;
}

function rowsLine(rows: CountRow[], dialect: MarkdownDialect): string {
  return rows.map((r) => `${inertText(r.name, dialect)} ${r.open}/${r.overdue > 0 ? warn(String(r.overdue)) : '0'}`).join('，');
}

/** Messages per unit group today, and the groups that reached their daily ceiling (their messages waited for a collection). */
function groupsLines(groups: GroupCount[], dialect: MarkdownDialect): string[] {
  if (groups.length === 0) return [];
  const hit = groups.filter((g) => g.limitHit).map((g) => inertText(g.unit, dialect));
  return [
    `**各群今日消息**：${inertText(groupCountsLine(groups), dialect)}`,
    ...(hit.length ? [`> ${warn(`达到每日消息上限：${hit.join('、')}`)}（之后的消息合并到下一次汇总发送）`] : []),
  ];
}

/** The leaders' digest, within `maxBytes` (the overdue list is shortened first); names and reports inert in `dialect`. */
export function leadersDigest(data: DigestData, maxBytes: number, dialect: MarkdownDialect): string {
  const inert = (s: string): string => inertText(s, dialect);
  const s = data.byStatus;
  const head = [
    `**${data.town}“回头看”每日简报** ${dayLabel(data.date)}`,
    `> 新增 **${data.newSince}** 件，销号 **${data.closedSince}** 件（自 ${formatTime(data.since)}）`,
    `> 未办结 **${data.open}** 件：待分派 ${s.triage}，待签收 ${s.dispatched}，整改中 ${s.accepted}，待销号 ${s.rectified}`,
    `> 超期 ${data.overdueCount > 0 ? warn(`**${data.overdueCount}**`) : '**0**'} 件；累计 ${data.total} 件，已销号 ${s.closed}，已撤销 ${s.cancelled}`,
    `> 按期办结率 **${onTimeRate(data)}**`,
    ...(data.bySource?.length ? [`> 按来源和批次（未办结）：${inert(data.bySource.map((r) => `${r.name} ${r.count}`).join('，'))}`] : []),
    ...(data.relapses ? [`> 反弹 ${warn(`**${data.relapses}**`)} 件（同一农户同一问题销号后再次出现）`] : []),
    ...(data.grades ? [`> 督办等级：红 ${data.grades.red > 0 ? warn(`**${data.grades.red}**`) : '**0**'} 件，黄 **${data.grades.yellow}** 件，绿 **${data.grades.green}** 件`] : []),
  ];
  const tables = [
    ...(data.byUnit.length ? ['', '**各部门**（未办结/超期）', rowsLine(data.byUnit, dialect)] : ['', '各部门均无未办结问题。']),
    ...(data.byDistrict.length ? ['**各管区**（未办结/超期）', rowsLine(data.byDistrict, dialect)] : []),
    ...groupsLines(data.groups, dialect),
  ];
  const notice = data.notice ? ['', `> 注意：${data.notice}`] : [];
  return fitWithin(maxBytes, data.overdue.length, (n) => {
    const overdue = data.overdueCount
      ? [
          '',
          `**超期问题**（按时限先后${n < data.overdueCount ? `，前 ${n} 件` : ''}）`,
          ...data.overdue
            .slice(0, n)
            .map((f, i) => `${i + 1}. 第 ${f.no} 号 ${inert(f.unit)} ${inert(villageAndSummary(f.village, f.text, 16))}：${STATUS_LABEL[f.status]}，超期 ${overdueDuration(f.overdueHours ?? 0, data.dayHours, 'dayEnd')}`),
          ...(data.overdueCount > n ? [`……另有 ${data.overdueCount - n} 件`] : []),
        ]
      : [];
    return [...head, ...tables, ...overdue, `[进度看板](${data.dashboard})`, ...notice].join('\n');
  });
}

function itemState(f: DigestItem, dayHours: number): string {
  if (f.overdueHours !== null) return warn(`超期 ${overdueDuration(f.overdueHours, dayHours, 'dayEnd')}`);
  if (f.hoursLeft !== null && f.hoursLeft <= dayHours) return warn(`${formatDate(f.deadline)}到期`);
  return `时限 ${formatDate(f.deadline)}`;
}

/** A unit's own digest: its work in hand, overdue first, and the replies that move it on. */
export function unitDigest(data: DigestData, unit: DigestData['units'][number], maxBytes: number, dialect: MarkdownDialect): string {
  const title = `**【今日待办】${inertText(unit.name, dialect)} ${unit.count} 件未办结**${unit.overdue ? `，其中${warn(`超期 ${unit.overdue} 件`)}` : ''}（${dayLabel(data.date)}）`;
  return fitWithin(maxBytes, unit.items.length, (n) =>
    [
      title,
      ...unit.items.slice(0, n).map((f, i) => `${i + 1}. **第 ${f.no} 号** ${inertText(villageAndSummary(f.village, f.text, 18), dialect)}｜${STATUS_LABEL[f.status]}｜${itemState(f, data.dayHours)}`),
      ...(unit.count > n ? [`……另有 ${unit.count - n} 件`] : []),
      '签收回复“签收 编号”，整改后回复“整改完成 编号 情况说明”。',
      `[进度看板](${data.dashboard})`,
    ].join('\n'),
  );
}

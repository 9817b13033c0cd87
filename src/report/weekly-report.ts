import { addDays, createZonedTime, weekdayOf } from '../calendar/zoned-time';
import type { DomainContext } from '../context';
import { GRADE_LABEL } from '../findings/finding.model';
import { formatDate } from '../findings/messages';
import { leadersRecipient } from '../reminders/recipients';
import { fitWithin } from '../reminders/reminder.messages';
import { inertText, markupOf, type Markup } from '../wecom/markup';
import { collectReport, onTimeRate, percent, sourceBatchLine, type ReportData } from './rectification-report';

/**
 * The weekly 通报 to the leaders: on the last working day of each week (Friday, or the Saturday or
 * Thursday the work calendar makes the last), at `weeklyReport.at` (17:00). It covers Monday 00:00
 * of that week up to the moment it is made.
 */

/** Monday of the week (Monday to Sunday) that `date` falls in. */
function mondayOf(date: string): string {
  return addDays(date, -((weekdayOf(date) + 6) % 7));
}

/** Whether `date` is a working day with no working day after it in the same week. */
export function isLastWorkdayOfWeek(ctx: DomainContext, date: string): boolean {
  if (!ctx.calendar.isWorkday(date)) return false;
  for (let d = addDays(date, 1); weekdayOf(d) !== 1; d = addDays(d, 1)) if (ctx.calendar.isWorkday(d)) return false;
  return true;
}

export function weekWindow(ctx: DomainContext, now: Date): { from: Date; to: Date; monday: string } {
  const zone = createZonedTime(ctx.calendar.timeZone);
  const monday = mondayOf(zone.dateOf(now));
  return { from: zone.at(monday, '00:00'), to: now, monday };
}

export function weeklyMarkdown(data: ReportData, markup: Markup, maxBytes: number, dashboard: string): string {
  const bold = (s: string): string => (markup === 'text' ? s : `**${s}**`);
  const rate = onTimeRate(data);
  const active = data.units.filter((u) => u.received + u.closed + u.overdue + u.returned + u.rejected + u.longTerm > 0);
  const unitLine = (u: (typeof active)[number]): string => {
    const parts = [
      `新增 ${u.received}`,
      `销号 ${u.closed}`,
      `按期办结率 ${percent(onTimeRate(u))}`,
      `超期 ${u.overdue}`,
      `退回 ${u.returned}`,
      `驳回 ${u.rejected}`,
      ...(u.longTerm > 0 ? [`持续整改 ${u.longTerm} 件（本周报进展 ${u.longTermReported} 件）`] : []),
    ];
    return `> ${inertText(u.name, markup)}：${parts.join('，')}`;
  };
  const head = [
    bold(`【每周通报】${inertText(data.town, markup)}“回头看”问题整改（${formatDate(data.from)}—${formatDate(data.now)}）`),
    `本周新增 ${data.reported} 件，销号 ${data.closed} 件（按期 ${data.closedOnTime} 件），按期办结率 ${percent(rate)}；目前超期 ${data.overdue} 件；本周退回 ${data.returned} 件，驳回 ${data.rejected} 件。`,
    ...(data.reported > 0 ? [`本周新增问题的${inertText(sourceBatchLine(data, '件'), markup)}`] : []),
    `督办等级：${GRADE_LABEL.red} ${data.grades.red} 件，${GRADE_LABEL.yellow} ${data.grades.yellow} 件，${GRADE_LABEL.green} ${data.grades.green} 件。`,
  ];
  const footer = markup === 'text' ? `进度看板：${dashboard}` : `[进度看板](${dashboard})`;
  return fitWithin(maxBytes, active.length, (n) =>
    [...head, ...(active.length ? [bold('各责任单位'), ...active.slice(0, n).map(unitLine)] : []), ...(n < active.length ? [`……另有 ${active.length - n} 个单位，见进度看板`] : []), footer].join('\n'),
  );
}

export interface WeeklyRunResult {
  date: string;
  sent: boolean;
  reason?: string;
  content?: string;
}

/** The 通报 as of `now`, as the leaders' destination reads it (null when there is nowhere to send it). */
export async function weeklyReport(ctx: DomainContext, now: Date): Promise<{ data: ReportData; content: string }> {
  const { from } = weekWindow(ctx, now);
  const data = await collectReport(ctx, from, now, now);
  const leaders = leadersRecipient(ctx);
  const markup = leaders ? markupOf(leaders.destination.kind, 'markdown') : 'robot';
  return { data, content: weeklyMarkdown(data, markup, leaders?.maxBytes ?? 4096, ctx.links.dashboard()) };
}

async function sendWeeklyReport(ctx: DomainContext, content: string, dedupeKey: string): Promise<boolean> {
  const leaders = leadersRecipient(ctx);
  if (!leaders) {
    ctx.logger.warn('组织文件未配置 digest.target，且无法给领导发应用消息：每周通报未发送');
    return false;
  }
  await ctx.outbox.enqueue({ dedupeKey, destination: leaders.destination, message: { type: 'markdown', content, mentions: [] }, label: 'weekly report' });
  return true;
}

/**
 * The scheduled 通报 (each tick and at start-up): on the last working day of the week, once its
 * time has come, sent once (the claim `weekly:<date>` decides between instances and restarts).
 */
export async function runWeeklyReportJob(ctx: DomainContext, now: Date): Promise<WeeklyRunResult> {
  const { date, reason } = weeklyDue(ctx, now);
  if (reason) return { date, sent: false, reason };
  const key = weeklyClaimKey(date);
  if (await ctx.claims.has(key)) return { date, sent: false, reason: 'already sent' };
  const { content } = await weeklyReport(ctx, now);
  if (!(await ctx.claims.tryClaim(key, { at: now.toISOString() }))) return { date, sent: false, reason: 'sent by another instance' };
  const sent = await sendWeeklyReport(ctx, content, key);
  ctx.logger.info({ date, sent }, '每周通报已排队');
  return { date, sent, content };
}

const weeklyClaimKey = (date: string): string => `weekly:${date}`;

/** Whether the scheduled 通报 is due at `now`: the reason it is not, if so. */
function weeklyDue(ctx: DomainContext, now: Date): { date: string; reason?: string } {
  const zone = createZonedTime(ctx.calendar.timeZone);
  const date = zone.dateOf(now);
  if (!isLastWorkdayOfWeek(ctx, date)) return { date, reason: 'not the last working day of the week' };
  if (now < zone.at(date, ctx.directory.org.weeklyReport.at)) return { date, reason: 'before report time' };
  return { date };
}

/**
 * `cli report --week --send`: sends the 通报 now; when it is the scheduled one's day and time, it
 * takes the schedule's place (the job then finds it sent), as `cli digest --send` does.
 */
export async function sendWeeklyReportNow(ctx: DomainContext, now: Date, content: string): Promise<boolean> {
  const { date, reason } = weeklyDue(ctx, now);
  if (!reason) await ctx.claims.tryClaim(weeklyClaimKey(date), { at: now.toISOString(), by: 'cli' });
  return sendWeeklyReport(ctx, content, `weekly:cli:${now.getTime()}`);
}

import { missingOfficialNotice } from '../calendar/work-calendar';
import { countGrades, gradesOfOpen } from '../findings/grade';
import { createWorkingTimeline } from '../calendar/working-timeline';
import { addDays, createZonedTime } from '../calendar/zoned-time';
import type { DomainContext } from '../context';
import { groupCountsToday, sendToGroup } from '../dispatch/group-messages';
import type { OpenFinding } from '../findings/finding-views';
import { STATUSES, type FindingStatus } from '../findings/finding.model';
import { countsByName, sourceLine } from '../findings/messages';
import { leadersRecipient, unitRecipient, type Recipient } from '../reminders/recipients';
import { leadersDigest, unitDigest, UNIT_DIGEST_CAP, OVERDUE_CAP, type DigestData, type DigestItem } from './digest.messages';
import { markupOf } from '../wecom/markup';

/**
 * The daily digest: for the leaders, the whole picture; for each unit with open work, its own
 * list. The open findings come from their compact view and the counts of everything else from the
 * tallies (finding-views.ts), so the digest reads what is open, not every finding ever made.
 */

const DEFAULT_AT = '17:30';

/** The instant of a date's digest (org `digest.at`, 17:30 by default). */
export function digestTime(ctx: DomainContext, date: string): Date {
  return createZonedTime(ctx.calendar.timeZone).at(date, ctx.directory.org.digest?.at ?? DEFAULT_AT);
}

/** The digest time of the last working day before `date`: what "since the last digest" counts from. */
export function previousDigestTime(ctx: DomainContext, date: string): Date {
  let d = addDays(date, -1);
  for (let i = 0; i < 60 && !ctx.calendar.isWorkday(d); i++) d = addDays(d, -1);
  return digestTime(ctx, d);
}

export async function collectDigest(ctx: DomainContext, now: Date): Promise<DigestData> {
  const date = ctx.calendar.day(now).date;
  const since = previousDigestTime(ctx, date);
  const [docs, tallies] = await Promise.all([ctx.findings.open(), ctx.findings.tallies(since, now)]);

  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<FindingStatus, number>;
  byStatus.closed = tallies.closed;
  byStatus.cancelled = tallies.cancelled;
  const units = new Map<string, { open: number; overdue: number }>();
  const districts = new Map<string, { open: number; overdue: number }>();
  const unitItems = new Map<string, OpenFinding[]>();
  const overdue: OpenFinding[] = [];
  let minDeadline = now.getTime();
  const bump = (map: Map<string, { open: number; overdue: number }>, key: string, late: boolean) => {
    const row = map.get(key) ?? { open: 0, overdue: 0 };
    row.open++;
    if (late) row.overdue++;
    map.set(key, row);
  };

  for (const f of docs) {
    byStatus[f.status]++;
    // Overdue: the unit still has the work (待签收 or 整改中) and the deadline has passed.
    const working = f.status === 'dispatched' || f.status === 'accepted';
    const late = working && f.deadline !== null && f.deadline < now;
    if (late) {
      overdue.push(f);
      if (f.deadline!.getTime() < minDeadline) minDeadline = f.deadline!.getTime();
    }
    const lead = f.departments[0];
    if (lead) bump(units, lead, late);
    if (f.district) bump(districts, f.district, late);
    if (lead && working) {
      const list = unitItems.get(lead);
      if (list) list.push(f);
      else unitItems.set(lead, [f]);
    }
  }

  overdue.sort((a, b) => a.deadline!.getTime() - b.deadline!.getTime() || a.no - b.no);
  const byDeadline = (a: OpenFinding, b: OpenFinding) => (a.deadline?.getTime() ?? Infinity) - (b.deadline?.getTime() ?? Infinity) || a.no - b.no;
  for (const list of unitItems.values()) list.sort(byDeadline);

  // The window's counts when the tallies cannot split it (the digest time was moved earlier): counted from the findings.
  const newSince = tallies.createdSince ?? (await ctx.findings.count({ createdFrom: since, createdTo: new Date(now.getTime() + 1) }));
  const closedSince = tallies.closedSince ?? (await ctx.findings.model.countDocuments({ status: 'closed', closedAt: { $gte: since, $lte: now } }).exec());
  const timeline = createWorkingTimeline(ctx.calendar, new Date(minDeadline), now);
  const item = (f: OpenFinding): DigestItem => ({
    no: f.no,
    status: f.status,
    unit: f.departments[0] ?? '待分派',
    village: f.village,
    text: f.textStart,
    deadline: f.deadline,
    overdueHours: f.deadline && f.deadline < now ? timeline.between(f.deadline, now) : null,
    hoursLeft: f.deadline && f.deadline >= now ? timeline.between(now, f.deadline) : null,
  });
  const rows = (map: Map<string, { open: number; overdue: number }>) =>
    [...map.entries()].map(([name, r]) => ({ name, ...r })).sort((a, b) => b.open - a.open || a.name.localeCompare(b.name, 'zh'));
  const unitOrder = ctx.directory.units().map((u) => u.name);

  const closed = byStatus.closed;
  return {
    town: ctx.directory.town,
    date,
    now,
    since,
    dayHours: timeline.dayHours,
    total: tallies.created,
    byStatus,
    open: byStatus.triage + byStatus.dispatched + byStatus.accepted + byStatus.rectified,
    newSince,
    closedSince,
    closed,
    closedOnTime: tallies.closedOnTime,
    byUnit: rows(units).filter((r) => ctx.directory.unit(r.name)?.kind !== 'district'),
    byDistrict: rows(districts),
    overdueCount: overdue.length,
    overdue: overdue.slice(0, OVERDUE_CAP).map(item),
    units: [...unitItems.entries()]
      .sort(([a], [b]) => unitOrder.indexOf(a) - unitOrder.indexOf(b))
      .map(([name, list]) => ({ name, count: list.length, overdue: list.filter((f) => f.deadline && f.deadline < now).length, items: list.slice(0, UNIT_DIGEST_CAP).map(item) })),
    notice: missingOfficialNotice(ctx.calendar, now),
    dashboard: ctx.links.dashboard(),
    grades: countGrades(gradesOfOpen(docs, ctx.directory.org.reminders, ctx.calendar, now).values()),
    groups: await groupCountsToday(ctx, now),
    bySource: countsByName(docs.map(sourceLine)),
    relapses: docs.filter((f) => f.relapse).length,
  };
}

export interface DigestMessage {
  to: string;
  dedupeKey: string;
  content: string;
}

/** The leaders' digest and each unit's, as they would be sent (nothing is queued). */
export function digestMessages(ctx: DomainContext, data: DigestData, keyPrefix: string): { recipient: Recipient; message: DigestMessage }[] {
  const result: { recipient: Recipient; message: DigestMessage }[] = [];
  const leaders = leadersRecipient(ctx);
  if (leaders) result.push({ recipient: leaders, message: { to: leaders.key, dedupeKey: `${keyPrefix}:leaders`, content: leadersDigest(data, leaders.maxBytes, markupOf(leaders.destination.kind, 'markdown')) } });
  else ctx.logger.warn('组织文件未配置 digest.target，且无法给领导发应用消息：领导简报未发送');
  for (const unit of data.units) {
    const r = unitRecipient(ctx, unit.name);
    if (!r) continue;
    result.push({ recipient: r, message: { to: r.key, dedupeKey: `${keyPrefix}:${r.key}`, content: unitDigest(data, unit, r.maxBytes, markupOf(r.destination.kind, 'markdown')) } });
  }
  return result;
}

async function enqueueAll(ctx: DomainContext, planned: { recipient: Recipient; message: DigestMessage }[]): Promise<DigestMessage[]> {
  for (const { recipient, message } of planned) {
    const label = `digest ${recipient.name}`;
    if (recipient.unit) await sendToGroup(ctx, recipient.unit, { dedupeKey: message.dedupeKey, content: message.content, label });
    else await ctx.outbox.enqueue({ dedupeKey: message.dedupeKey, destination: recipient.destination, message: { type: 'markdown', content: message.content, mentions: [] }, label });
  }
  return planned.map((p) => p.message);
}

/** Whether `now` is on a working day at or after its digest time: the digest of that day is due. */
export function digestDue(ctx: DomainContext, now: Date): { date: string; due: boolean } {
  const day = ctx.calendar.day(now);
  return { date: day.date, due: day.workday && now >= digestTime(ctx, day.date) };
}

export const digestClaimKey = (date: string): string => `digest:${date}`;

export interface DigestRunResult {
  date: string;
  sent: boolean;
  reason?: string;
  messages: DigestMessage[];
}

/**
 * The scheduled digest (each tick and at start-up): on a working day, once its time has come, sent
 * once: the claim `digest:YYYY-MM-DD` decides between instances and restarts.
 */
export async function runDigestJob(ctx: DomainContext, now: Date): Promise<DigestRunResult> {
  const { date, due } = digestDue(ctx, now);
  if (!due) return { date, sent: false, reason: ctx.calendar.isWorkday(now) ? 'before digest time' : 'not a working day', messages: [] };
  const key = digestClaimKey(date);
  if (await ctx.claims.has(key)) return { date, sent: false, reason: 'already sent', messages: [] };
  const data = await collectDigest(ctx, now);
  if (!(await ctx.claims.tryClaim(key, { at: now.toISOString() }))) return { date, sent: false, reason: 'sent by another instance', messages: [] };
  const messages = await enqueueAll(ctx, digestMessages(ctx, data, key));
  // Housekeeping instead of a TTL index: the scheduler's tick leases are worth nothing after a day.
  await ctx.claims.deleteOlderThan(new Date(now.getTime() - 2 * 86_400_000), 'job:');
  ctx.logger.info({ date, messages: messages.length }, '每日简报已排队');
  return { date, sent: true, messages };
}

/**
 * A digest sent on request (cli `digest --send`). When it is that day's digest time or later, it
 * counts as the day's digest, so the scheduler does not send another.
 */
export async function sendDigestNow(ctx: DomainContext, now: Date, data: DigestData): Promise<DigestMessage[]> {
  const { date, due } = digestDue(ctx, now);
  if (due) await ctx.claims.tryClaim(digestClaimKey(date), { at: now.toISOString(), by: 'cli' });
  return enqueueAll(ctx, digestMessages(ctx, data, `digest:${date}:cli:${now.getTime()}`));
}

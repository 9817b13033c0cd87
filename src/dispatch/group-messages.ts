import { Types, type Connection } from 'mongoose';
import { createZonedTime } from '../calendar/zoned-time';
import type { DomainContext } from '../context';
import { isDuplicateKey } from '../db/claims';
import { formatDate, itemLabel, summary } from '../findings/messages';
import type { Finding } from '../findings/finding.repository';
import type { Target } from '../../config/org';
import type { Unit } from '../org/directory';
import { channelOf, type Destination, type OutboundMessageInput } from '../outbox/outbox.model';
import { APP_MARKDOWN_MAX_BYTES, ROBOT_MARKDOWN_MAX_BYTES, utf8ByteLength } from '../wecom/limits';
import { inertText, markupOf, type MarkdownDialect } from '../wecom/markup';
import { groupWaitingModel, groupWindowModel, type GroupWaitingDoc } from './group-waiting.model';

/**
 * How much a unit's group is sent (against 指尖上的形式主义): new findings go in one 【交办】 message
 * per collection window (urgent ones, and the first after a quiet window, at once), and past the
 * group's daily ceiling whatever would go waits for the next collection. This sits above the
 * outbox: what waits is in the database, and a collection goes to the outbox under one key, so a
 * restart in between sends it once. The robot's own 20-a-minute merge in the outbox still applies.
 */

type Waiting = Omit<GroupWaitingDoc, '_id' | 'batch' | 'sentAt' | 'createdAt'>;

export interface GroupWaitingStore {
  /**
   * Opens the unit's window when it has been quiet for `windowMs` (then `opened`); `since` is when
   * the current window began. Atomic: of two reports at once, one finds the group quiet.
   */
  openIfQuiet(unit: string, now: Date, windowMs: number): Promise<{ opened: boolean; since: Date }>;
  /** Keeps something for the unit's next collection; the same key is kept once. */
  hold(item: Waiting): Promise<void>;
  /** What is due now, in batches (one per unit), each taken by this call or left by an earlier one that did not finish. */
  dueBatches(now: Date): Promise<{ batch: string; unit: string; items: GroupWaitingDoc[] }[]>;
  /** The batch is in the outbox: done, and the unit's window starts again now. */
  sent(batch: string, unit: string, now: Date): Promise<void>;
  markLimitHit(unit: string, date: string): Promise<void>;
  /** Units whose group reached its ceiling on that date. */
  limitHit(date: string): Promise<string[]>;
  /** How many things wait for the unit's collections. */
  waiting(unit: string): Promise<number>;
}

export function createGroupWaitingStore(connection: Connection): GroupWaitingStore {
  const waiting = groupWaitingModel(connection);
  const windows = groupWindowModel(connection);

  return {
    async openIfQuiet(unit, now, windowMs) {
      const opened = await windows.findOneAndUpdate({ unit, lastAt: { $lte: new Date(now.getTime() - windowMs) } }, { $set: { lastAt: now } }).lean().exec();
      if (opened) return { opened: true, since: now };
      try {
        await windows.create({ unit, lastAt: now, limitHit: [] });
        return { opened: true, since: now };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const current = await windows.findOne({ unit }).lean().exec();
      return { opened: false, since: current?.lastAt ?? now };
    },

    async hold(item) {
      try {
        await waiting.create({ ...item, batch: null, sentAt: null });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    },

    async dueBatches(now) {
      const fresh = await waiting.find({ sentAt: null, batch: null, dueAt: { $lte: now } }, { unit: 1 }).lean().exec();
      for (const unit of new Set(fresh.map((d) => d.unit))) {
        // Each document is taken by one update; two instances at once at worst split a unit's items into two messages.
        await waiting.updateMany({ unit, sentAt: null, batch: null, dueAt: { $lte: now } }, { $set: { batch: new Types.ObjectId().toString() } }).exec();
      }
      const taken = await waiting.find({ sentAt: null, batch: { $ne: null } }).sort({ createdAt: 1, _id: 1 }).lean<GroupWaitingDoc[]>().exec();
      const batches = new Map<string, { batch: string; unit: string; items: GroupWaitingDoc[] }>();
      for (const d of taken) {
        const b = batches.get(d.batch!) ?? { batch: d.batch!, unit: d.unit, items: [] };
        b.items.push(d);
        batches.set(d.batch!, b);
      }
      return [...batches.values()];
    },

    async sent(batch, unit, now) {
      await waiting.updateMany({ batch, sentAt: null }, { $set: { sentAt: now } }).exec();
      await windows.updateOne({ unit }, { $max: { lastAt: now } }).exec();
    },

    async markLimitHit(unit, date) {
      await windows.updateOne({ unit }, { $addToSet: { limitHit: date }, $setOnInsert: { lastAt: new Date(0) } }, { upsert: true }).exec();
    },

    async limitHit(date) {
      return (await windows.find({ limitHit: date }, { unit: 1 }).lean().exec()).map((w) => w.unit);
    },

    waiting: (unit) => waiting.countDocuments({ unit, sentAt: null }).exec(),
  };
}

/** Where a unit's (or the digest's) messages go. */
export function unitDestination(target: Target): Destination {
  if ('webhook' in target) return { kind: 'webhook', key: target.webhook };
  if ('chatid' in target) return { kind: 'appchat', chatid: target.chatid };
  return { kind: 'app', users: target.users };
}

const windowMs = (ctx: DomainContext): number => ctx.directory.org.dispatch.collectMinutes * 60_000;

function today(ctx: DomainContext, now: Date): { date: string; start: Date } {
  const zone = createZonedTime(ctx.calendar.timeZone);
  const date = zone.dateOf(now);
  return { date, start: zone.at(date, '00:00') };
}

/** Messages queued for or sent to the unit's group today (what the outbox merged counts once; failures not at all). */
async function queuedToday(ctx: DomainContext, unit: Unit, now: Date): Promise<number> {
  const docs = await ctx.outbox.list({ channel: channelOf(unitDestination(unit.target)), since: today(ctx, now).start });
  return docs.filter((d) => d.status !== 'merged' && d.status !== 'failed').length;
}

async function pastCeiling(ctx: DomainContext, unit: Unit, now: Date): Promise<boolean> {
  if ((await queuedToday(ctx, unit, now)) < ctx.directory.org.dispatch.groupDailyLimit) return false;
  await ctx.groupWaiting.markLimitHit(unit.name, today(ctx, now).date);
  return true;
}

/** When what waits now for the unit goes: the end of its current window (opening one if it was quiet). */
async function nextCollection(ctx: DomainContext, unit: string, now: Date): Promise<Date> {
  const { since } = await ctx.groupWaiting.openIfQuiet(unit, now, windowMs(ctx));
  return new Date(Math.max(since.getTime() + windowMs(ctx), now.getTime()));
}

/**
 * A markdown message to a unit's group, at once; past the group's daily ceiling it waits for the
 * next collection instead (nothing is dropped). For messages that are not new findings: status
 * notices, reminders, digests, an import's summary.
 */
export async function sendToGroup(
  ctx: DomainContext,
  unitName: string,
  item: { dedupeKey: string; content: string | ((dialect: MarkdownDialect) => string); mentionMembers?: boolean; label?: string },
): Promise<void> {
  const unit = ctx.directory.unit(unitName);
  if (!unit) {
    ctx.logger.warn({ unit: unitName }, '组织文件中没有该单位，消息未发送');
    return;
  }
  const destination = unitDestination(unit.target);
  const mentions = item.mentionMembers && destination.kind === 'webhook' ? unit.members : [];
  const markdown = typeof item.content === 'string' ? item.content : item.content(markupOf(destination.kind, 'markdown'));
  const content = mentions.length ? `${markdown}\n${mentions.map((m) => `<@${m}>`).join(' ')}` : markdown;
  const now = ctx.clock.now();
  if (await pastCeiling(ctx, unit, now)) {
    await ctx.groupWaiting.hold({ key: item.dedupeKey, unit: unit.name, kind: 'message', finding: null, content, mention: false, dueAt: await nextCollection(ctx, unit.name, now) });
    return;
  }
  const message: OutboundMessageInput = { type: 'markdown', content, mentions };
  await ctx.outbox.enqueue({ dedupeKey: item.dedupeKey, destination, message, label: item.label ?? item.dedupeKey.split(':').slice(0, 2).join(' ') });
}

/**
 * A new finding for a unit's group: at once when it is urgent or the group has been quiet for a
 * window (and the group is under its ceiling), else listed in the unit's next 【交办】 collection.
 * `single` is the message it gets when it goes alone.
 */
export async function dispatchToGroup(
  ctx: DomainContext,
  f: Finding,
  unitName: string,
  role: 'lead' | 'assist',
  dedupeKey: string,
  single: (dialect: MarkdownDialect) => string,
): Promise<void> {
  const unit = ctx.directory.unit(unitName);
  if (!unit) {
    ctx.logger.warn({ unit: unitName }, '组织文件中没有该单位，消息未发送');
    return;
  }
  const now = ctx.clock.now();
  const over = await pastCeiling(ctx, unit, now);
  if (!over && windowMs(ctx) === 0) return sendToGroup(ctx, unitName, { dedupeKey, content: single, mentionMembers: role === 'lead' });
  const { opened, since } = await ctx.groupWaiting.openIfQuiet(unit.name, now, windowMs(ctx));
  if (!over && (opened || f.urgency === 'urgent')) return sendToGroup(ctx, unitName, { dedupeKey, content: single, mentionMembers: role === 'lead' });
  await ctx.groupWaiting.hold({
    key: dedupeKey,
    unit: unit.name,
    kind: 'finding',
    finding: { no: f.no, role, lead: f.departments[0] ?? null, village: f.village, label: itemLabel(f.task, f.item), text: summary(f.text, 40), deadline: f.deadline },
    content: null,
    mention: role === 'lead',
    dueAt: new Date(Math.max(since.getTime() + windowMs(ctx), now.getTime())),
  });
}

/** One 【交办】 line: number, village, key problem, the report's start, deadline. */
function findingLine(i: number, w: NonNullable<GroupWaitingDoc['finding']>, dialect: MarkdownDialect): string {
  const inert = (s: string): string => inertText(s, dialect);
  const assist = w.role === 'assist' ? `（配合，${w.lead ?? ''} 牵头）` : '';
  return `${i}. **第 ${w.no} 号** ${w.village ? `${inert(w.village)} ` : ''}${w.label}：${inert(w.text)}｜时限 ${formatDate(w.deadline)}${assist}`;
}

/** The collection's markdown, in as many parts as WeCom's size limit needs. */
export function collectionMessages(
  unit: string,
  items: GroupWaitingDoc[],
  opts: { dialect: MarkdownDialect; maxBytes: number; mentions: string[]; dashboard: string; pastLimit: number | null },
): string[] {
  const findings = items.filter((d) => d.kind === 'finding' && d.finding).map((d) => d.finding!);
  const messages = items.filter((d) => d.kind === 'message' && d.content !== null).map((d) => d.content!);
  const mentionLine = opts.mentions.length ? `\n${opts.mentions.map((m) => `<@${m}>`).join(' ')}` : '';
  const head = [
    findings.length ? `**【交办】${unit} 新交办 ${findings.length} 个问题**` : `**${unit} 待发消息 ${messages.length} 条**`,
    ...(opts.pastLimit !== null ? [`> 本群今日消息已达上限（${opts.pastLimit} 条），本条合并 ${items.length} 条消息。`] : []),
  ];
  const blocks = [
    ...findings.map((w, i) => findingLine(i + 1, w, opts.dialect)),
    ...(findings.length ? [`请逐个回复“签收 编号”；整改后回复“整改完成 编号 情况说明”；不属于本单位请回复“退回 编号 原因”。[进度看板](${opts.dashboard})`] : []),
    ...messages.map((m) => `\n${m}`),
  ];
  const room = opts.maxBytes - utf8ByteLength(mentionLine) - 64;
  const parts: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const block of blocks) {
    const bytes = utf8ByteLength(block) + 1;
    if (current.length && size + bytes > room - utf8ByteLength(head.join('\n'))) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(block);
    size += bytes;
  }
  if (current.length) parts.push(current);
  return parts.map((blocksOfPart, i) => {
    const title = parts.length > 1 ? [`${head[0]}（${i + 1}/${parts.length}）`, ...head.slice(1)] : head;
    return [...title, ...blocksOfPart].join('\n') + mentionLine;
  });
}

/** Sends each unit's due collection; run every minute (jobs/group-collect.job.ts). */
export async function flushCollections(ctx: DomainContext, now: Date): Promise<{ collections: number; items: number }> {
  let collections = 0;
  let items = 0;
  for (const { batch, unit: unitName, items: batchItems } of await ctx.groupWaiting.dueBatches(now)) {
    const unit = ctx.directory.unit(unitName);
    if (!unit) {
      ctx.logger.warn({ unit: unitName, waiting: batchItems.length }, '组织文件中已没有该单位，待发消息无处可发');
      continue;
    }
    const destination = unitDestination(unit.target);
    const dialect = markupOf(destination.kind, 'markdown');
    const mention = batchItems.some((d) => d.mention) && destination.kind === 'webhook';
    const limit = ctx.directory.org.dispatch.groupDailyLimit;
    const pastLimit = batchItems.some((d) => d.kind === 'message') || (await queuedToday(ctx, unit, now)) >= limit ? limit : null;
    const parts = collectionMessages(unit.name, batchItems, {
      dialect,
      maxBytes: destination.kind === 'webhook' ? ROBOT_MARKDOWN_MAX_BYTES : APP_MARKDOWN_MAX_BYTES,
      mentions: mention ? unit.members : [],
      dashboard: ctx.links.dashboard(),
      pastLimit,
    });
    for (const [i, content] of parts.entries()) {
      await ctx.outbox.enqueue({ dedupeKey: `collect:${batch}:${i}`, destination, message: { type: 'markdown', content, mentions: mention ? unit.members : [] }, label: `collect ${unit.name}` });
    }
    await ctx.groupWaiting.sent(batch, unit.name, now);
    collections++;
    items += batchItems.length;
  }
  if (collections) ctx.logger.info({ collections, items }, '已发送汇总交办消息');
  return { collections, items };
}

export interface GroupCount {
  unit: string;
  /** Messages sent to the unit's group today. */
  sent: number;
  /** Whether it reached its daily ceiling today. */
  limitHit: boolean;
}

/** Messages each unit's group got today (only units with any, or that hit the ceiling), in the organisation file's order. */
export async function groupCountsToday(ctx: DomainContext, now: Date): Promise<GroupCount[]> {
  const { date, start } = today(ctx, now);
  const hit = new Set(await ctx.groupWaiting.limitHit(date));
  const counts: GroupCount[] = [];
  for (const unit of ctx.directory.units()) {
    const docs = await ctx.outbox.list({ channel: channelOf(unitDestination(unit.target)), since: start });
    const sent = docs.filter((d) => d.status === 'sent' && d.sentAt && d.sentAt >= start).length;
    if (sent > 0 || hit.has(unit.name)) counts.push({ unit: unit.name, sent, limitHit: hit.has(unit.name) });
  }
  return counts;
}

/** "民政办 12，扶贫办 3（达上限）" */
export function groupCountsLine(counts: GroupCount[]): string {
  return counts.map((c) => `${c.unit} ${c.sent}${c.limitHit ? '（达上限）' : ''}`).join('，');
}

import { Types, type Connection } from 'mongoose';
import type { Clock } from '../clock';
import { claimAttempt, isDuplicateKey, type ClaimRepository } from '../db/claims';
import type { Logger } from '../logger';
import { maskPersonalNumbers } from '../privacy/mask';
import { configurationAdvice, isAppWide, type ErrorKind } from '../wecom/errcodes';
import { APP_MARKDOWN_MAX_BYTES, ROBOT_MARKDOWN_MAX_BYTES } from '../wecom/limits';
import {
  channelOf,
  destinationSchema,
  outboundMessageSchema,
  outboxModel,
  type Destination,
  type OutboundMessage,
  type OutboundMessageInput,
  type OutboxDoc,
} from './outbox.model';
import type { Fault, UnreachableWhy, WeComHealth } from './wecom-health';

/** A recipient WeCom said it could not reach, though the others got the message. */
export interface UnreachedMember {
  userid: string;
  why: UnreachableWhy;
}

/** What a send gave back: recipients WeCom could not reach, and a button card's code for update_template_card. */
export interface SendReceipt {
  unreached?: UnreachedMember[];
  responseCode?: string;
}

/**
 * Sends one message; throws on failure. The error's `kind` (see wecom/errcodes.ts) decides what
 * happens next; without one, `retryable: false` stops retries and anything else is retried.
 */
export type Transport = (destination: Destination, message: OutboundMessage) => Promise<void | SendReceipt>;

export interface Outbox {
  /** Queues a message; the same dedupeKey queues it once. Returns whether it was new. */
  enqueue(item: { dedupeKey: string; destination: Destination; message: OutboundMessageInput; label?: string }): Promise<boolean>;
  /** Sends what this instance queued since the last call, unless it must wait behind something (see below). */
  deliverFresh(now: Date): Promise<{ sent: number; failed: number }>;
  /** Whether something waits that only `deliverDue` sends (a retry, a robot's messages). */
  wantsScan(): boolean;
  /** Sends everything due now, looking through the outbox; returns counts. Safe to run on several instances at once. */
  deliverDue(now: Date): Promise<{ sent: number; failed: number; merged: number; waiting: number }>;
  /** Messages to a channel, newest last (for the simulator, tests and the CLI). */
  list(filter?: { status?: string; channel?: string; since?: Date }): Promise<OutboxDoc[]>;
  /** Wakes the delivery loop (after an enqueue). */
  onEnqueued(listener: () => void): void;
  /** Told of each message delivered with a receipt (a button card's code); a failing listener is logged, the message stays sent. */
  onSent(listener: (doc: OutboxDoc, receipt: SendReceipt) => Promise<void>): void;
}

/** A robot takes at most 20 messages a minute; more are refused by WeCom. */
export const ROBOT_PER_MINUTE = 20;
/** The app may send each member at most 30 messages a minute and 1,000 an hour; WeCom silently drops the rest. */
export const MEMBER_PER_MINUTE = 30;
export const MEMBER_PER_HOUR = 1_000;
const LEASE_MS = 60_000;
/** How long a robot at its limit is left alone before its waiting messages are looked at again. */
const ROBOT_RECHECK_MS = 15_000;
const MAX_ATTEMPTS = 500;
/** While WeCom refuses for a configuration fault, it is asked again this often (one message, the oldest). */
export const PROBE_MS = 60_000;
/** How often an instance reads the faults other instances recorded. */
const FAULTS_REFRESH_MS = 60_000;

function errorKind(err: unknown): ErrorKind {
  const e = err as { kind?: ErrorKind; retryable?: boolean };
  if (e.kind) return e.kind;
  return e.retryable === false ? 'final' : 'transient';
}

/** The channels a configuration fault of the whole app or of one robot/bot/chat stops. */
export function familyOf(channel: string): string {
  if (channel.startsWith('webhook:')) return 'robots';
  if (channel.startsWith('bot')) return 'bot';
  return 'app';
}

export function backoffMs(attempts: number): number {
  return Math.min(15 * 60_000, 2_000 * 2 ** Math.max(0, attempts - 1));
}

export interface OutboxDeps {
  connection: Connection;
  claims: ClaimRepository;
  clock: Clock;
  logger: Logger;
  transport: Transport;
  /** Where configuration faults and unreachable members are recorded (all instances share it). */
  health?: WeComHealth;
  /** A configuration fault was met for the first time: tell the people who can fix it. */
  onFault?(fault: Fault): Promise<void>;
  /** A configuration fault is over (WeCom accepted again): tell those who heard of it. Once, by the instance that saw it end. */
  onHealed?(fault: Fault, now: Date): Promise<void>;
  /** Members WeCom said it could not reach, each reported here once. */
  onUnreached?(members: UnreachedMember[], destination: Destination): Promise<void>;
}

export function createOutbox(deps: OutboxDeps): Outbox {
  const model = outboxModel(deps.connection);
  const listeners: (() => void)[] = [];
  const sentListeners: ((doc: OutboxDoc, receipt: SendReceipt) => Promise<void>)[] = [];
  const instance = new Types.ObjectId().toString();

  /**
   * Only one instance sends to a robot in any minute: the others would each see the same count
   * of recent sends and together exceed WeCom's 20 a minute.
   */
  async function holdsRobot(channel: string, now: Date): Promise<boolean> {
    const key = `robot:${channel}:${Math.floor(now.getTime() / 60_000)}`;
    if (await deps.claims.tryClaim(key, { owner: instance })) return true;
    return (await deps.claims.meta(key))?.owner === instance;
  }

  // The unique index on dedupeKey must exist before the first insert relies on it.
  let ready: Promise<unknown> | undefined;
  const insert = async (doc: Partial<OutboxDoc>): Promise<OutboxDoc | null> => {
    await (ready ??= model.init());
    try {
      return (await model.create(doc)).toObject() as OutboxDoc;
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  };

  // What this instance queued is sent from here, without a query of the outbox, unless something
  // waits before it on its channel: a message due for a retry (order is kept), or a robot at its
  // 20 a minute (what waits is merged). Those go through the look at the whole outbox, which
  // runs for them, every few seconds, and at start.
  const fresh: OutboxDoc[] = [];
  const waitingChannels = new Set<string>();
  const robotFullUntil = new Map<string, number>();
  let scanWanted = true;
  const isRobot = (channel: string): boolean => channel.startsWith('webhook:');

  // When this instance sent each member an app message in the last hour (WeCom's per-member limits).
  // Counted in memory, per instance: the usual send costs no query.
  const memberSends = new Map<string, number[]>();
  const membersOf = (doc: OutboxDoc): string[] => (doc.destination.kind === 'app' ? doc.destination.users : []);
  /** How many more app messages all these members may get now. */
  function memberAllowance(users: string[], nowMs: number): number {
    let allowed = Number.POSITIVE_INFINITY;
    for (const user of users) {
      const times = memberSends.get(user);
      if (!times) continue;
      while (times.length > 0 && times[0]! <= nowMs - 3_600_000) times.shift();
      if (times.length === 0) {
        memberSends.delete(user);
        continue;
      }
      let lastMinute = 0;
      for (let i = times.length - 1; i >= 0 && times[i]! > nowMs - 60_000; i--) lastMinute++;
      allowed = Math.min(allowed, MEMBER_PER_MINUTE - lastMinute, MEMBER_PER_HOUR - times.length);
    }
    return Math.max(0, allowed);
  }
  function recordMemberSends(users: string[], nowMs: number): void {
    for (const user of users) {
      const times = memberSends.get(user);
      if (times) times.push(nowMs);
      else memberSends.set(user, [nowMs]);
    }
  }

  // Scopes WeCom refuses for a configuration fault (see familyOf), with the time of the next
  // probe. Their messages wait, never fail; at the probe time the oldest is tried, and once one
  // goes through, everything that waited follows in order.
  const blocked = new Map<string, { probeAt: number; errcode: number }>();
  let faultsReadAt = -Infinity;
  /** Members recorded as unreachable: a later message that reaches one clears the record. */
  const unreachable = new Set<string>();
  const blockOf = (channel: string) => blocked.get(channel) ?? blocked.get(familyOf(channel));
  const isBlocked = (channel: string, nowMs: number): boolean => {
    const b = blockOf(channel);
    return b !== undefined && nowMs < b.probeAt;
  };

  /** Faults another instance recorded hold this instance's messages too (and its next success clears them). */
  async function readFaults(now: Date): Promise<void> {
    if (!deps.health || now.getTime() - faultsReadAt < FAULTS_REFRESH_MS) return;
    faultsReadAt = now.getTime();
    for (const f of await deps.health.faults()) {
      if (!blocked.has(f.scope)) blocked.set(f.scope, { probeAt: now.getTime() + PROBE_MS, errcode: f.errcode });
    }
    for (const u of await deps.health.unreachables()) unreachable.add(u.userid);
  }

  async function refused(doc: OutboxDoc, errcode: number, now: Date): Promise<void> {
    const scope = isAppWide(errcode) ? familyOf(doc.channel) : doc.channel;
    const known = blocked.has(scope);
    blocked.set(scope, { probeAt: now.getTime() + PROBE_MS, errcode });
    const reason = configurationAdvice(errcode);
    const log = deps.logger.child({ channel: doc.channel.replace(/^webhook:.*/, 'webhook'), errcode });
    const first = deps.health ? await deps.health.fault({ scope, errcode, reason, since: now }) : !known;
    if (first) {
      log.error({ scope }, `企业微信拒绝发送消息（错误码 ${errcode}），需要管理员处理：${reason}。消息已保留，恢复后自动补发`);
      await deps.onFault?.({ scope, errcode, reason, since: now }).catch((err: unknown) => log.error({ err }, '配置问题的提醒未能发出'));
    } else if (!known) log.warn({ scope }, `企业微信仍拒绝发送消息（错误码 ${errcode}），消息保留等待`);
  }

  async function accepted(channel: string): Promise<void> {
    for (const scope of [channel, familyOf(channel)]) {
      if (!blocked.delete(scope)) continue;
      scanWanted = true;
      if (!deps.health) {
        deps.logger.info({ scope }, '企业微信已恢复接受消息，等待中的消息正在补发');
        continue;
      }
      const healed = await deps.health.healed(scope);
      if (!healed) continue;
      deps.logger.info({ scope, errcode: healed.fault.errcode }, '企业微信已恢复接受消息，等待中的消息正在补发');
      if (healed.last) await deps.onHealed?.(healed.fault, deps.clock.now()).catch((err: unknown) => deps.logger.error({ err }, '恢复的通知未能发出'));
    }
  }

  /**
   * When a robot or a member has more waiting than it may take now, fold its text and markdown
   * into fewer messages (each within `maxBytes`, less a margin).
   */
  async function mergeWaiting(channel: string, waiting: OutboxDoc[], allowed: number, now: Date, maxBytes: number): Promise<number> {
    const mergeable = waiting.filter((d) => d.message.type === 'markdown' || d.message.type === 'text');
    if (mergeable.length <= Math.max(allowed, 1) || mergeable.length < 2) return 0;
    const parts = mergeable.map((d) => (d.message as { content: string }).content);
    const mentions = [...new Set(mergeable.flatMap((d) => (d.message as { mentions: string[] }).mentions))];
    // Text stays text (a reader on 微工作台 sees no markdown); any markdown makes the whole markdown.
    const type = mergeable.some((d) => d.message.type === 'markdown') ? 'markdown' : 'text';
    const bodies: string[] = [];
    let current = '';
    for (const part of parts) {
      const next = current ? `${current}\n\n${part}` : part; // a blank line between them: `---` would render as a rule in some clients and as text in others
      if (Buffer.byteLength(next) > maxBytes - 200 && current) {
        bodies.push(current);
        current = part;
      } else current = next;
    }
    if (current) bodies.push(current);
    if (bodies.length >= mergeable.length) return 0;
    // Claim the originals first so two instances never merge the same message twice.
    const mine: OutboxDoc[] = [];
    for (const d of mergeable) if (await deps.claims.tryClaim(`out:${String(d._id)}:merge`)) mine.push(d);
    if (mine.length < 2) return 0;
    const mergedId = new Types.ObjectId().toString();
    let i = 0;
    for (const content of bodies) {
      await insert({
        dedupeKey: `merged:${mergedId}:${i++}`,
        channel,
        destination: mine[0]!.destination,
        message: { type, content, mentions },
        status: 'pending',
        attempts: 0,
        notBefore: now,
        label: `合并 ${mine.length} 条`,
      });
    }
    await model.updateMany({ _id: { $in: mine.map((d) => d._id) } }, { $set: { status: 'merged', mergedInto: mergedId } }).exec();
    return mine.length;
  }

  async function sendOne(doc: OutboxDoc, now: Date, mine = false): Promise<'sent' | 'retry' | 'failed' | 'skipped'> {
    const claimed = mine
      ? 'claimed'
      : await claimAttempt(deps.claims, `out:${String(doc._id)}:a${doc.attempts}`, new Date(now.getTime() - LEASE_MS), () =>
          model.updateOne({ _id: doc._id, attempts: doc.attempts }, { $set: { attempts: doc.attempts + 1, status: 'pending' } }).exec(),
        );
    if (claimed !== 'claimed') return 'skipped';
    // The claim is the lease (see the inbox): the message's record is written once, with the
    // outcome. A robot's message is marked first, so that whoever holds the robot next minute
    // does not fold it into a merged one while it is on its way (robots take 20 a minute anyway).
    const attempts = doc.attempts + 1;
    if (doc.channel.startsWith('webhook:')) {
      await model.updateOne({ _id: doc._id }, { $set: { status: 'sending', attempts, leaseUntil: new Date(now.getTime() + LEASE_MS) } }).exec();
    }
    try {
      const result = await deps.transport(doc.destination, doc.message);
      if (doc.destination.kind === 'app') recordMemberSends(doc.destination.users, now.getTime());
      const unreached = result?.unreached ?? [];
      await model
        .updateOne(
          { _id: doc._id },
          {
            $set: {
              status: 'sent',
              attempts,
              sentAt: deps.clock.now(),
              lastError: unreached.length ? `未送达：${unreached.map((u) => u.userid).join('、')}` : null,
              leaseUntil: null,
            },
          },
        )
        .exec();
      if (blocked.size > 0) await accepted(doc.channel);
      if (unreached.length > 0) await reportUnreached(unreached, doc.destination, now);
      if (unreachable.size > 0) await reachedAgain(membersOf(doc).filter((u) => !unreached.some((m) => m.userid === u)));
      if (result?.responseCode) {
        for (const listener of sentListeners) {
          await listener(doc, result).catch((err: unknown) => deps.logger.error({ err, label: doc.label }, '消息已发送，但记录发送结果失败'));
        }
      }
      return 'sent';
    } catch (err) {
      const kind = errorKind(err);
      const errcode = (err as { errcode?: number }).errcode;
      if (kind === 'configuration' && errcode !== undefined) {
        // Fixed by an admin, not by the message: it waits for the fix, however long that takes.
        await model
          .updateOne(
            { _id: doc._id },
            { $set: { status: 'pending', attempts, lastError: `等待管理员处理（错误码 ${errcode}）`, leaseUntil: null, notBefore: new Date(now.getTime() + PROBE_MS) } },
          )
          .exec();
        await refused(doc, errcode, now);
        return 'retry';
      }
      const retryable = kind === 'transient' && attempts < MAX_ATTEMPTS;
      const message = maskPersonalNumbers((err as Error).message ?? String(err)).slice(0, 500);
      await model
        .updateOne(
          { _id: doc._id },
          {
            $set: {
              status: retryable ? 'pending' : 'failed',
              attempts,
              lastError: message,
              leaseUntil: null,
              notBefore: new Date(now.getTime() + backoffMs(attempts)),
            },
          },
        )
        .exec();
      const log = deps.logger.child({ outbox: String(doc._id), channel: doc.channel.replace(/^webhook:.*/, 'webhook'), label: doc.label });
      if (retryable) log.warn({ attempts, error: message }, '消息发送失败，稍后重试');
      else log.error({ attempts, error: message }, '消息发送失败，不再重试');
      return retryable ? 'retry' : 'failed';
    }
  }

  async function reachedAgain(users: string[]): Promise<void> {
    for (const user of users) {
      if (!unreachable.delete(user)) continue;
      await deps.health?.reachable(user);
      deps.logger.info({ userid: user }, '成员又能收到应用消息了');
    }
  }

  /** Members reported once each (across instances), to the people who can act on it. */
  async function reportUnreached(members: UnreachedMember[], destination: Destination, now: Date): Promise<void> {
    const news: UnreachedMember[] = [];
    for (const m of members) {
      unreachable.add(m.userid);
      if (!deps.health || (await deps.health.unreachable(m.userid, m.why, now))) news.push(m);
    }
    if (news.length === 0) return;
    deps.logger.warn({ members: news }, '部分成员收不到应用消息（可见范围或账号许可），其他人已收到');
    await deps.onUnreached?.(news, destination).catch((err: unknown) => deps.logger.error({ err }, '未送达成员的提醒未能发出'));
  }

  async function deliverFresh(now: Date): Promise<{ sent: number; failed: number }> {
    let sent = 0;
    let failed = 0;
    for (const doc of fresh.splice(0, fresh.length)) {
      const paced = doc.destination.kind === 'app' && memberSends.size > 0 && memberAllowance(membersOf(doc), now.getTime()) < 1;
      if (paced || waitingChannels.has(doc.channel) || (blocked.size > 0 && isBlocked(doc.channel, now.getTime()))) {
        waitingChannels.add(doc.channel);
        // Something waits before it on its channel: it goes with the look through the outbox, now due.
        await model.updateOne({ _id: doc._id }, { $set: { notBefore: now } }).exec();
        scanWanted = true;
        continue;
      }
      // Queued here a moment ago, it is this instance's alone (see enqueue); after half its lease it is claimed like any other.
      const mine = deps.clock.now().getTime() - doc.notBefore.getTime() < -LEASE_MS / 2;
      const outcome = await sendOne(doc, now, mine);
      if (outcome === 'sent') sent++;
      else if (outcome === 'failed') failed++;
      else if (outcome === 'retry') waitingChannels.add(doc.channel);
    }
    return { sent, failed };
  }

  const pendingOn = (channel: string, now: Date): Promise<OutboxDoc[]> =>
    model.find({ channel, status: 'pending', notBefore: { $lte: now } }).sort({ createdAt: 1 }).lean<OutboxDoc[]>().exec();

  async function deliverScanned(now: Date): Promise<{ sent: number; failed: number; merged: number; waiting: number }> {
    scanWanted = false;
    await readFaults(now);
    const due = await model
      .find({ $or: [{ status: 'pending', notBefore: { $lte: now } }, { status: 'sending', leaseUntil: { $lt: now } }] })
      .sort({ createdAt: 1 })
      .limit(500)
      .lean<OutboxDoc[]>()
      .exec();
    const byChannel = new Map<string, OutboxDoc[]>();
    for (const d of due) byChannel.set(d.channel, [...(byChannel.get(d.channel) ?? []), d]);

    let sent = 0;
    let failed = 0;
    let merged = 0;
    let waiting = 0;
    for (const [channel, docs] of byChannel) {
      let queue = docs;
      if (isBlocked(channel, now.getTime())) {
        // Refused for a configuration fault: they wait for the next probe, in order.
        waiting += docs.length;
        waitingChannels.add(channel);
        continue;
      }
      if (channel.startsWith('webhook:')) {
        if (!(await holdsRobot(channel, now))) {
          // Another instance sends to this robot this minute.
          robotFullUntil.set(channel, (Math.floor(now.getTime() / 60_000) + 1) * 60_000);
          waiting += docs.length;
          continue;
        }
        const recent = await model.countDocuments({ channel, status: 'sent', sentAt: { $gt: new Date(now.getTime() - 60_000) } }).exec();
        const allowed = Math.max(0, ROBOT_PER_MINUTE - recent);
        // At its limit: new messages to it wait for a later look, rather than each causing one.
        if (allowed === 0) robotFullUntil.set(channel, now.getTime() + ROBOT_RECHECK_MS);
        else robotFullUntil.delete(channel);
        const folded = await mergeWaiting(channel, docs, allowed, now, ROBOT_MARKDOWN_MAX_BYTES);
        if (folded > 0) {
          merged += folded;
          queue = await pendingOn(channel, now);
        }
        waiting += Math.max(0, queue.length - allowed);
        queue = queue.slice(0, allowed);
      } else if (channel.startsWith('app:')) {
        // Each member takes 30 app messages a minute, 1,000 an hour: what waits beyond is merged.
        const allowed = memberAllowance(membersOf(docs[0]!), now.getTime());
        if (docs.length > allowed) {
          const folded = await mergeWaiting(channel, docs, allowed, now, APP_MARKDOWN_MAX_BYTES);
          if (folded > 0) {
            merged += folded;
            queue = await pendingOn(channel, now);
          }
          waiting += Math.max(0, queue.length - allowed);
          if (queue.length > allowed) waitingChannels.add(channel);
          queue = queue.slice(0, allowed);
        }
      }
      // In order per channel: a failure stops the channel for this run so messages keep their order.
      let stopped = false;
      for (const doc of queue) {
        const outcome = await sendOne(doc, now);
        if (outcome === 'sent') sent++;
        else if (outcome === 'failed') failed++;
        if (outcome === 'retry') {
          waiting += queue.length - queue.indexOf(doc);
          stopped = true;
          break;
        }
      }
      if (stopped) waitingChannels.add(channel);
      else if (queue.length === docs.length) waitingChannels.delete(channel);
    }
    return { sent, failed, merged, waiting };
  }

  return {
    async enqueue(item) {
      const destination = destinationSchema.parse(item.destination);
      const parsed = outboundMessageSchema.parse(item.message);
      // Groups never see personal numbers in full; people's own 1:1 messages are masked too.
      const message: OutboundMessage =
        parsed.type === 'card' ? { ...parsed, fallback: maskPersonalNumbers(parsed.fallback) } : { ...parsed, content: maskPersonalNumbers(parsed.content) };
      const now = deps.clock.now();
      const channel = channelOf(destination);
      const created = await insert({
        dedupeKey: item.dedupeKey,
        channel,
        destination,
        message,
        status: 'pending',
        attempts: 0,
        // What this instance sends itself is nobody else's until its lease is up.
        notBefore: isRobot(channel) ? now : new Date(now.getTime() + LEASE_MS),
        label: item.label ?? null,
      });
      if (!created) return false;
      if (!isRobot(created.channel)) fresh.push(created);
      else if ((robotFullUntil.get(created.channel) ?? 0) <= now.getTime()) scanWanted = true;
      for (const l of listeners) l();
      return true;
    },

    deliverFresh,

    wantsScan: () => scanWanted || waitingChannels.size > 0,

    async deliverDue(now) {
      const own = await deliverFresh(now);
      const scanned = await deliverScanned(now);
      return { ...scanned, sent: own.sent + scanned.sent, failed: own.failed + scanned.failed };
    },

    list(filter = {}) {
      const q: Record<string, unknown> = {};
      if (filter.status) q.status = filter.status;
      if (filter.channel) q.channel = filter.channel;
      if (filter.since) q.createdAt = { $gte: filter.since };
      return model.find(q).sort({ createdAt: 1, _id: 1 }).lean<OutboxDoc[]>().exec();
    },

    onEnqueued(listener) {
      listeners.push(listener);
    },

    onSent(listener) {
      sentListeners.push(listener);
    },
  };
}

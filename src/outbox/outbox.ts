import { Types, type Connection } from 'mongoose';
import type { Clock } from '../clock';
import { claimAttempt, isDuplicateKey, type ClaimRepository } from '../db/claims';
import type { Logger } from '../logger';
import { maskPersonalNumbers } from '../privacy/mask';
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

/** Sends one message; throws on failure (`retryable: false` on the error stops retries). */
export type Transport = (destination: Destination, message: OutboundMessage) => Promise<void>;

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
}

/** A robot takes at most 20 messages a minute; more are refused by WeCom. */
export const ROBOT_PER_MINUTE = 20;
const ROBOT_MARKDOWN_BYTES = 4096;
const LEASE_MS = 60_000;
/** How long a robot at its limit is left alone before its waiting messages are looked at again. */
const ROBOT_RECHECK_MS = 15_000;
const MAX_ATTEMPTS = 500;

export function backoffMs(attempts: number): number {
  return Math.min(15 * 60_000, 2_000 * 2 ** Math.max(0, attempts - 1));
}

export function createOutbox(deps: { connection: Connection; claims: ClaimRepository; clock: Clock; logger: Logger; transport: Transport }): Outbox {
  const model = outboxModel(deps.connection);
  const listeners: (() => void)[] = [];
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

  const insert = async (doc: Partial<OutboxDoc>): Promise<OutboxDoc | null> => {
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

  /** When a robot has more waiting than it may take this minute, fold its markdown into fewer messages. */
  async function mergeWaiting(channel: string, waiting: OutboxDoc[], allowed: number, now: Date): Promise<number> {
    const mergeable = waiting.filter((d) => d.message.type === 'markdown' || d.message.type === 'text');
    if (mergeable.length <= Math.max(allowed, 1) || mergeable.length < 2) return 0;
    const parts = mergeable.map((d) => (d.message as { content: string }).content);
    const mentions = [...new Set(mergeable.flatMap((d) => (d.message as { mentions: string[] }).mentions))];
    const bodies: string[] = [];
    let current = '';
    for (const part of parts) {
      const next = current ? `${current}\n\n---\n\n${part}` : part;
      if (Buffer.byteLength(next) > ROBOT_MARKDOWN_BYTES - 200 && current) {
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
        message: { type: 'markdown', content, mentions },
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
      await deps.transport(doc.destination, doc.message);
      await model.updateOne({ _id: doc._id }, { $set: { status: 'sent', attempts, sentAt: deps.clock.now(), lastError: null, leaseUntil: null } }).exec();
      return 'sent';
    } catch (err) {
      const retryable = (err as { retryable?: boolean }).retryable !== false && attempts < MAX_ATTEMPTS;
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

  async function deliverFresh(now: Date): Promise<{ sent: number; failed: number }> {
    let sent = 0;
    let failed = 0;
    for (const doc of fresh.splice(0, fresh.length)) {
      if (waitingChannels.has(doc.channel)) {
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

  async function deliverScanned(now: Date): Promise<{ sent: number; failed: number; merged: number; waiting: number }> {
    scanWanted = false;
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
        const folded = await mergeWaiting(channel, docs, allowed, now);
        if (folded > 0) {
          merged += folded;
          queue = await model
            .find({ channel, status: 'pending', notBefore: { $lte: now } })
            .sort({ createdAt: 1 })
            .lean<OutboxDoc[]>()
            .exec();
        }
        waiting += Math.max(0, queue.length - allowed);
        queue = queue.slice(0, allowed);
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
  };
}

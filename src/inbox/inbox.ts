import { Schema, type Connection, type Model } from 'mongoose';
import type { Clock } from '../clock';
import { claimAttempt, insertNew, type ClaimRepository } from '../db/claims';
import type { Logger } from '../logger';
import { maskPersonalNumbers } from '../privacy/mask';
import { inboundEventSchema, type InboundEvent } from '../wecom/events';

/**
 * Every inbound event is stored under its delivery key before WeCom gets its 200, and processed
 * after. A retried delivery finds its key and adds nothing; whatever was left unprocessed (a
 * crash, a restart) is processed when the service starts again.
 */
interface InboxDoc {
  _id: string;
  event: InboundEvent;
  status: 'pending' | 'processing' | 'done' | 'failed';
  attempts: number;
  notBefore: Date;
  leaseUntil: Date | null;
  receivedAt: Date;
  processedAt: Date | null;
  error: string | null;
}

const inboxSchema = new Schema<InboxDoc>(
  {
    _id: { type: String, required: true },
    event: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true, default: 'pending', index: true },
    attempts: { type: Number, required: true, default: 0 },
    notBefore: { type: Date, required: true },
    leaseUntil: { type: Date, default: null },
    receivedAt: { type: Date, required: true },
    processedAt: { type: Date, default: null },
    error: { type: String, default: null },
  },
  { collection: 'inbox', versionKey: false },
);

function inboxModel(connection: Connection): Model<InboxDoc> {
  return (connection.models.Inbox as Model<InboxDoc> | undefined) ?? connection.model<InboxDoc>('Inbox', inboxSchema);
}

export type EventHandler = (event: InboundEvent) => Promise<void>;

export interface Inbox {
  /** Stores the event; 'duplicate' when its delivery key was seen before. Throws when the database cannot store it. */
  put(event: InboundEvent): Promise<'new' | 'duplicate'>;
  /** Processes the events this instance stored since the last call, without looking in the database for them. */
  processFresh(now: Date): Promise<{ done: number; failed: number; remaining: number }>;
  /** Processes whatever is due in the database (left by a crash, a restart or a failure); safe on several instances at once. */
  processPending(now: Date): Promise<{ done: number; failed: number }>;
  status(deliveryKey: string): Promise<InboxDoc['status'] | null>;
}

/** Processing an event takes well under a second; after this long a claimed event is taken up again (its instance died). */
const LEASE_MS = 30_000;
/** Events processed from memory per call, so that a look through the inbox still comes round during a burst. */
const FRESH_BATCH = 100;
const MAX_ATTEMPTS = 5;
/** The longest processing waits for callbacks being stored before it takes its next event. */
const YIELD_MS = 100;

export function createInbox(deps: { connection: Connection; claims: ClaimRepository; clock: Clock; logger: Logger; handle: EventHandler }): Inbox {
  const model = inboxModel(deps.connection);

  // Callbacks that arrive together are written with one insertMany: each still waits for its own
  // document to be stored before WeCom gets its 200, but the database sees one write, not many.
  type Waiting = { doc: InboxDoc; resolve: (r: 'new' | 'duplicate') => void; reject: (err: unknown) => void };
  const waiting: Waiting[] = [];
  let flushScheduled = false;
  // Stored by this instance and not yet processed: processed from here, so the usual path never
  // queries the inbox (on some servers a query reads every event kept).
  const fresh: InboxDoc[] = [];

  // Writes of callbacks in flight: processing steps aside for them (see intakeFirst).
  let storing = 0;

  async function flush(): Promise<void> {
    flushScheduled = false;
    const batch = waiting.splice(0, 500);
    if (waiting.length > 0) scheduleFlush();
    storing++;
    try {
      // The driver's collection, not mongoose's: mongoose would buffer the write while the
      // database is away, and WeCom would get a 200 for an event not yet stored.
      const db = deps.connection.db;
      if (!db || deps.connection.readyState !== 1) throw new Error('database not connected');
      const results = await insertNew(
        db.collection<InboxDoc>('inbox'),
        batch.map((w) => w.doc),
      );
      batch.forEach((w, i) => {
        if (results[i] === 'new') fresh.push(w.doc);
        w.resolve(results[i]!);
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      storing--;
    }
  }

  /**
   * Before processing the next event, let callbacks that wait to be stored go first: their 200s
   * are what WeCom waits for, and on some servers (FerretDB on SQLite) every write queues for one
   * writer. Processing runs behind a burst and catches up after it, never waiting more than
   * YIELD_MS for one event, so it keeps moving under a load that never lets up.
   */
  async function intakeFirst(): Promise<void> {
    const until = performance.now() + YIELD_MS;
    while ((waiting.length > 0 || storing > 0) && performance.now() < until) await new Promise((r) => setTimeout(r, 1));
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => void flush());
  }

  async function processAll(docs: InboxDoc[], now: Date, fresh = false): Promise<{ done: number; failed: number }> {
    let done = 0;
    let failed = 0;
    for (const doc of docs) {
      // An event this instance stored is nobody else's until it comes due (`notBefore`); one that
      // waited here for half that long is claimed like any other.
      const mine = fresh && deps.clock.now().getTime() - doc.receivedAt.getTime() < LEASE_MS / 2;
      await intakeFirst();
      const outcome = await processOne(doc, now, mine);
      if (outcome === 'done') done++;
      else if (outcome === 'failed') failed++;
    }
    return { done, failed };
  }

  async function processOne(doc: InboxDoc, now: Date, mine = false): Promise<'done' | 'failed' | 'retry' | 'skipped'> {
    const claimed = mine
      ? 'claimed'
      : await claimAttempt(deps.claims, `inbox:${doc._id}:a${doc.attempts}`, new Date(now.getTime() - LEASE_MS), () =>
          model.updateOne({ _id: doc._id, attempts: doc.attempts }, { $set: { attempts: doc.attempts + 1, status: 'pending' } }).exec(),
        );
    // Its last attempt's holder died: the attempt counter moved on, and this is the next attempt.
    if (claimed === 'moved') return processOne({ ...doc, attempts: doc.attempts + 1 }, now);
    if (claimed === 'busy') return 'skipped';
    // The claim is the lease: while it is fresh nobody else takes the event up, and it is written
    // once, with the outcome (one write less per event than marking it 'processing' first).
    const attempts = doc.attempts + 1;
    try {
      await deps.handle(doc.event);
      await model.updateOne({ _id: doc._id }, { $set: { status: 'done', attempts, processedAt: deps.clock.now(), leaseUntil: null, error: null } }).exec();
      deps.logger.info({ delivery: doc._id, kind: doc.event.kind, from: doc.event.from, channel: doc.event.channel }, '消息已处理');
      return 'done';
    } catch (err) {
      const error = maskPersonalNumbers((err as Error).message ?? String(err)).slice(0, 500);
      const giveUp = attempts >= MAX_ATTEMPTS;
      await model
        .updateOne(
          { _id: doc._id },
          { $set: { status: giveUp ? 'failed' : 'pending', attempts, error, leaseUntil: null, notBefore: new Date(now.getTime() + 5_000 * 2 ** attempts) } },
        )
        .exec();
      const log = deps.logger.child({ delivery: doc._id, kind: doc.event.kind, from: doc.event.from });
      log.error({ err, attempts }, giveUp ? '消息处理失败，已放弃' : '消息处理失败，稍后重试');
      return giveUp ? 'failed' : 'retry';
    }
  }

  return {
    put(event) {
      const parsed = inboundEventSchema.parse(event);
      const now = deps.clock.now();
      const doc: InboxDoc = {
        _id: parsed.deliveryKey,
        event: parsed,
        status: 'pending',
        attempts: 0,
        // Due for a look through the inbox only once this instance had time to process it itself.
        notBefore: new Date(now.getTime() + LEASE_MS),
        leaseUntil: null,
        receivedAt: now,
        processedAt: null,
        error: null,
      };
      return new Promise((resolve, reject) => {
        waiting.push({ doc, resolve, reject });
        scheduleFlush();
      });
    },

    async processFresh(now) {
      const result = await processAll(fresh.splice(0, FRESH_BATCH), now, true);
      return { ...result, remaining: fresh.length };
    },

    async processPending(now) {
      // 'processing' with a lease: as an earlier version left an event it was working on.
      const due = await model
        .find({ $or: [{ status: 'pending', notBefore: { $lte: now } }, { status: 'processing', leaseUntil: { $lt: now } }] })
        .sort({ receivedAt: 1 })
        .limit(200)
        .lean<InboxDoc[]>()
        .exec();
      return processAll(due, now);
    },

    async status(deliveryKey) {
      const doc = await model.findById(deliveryKey, { status: 1 }).lean<Pick<InboxDoc, 'status'>>().exec();
      return doc?.status ?? null;
    },
  };
}

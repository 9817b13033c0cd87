import type { Connection } from 'mongoose';

/**
 * Exclusive claims by unique key. The test database (FerretDB v1 on SQLite) does not make a
 * conditional update or `$inc` atomic under concurrency — two `updateOne({status:'a'})` can both
 * modify — but a unique index always refuses the second insert. So whatever must happen once
 * (a state change of a finding, a reminder slot, a job tick, a message send attempt) first
 * inserts its key here; only the instance whose insert succeeds goes on. The same holds on MongoDB.
 */
export interface ClaimRepository {
  /** True when this caller now holds `key`; false when someone else does. */
  tryClaim(key: string, meta?: Record<string, unknown>): Promise<boolean>;
  /** Whoever holds `key` said this about themselves when claiming it. */
  meta(key: string): Promise<Record<string, unknown> | null>;
  release(key: string): Promise<void>;
  /** Frees `key` only if it was claimed before `date`: a holder that died cannot block it forever. */
  releaseIfClaimedBefore(key: string, date: Date): Promise<boolean>;
  /** Whether `key` was claimed before `date` (its holder may have died since). */
  claimedBefore(key: string, date: Date): Promise<boolean>;
  has(key: string): Promise<boolean>;
  /** Housekeeping instead of a TTL index (FerretDB v1 has none). */
  deleteOlderThan(date: Date, prefix?: string): Promise<number>;
}

interface ClaimDoc {
  _id: string;
  at: Date;
  meta?: Record<string, unknown>;
}

export function createClaimRepository(connection: Connection, clock: { now(): Date }): ClaimRepository {
  const collection = connection.collection<ClaimDoc>('claims');
  return {
    async tryClaim(key, meta) {
      try {
        await collection.insertOne({ _id: key, at: clock.now(), ...(meta ? { meta } : {}) });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    async meta(key) {
      const doc = await collection.findOne({ _id: key });
      return doc ? (doc.meta ?? {}) : null;
    },
    async releaseIfClaimedBefore(key, date) {
      // Rare (a holder died), so the exact conditional delete is worth its cost.
      return (await collection.deleteOne({ _id: key, at: { $lt: date } })).deletedCount === 1;
    },
    async claimedBefore(key, date) {
      // Looked up by key alone (a filter on more than `_id` reads the whole collection on FerretDB).
      const doc = await collection.findOne({ _id: key }, { projection: { at: 1 } });
      return doc !== null && doc.at < date;
    },
    async release(key) {
      await collection.deleteOne({ _id: key });
    },
    async has(key) {
      return (await collection.countDocuments({ _id: key }, { limit: 1 })) > 0;
    },
    async deleteOlderThan(date, prefix) {
      const filter: Record<string, unknown> = { at: { $lt: date } };
      if (prefix) filter._id = { $regex: `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` };
      const result = await collection.deleteMany(filter);
      return result.deletedCount;
    },
  };
}

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * Claims one attempt at a piece of work (`<what>:a<attempts>`): 'claimed' when this caller holds
 * it, 'busy' when someone else does. When the key was taken before `staleBefore`, its holder died
 * between claiming and recording the attempt: `moveOn` then advances the work's attempt counter
 * ('moved'), so a claim of the next attempt's key can succeed.
 */
export async function claimAttempt(claims: ClaimRepository, key: string, staleBefore: Date, moveOn: () => Promise<unknown>): Promise<'claimed' | 'busy' | 'moved'> {
  if (await claims.tryClaim(key)) return 'claimed';
  if (!(await claims.claimedBefore(key, staleBefore))) return 'busy';
  await moveOn();
  return 'moved';
}

/**
 * Unordered insertMany that says, per document, whether it was new or its key existed already.
 * Throws on anything else, including a failure that reached no document (the database away), so
 * nothing is taken as stored that was not.
 */
export async function insertNew<T extends object>(collection: { insertMany(docs: T[], options: { ordered: false }): Promise<unknown> }, docs: T[]): Promise<('new' | 'duplicate')[]> {
  try {
    await collection.insertMany(docs, { ordered: false });
    return docs.map(() => 'new');
  } catch (err) {
    const raw = (err as { writeErrors?: unknown }).writeErrors;
    const writeErrors = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { index: number; code?: number; err?: { code?: number } }[];
    if (writeErrors.length === 0 || writeErrors.some((e) => !isDuplicateKey(e) && !isDuplicateKey(e.err))) throw err;
    const duplicates = new Set(writeErrors.map((e) => e.index));
    return docs.map((_, i) => (duplicates.has(i) ? 'duplicate' : 'new'));
  }
}

import { Schema, type Connection, type Model } from 'mongoose';
import { insertNew } from '../db/claims';

/**
 * One document per reminder slot ever sent: its key is the _id, so the unique index makes the
 * insert exclusive, as a claim in db/claims.ts is. Reminders keep their own collection because a
 * run may claim thousands of slots at once: one unordered insertMany takes them all in a single
 * round trip (on FerretDB, 20,000 in about half a second, where one insert each takes 20 s), and
 * the records double as the log of who was reminded of what.
 */
export interface ReminderRecord {
  _id: string;
  no: number;
  kind: string;
  /** "3" for the 4th reminder of its kind, "esc0" for the first escalation. */
  slot: string;
  /** Who was told (recipient keys such as "unit:农业服务站", "user:zhuxia", "leaders"). */
  to: string[];
  at: Date;
  /** On an escalation: how many reminders of its kind had gone when it went, and up to which count. */
  sent?: number;
  upToCount?: number;
}

const recordSchema = new Schema<ReminderRecord>(
  {
    _id: { type: String, required: true },
    no: { type: Number, required: true },
    kind: { type: String, required: true },
    slot: { type: String, required: true },
    to: { type: [String], default: [] },
    at: { type: Date, required: true },
    sent: { type: Number },
    upToCount: { type: Number },
  },
  { collection: 'reminders', versionKey: false },
);

export function reminderRecordModel(connection: Connection): Model<ReminderRecord> {
  return (connection.models.ReminderRecord as Model<ReminderRecord> | undefined) ?? connection.model<ReminderRecord>('ReminderRecord', recordSchema);
}

export interface ReminderRecords {
  /** Inserts every record whose key is new; returns the keys this caller now holds (the others were taken before). */
  claim(records: ReminderRecord[]): Promise<Set<string>>;
  /**
   * For escalations just recorded: how many reminders of their kind went so far. Counted from the
   * previous escalation's figure and the slots after it (each looked up by key), then kept on the
   * escalation for the next one.
   */
  sentSoFar(escalations: EscalationCount[]): Promise<Map<string, number>>;
}

export interface EscalationCount {
  /** The escalation's own record. */
  key: string;
  /** The previous escalation of the same reminders, if there was a window before. */
  previous: string | null;
  prefix: string;
  /** Every slot of the kind up to the current one, in order (the i-th is count i + 1). */
  slots: string[];
}

const BATCH = 5_000;
/** Without a previous escalation to count from, only this many recent slots are looked up. */
const PROBE_MAX = 30;

/**
 * Keys this process has seen recorded, per database: a run finds most of its due slots recorded by
 * the runs before it, and need not write them again to learn that. (Records are never deleted
 * while their finding is open; another instance's records are learnt from the duplicate key.)
 */
const knownRecorded = new WeakMap<Connection, Set<string>>();
const KNOWN_MAX = 500_000;

export function createReminderRecords(connection: Connection): ReminderRecords {
  const model = reminderRecordModel(connection);
  let known = knownRecorded.get(connection);
  if (!known) knownRecorded.set(connection, (known = new Set()));
  const seen = known;
  return {
    async claim(records) {
      const won = new Set<string>();
      const unknown = records.filter((r) => !seen.has(r._id));
      if (seen.size + unknown.length > KNOWN_MAX) seen.clear();
      for (let i = 0; i < unknown.length; i += BATCH) {
        const batch = unknown.slice(i, i + BATCH);
        const db = model.db.db;
        if (!db) throw new Error('database not connected');
        const results = await insertNew(db.collection<ReminderRecord>('reminders'), batch);
        batch.forEach((r, j) => {
          seen.add(r._id);
          if (results[j] === 'new') won.add(r._id);
        });
      }
      return won;
    },
    async sentSoFar(escalations) {
      const collection = model.collection;
      const has = async (id: string) => (await collection.countDocuments({ _id: id } as object, { limit: 1 })) > 0;
      const counted = await Promise.all(
        escalations.map(async (e) => {
          const previous = e.previous ? await model.findById(e.previous, { sent: 1, upToCount: 1 }).lean<Pick<ReminderRecord, 'sent' | 'upToCount'>>().exec() : null;
          const known = previous?.sent !== undefined && previous.upToCount !== undefined ? { sent: previous.sent, upTo: previous.upToCount } : null;
          const from = known ? Math.min(known.upTo, e.slots.length) : Math.max(0, e.slots.length - PROBE_MAX);
          const found = await Promise.all(e.slots.slice(from).map((slot) => has(`${e.prefix}${slot}`)));
          const sent = (known?.sent ?? 0) + found.filter(Boolean).length;
          await collection.updateOne({ _id: e.key } as object, { $set: { sent, upToCount: e.slots.length } });
          return [e.key, sent] as const;
        }),
      );
      return new Map(counted);
    },
  };
}

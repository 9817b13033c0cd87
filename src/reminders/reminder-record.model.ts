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
}

const recordSchema = new Schema<ReminderRecord>(
  {
    _id: { type: String, required: true },
    no: { type: Number, required: true, index: true },
    kind: { type: String, required: true },
    slot: { type: String, required: true },
    to: { type: [String], default: [] },
    at: { type: Date, required: true },
  },
  { collection: 'reminders', versionKey: false },
);

export function reminderRecordModel(connection: Connection): Model<ReminderRecord> {
  return (connection.models.ReminderRecord as Model<ReminderRecord> | undefined) ?? connection.model<ReminderRecord>('ReminderRecord', recordSchema);
}

export interface ReminderRecords {
  /** Inserts every record whose key is new; returns the keys this caller now holds (the others were taken before). */
  claim(records: ReminderRecord[]): Promise<Set<string>>;
  forFinding(no: number): Promise<ReminderRecord[]>;
  /** For each key prefix ("remind:12:accept:<start>:"), how many of the given slots were recorded under it. */
  countSent(wanted: { prefix: string; slots: string[] }[]): Promise<Map<string, number>>;
}

const BATCH = 5_000;

export function createReminderRecords(connection: Connection): ReminderRecords {
  const model = reminderRecordModel(connection);
  return {
    async claim(records) {
      const won = new Set<string>();
      for (let i = 0; i < records.length; i += BATCH) {
        const batch = records.slice(i, i + BATCH);
        const db = model.db.db;
        if (!db) throw new Error('database not connected');
        const results = await insertNew(db.collection<ReminderRecord>('reminders'), batch);
        batch.forEach((r, j) => {
          if (results[j] === 'new') won.add(r._id);
        });
      }
      return won;
    },
    forFinding: (no) => model.find({ no }).sort({ at: 1 }).lean<ReminderRecord[]>().exec(),
    async countSent(wanted) {
      // Lookups by key, each answered from the _id index, rather than a query over every record.
      const collection = model.collection;
      return new Map(
        await Promise.all(
          wanted.map(async ({ prefix, slots }) => {
            const found = await Promise.all(slots.map((slot) => collection.countDocuments({ _id: `${prefix}${slot}` } as object, { limit: 1 })));
            return [prefix, found.filter((n) => n > 0).length] as const;
          }),
        ),
      );
    },
  };
}

import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { systemClock } from '../clock';
import { isDuplicateKey } from '../db/claims';
import { simModels, type CardUpdate, type ConversationId, type SimCodeDoc, type SimMediaDoc, type SimMessageDoc } from './sim-message.model';

export type NewSimMessage = Omit<SimMessageDoc, 'seq' | 'rev' | 'updates' | 'mentions' | 'card' | 'responseCode' | 'callbackStatus' | 'toBot' | 'outcome'> &
  Partial<Pick<SimMessageDoc, 'mentions' | 'card' | 'responseCode' | 'callbackStatus' | 'toBot' | 'outcome'>>;

export interface SimMessageRepository {
  record(message: NewSimMessage): Promise<SimMessageDoc>;
  get(seq: number): Promise<SimMessageDoc | null>;
  bySendCode(responseCode: string): Promise<SimMessageDoc | null>;
  /** Messages changed after revision `afterRev`, oldest first; at most the newest `limit`. */
  list(options?: { afterRev?: number; conv?: ConversationId; limit?: number }): Promise<SimMessageDoc[]>;
  setCallbackStatus(seq: number, status: number): Promise<void>;
  addUpdate(seq: number, update: CardUpdate): Promise<void>;
  issueCode(kind: SimCodeDoc['kind'], fields: { seq?: number; conv?: ConversationId; userid?: string }, now: Date): Promise<string>;
  /** Uses a one-time code of that kind, not older than `maxAgeMs`: the code's record, or null when unknown, used or expired. */
  useCode(code: string, kind: SimCodeDoc['kind'], now: Date, maxAgeMs: number): Promise<SimCodeDoc | null>;
  putMedia(media: Omit<SimMediaDoc, '_id'>): Promise<string>;
  getMedia(id: string): Promise<SimMediaDoc | null>;
}

export function createSimMessageRepository(connection: Connection): SimMessageRepository {
  const { messages, codes, media } = simModels(connection);
  let lastSeq: number | undefined;
  let lastRev = 0;
  // A change-feed cursor, not simulated time: increasing across restarts and across processes.
  const nextRev = (): number => (lastRev = Math.max(lastRev + 1, systemClock.now().getTime() * 1000));

  const highestSeq = async (): Promise<number> => (await messages.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean<{ seq: number }>().exec())?.seq ?? 0;

  return {
    async record(message) {
      // Numbers come from this process's counter; the unique index settles a race with another
      // process writing too (the demo command while the server runs).
      for (let attempt = 0; attempt < 50; attempt++) {
        lastSeq = (lastSeq ?? (await highestSeq())) + 1;
        const doc: SimMessageDoc = {
          mentions: [],
          card: null,
          responseCode: null,
          callbackStatus: null,
          toBot: false,
          outcome: null,
          ...message,
          seq: lastSeq,
          rev: nextRev(),
          updates: [],
        };
        try {
          await messages.create(doc);
          return doc;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          lastSeq = await highestSeq();
        }
      }
      throw new Error('could not allocate a simulator message number');
    },

    get: (seq) => messages.findOne({ seq }).lean<SimMessageDoc>().exec(),

    bySendCode: (responseCode) => messages.findOne({ responseCode }).lean<SimMessageDoc>().exec(),

    async list(options = {}) {
      const q: Record<string, unknown> = {};
      if (options.afterRev) q.rev = { $gt: options.afterRev };
      if (options.conv) q.convs = options.conv;
      const newest = await messages
        .find(q)
        .sort({ rev: -1 })
        .limit(options.limit ?? 2000)
        .lean<SimMessageDoc[]>()
        .exec();
      return newest.reverse();
    },

    async setCallbackStatus(seq, status) {
      await messages.updateOne({ seq }, { $set: { callbackStatus: status, rev: nextRev() } }).exec();
    },

    async addUpdate(seq, update) {
      await messages.updateOne({ seq }, { $push: { updates: update }, $set: { rev: nextRev() } }).exec();
    },

    async issueCode(kind, fields, now) {
      const code = `${kind === 'oauth' ? 'CODE' : 'RC'}${randomBytes(12).toString('hex')}`;
      await codes.create({ _id: code, kind, seq: fields.seq ?? null, conv: fields.conv ?? null, userid: fields.userid ?? null, createdAt: now, usedAt: null });
      return code;
    },

    async useCode(code, kind, now, maxAgeMs) {
      const found = await codes.findOne({ _id: code, kind }).lean<SimCodeDoc>().exec();
      if (!found || found.usedAt || now.getTime() - found.createdAt.getTime() > maxAgeMs) return null;
      const result = await codes.updateOne({ _id: code, usedAt: null }, { $set: { usedAt: now } }).exec();
      return result.modifiedCount === 1 ? found : null;
    },

    async putMedia(file) {
      const id = `SIMMEDIA${randomBytes(12).toString('hex')}`;
      await media.create({ _id: id, ...file });
      return id;
    },

    getMedia: (id) => media.findOne({ _id: id }).lean<SimMediaDoc>().exec(),
  };
}

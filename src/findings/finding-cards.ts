import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from '../db/claims';
import type { FindingStatus } from './finding.model';
import type { Finding } from './finding.repository';

/**
 * The button cards sent about each finding, and the one code that can still change each of them.
 *
 * WeCom lets an app replace a template card it sent (message/update_template_card) with a
 * response_code: message/send returns one for a button card, and every click brings a fresh one;
 * each works once, for 72 hours. A card's buttons belong to the finding's state when it was sent
 * (签收 while 待签收, 销号 while 待销号, the choices while 待分派): once the finding has moved on, by
 * whatever route, the card is replaced by one that says where the finding stands and has no
 * buttons, so nobody is offered a button the bot would refuse.
 */

export const CARD_CODE_MAX_AGE_MS = 72 * 3600_000;

export interface CardDoc {
  /** The outbox key of the card's message, or `click:<code>` for a card known only from a click. */
  _id: string;
  no: number;
  taskId: string | null;
  /** The finding's status and its count of state changes when the card was sent: its buttons apply to that moment only. */
  status: FindingStatus;
  transitions: number | null;
  /** The latest response_code, unused; null once used or before the send returned one. */
  code: string | null;
  codeAt: Date | null;
}

const cardSchema = new Schema<CardDoc>(
  {
    _id: { type: String, required: true },
    no: { type: Number, required: true, index: true },
    taskId: { type: String, default: null },
    status: { type: String, required: true },
    transitions: { type: Number, default: null },
    code: { type: String, default: null },
    codeAt: { type: Date, default: null },
  },
  { collection: 'finding_cards', versionKey: false },
);

function cardModel(connection: Connection): Model<CardDoc> {
  return (connection.models.FindingCard as Model<CardDoc> | undefined) ?? connection.model<CardDoc>('FindingCard', cardSchema);
}

/** State changes so far: a card sent before the last one offers what no longer applies. */
export function transitionsOf(f: Pick<Finding, 'history'>): number {
  return f.history.filter((h) => h.to !== null).length;
}

/** Whether the card's buttons no longer apply to the finding as it is now. */
export function isStale(card: Pick<CardDoc, 'status' | 'transitions'>, f: Finding): boolean {
  return f.status !== card.status || (card.transitions !== null && transitionsOf(f) !== card.transitions);
}

export interface CardRegistry {
  /** A button card about `f` is queued under the outbox key `key`. */
  queued(key: string, f: Finding, taskId: string | null): Promise<void>;
  /** message/send returned the card's code. Returns the card's finding number, or null for a message that is not a registered card. */
  sent(key: string, code: string, at: Date): Promise<number | null>;
  /**
   * A click on a card brings a fresh code. A card the registry never saw (sent before it
   * existed, or its task_id unknown) is recorded from the click, as offering what the button does
   * in `status`.
   */
  clicked(click: { taskId: string; code: string; no: number; status: FindingStatus; at: Date }): Promise<void>;
  /** Cards about finding `no` that can still be replaced now. */
  updatable(no: number, now: Date): Promise<CardDoc[]>;
  /** Takes the card's code for one replacement; false when someone else took it first. */
  take(card: CardDoc): Promise<boolean>;
}

export function createCardRegistry(connection: Connection): CardRegistry {
  const model = cardModel(connection);
  return {
    async queued(key, f, taskId) {
      try {
        await model.create({ _id: key, no: f.no, taskId, status: f.status, transitions: transitionsOf(f), code: null, codeAt: null });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // queued again under the same key: the first record stands
      }
    },
    async sent(key, code, at) {
      const card = await model.findOneAndUpdate({ _id: key }, { $set: { code, codeAt: at } }, { returnDocument: 'after' }).lean<CardDoc>().exec();
      return card?.no ?? null;
    },
    async clicked({ taskId, code, no, status, at }) {
      // The transport prefixes each task_id with the install's id as it sends (outbox/wecom.transport.ts).
      const cards = await model.find({ no }).lean<CardDoc[]>().exec();
      const known = cards.find((c) => c.taskId !== null && (taskId === c.taskId || taskId.endsWith(`-${c.taskId}`)));
      if (known) {
        await model.updateOne({ _id: known._id }, { $set: { code, codeAt: at } }).exec();
        return;
      }
      try {
        await model.create({ _id: `click:${code}`, no, taskId, status, transitions: null, code, codeAt: at });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    },
    updatable(no, now) {
      return model
        .find({ no, code: { $ne: null }, codeAt: { $gt: new Date(now.getTime() - CARD_CODE_MAX_AGE_MS) } })
        .lean<CardDoc[]>()
        .exec();
    },
    async take(card) {
      const res = await model.updateOne({ _id: card._id, code: card.code }, { $set: { code: null } }).exec();
      return res.modifiedCount === 1;
    },
  };
}

import { Schema, type Connection, type Model } from 'mongoose';

/**
 * What waits for a unit group's next collection: a new finding (listed in the 【交办】 message) or,
 * past the group's daily ceiling, a whole message. Kept in the database so that a restart loses
 * nothing; `batch` is set when a collection takes it and `sentAt` once it is in the outbox.
 */
export interface GroupWaitingDoc {
  _id: unknown;
  /** The message's own key (e.g. "dispatch:12:v0:民政办"): the same thing waits once. */
  key: string;
  unit: string;
  kind: 'finding' | 'message';
  /** kind finding: what the line shows, as it was when it was dispatched. */
  finding: {
    no: number;
    role: 'lead' | 'assist';
    lead: string | null;
    village: string | null;
    label: string;
    text: string;
    deadline: Date | null;
  } | null;
  /** kind message: the markdown as it would have gone, and whether it @-mentions the members. */
  content: string | null;
  mention: boolean;
  /** When the collection that takes it is due. */
  dueAt: Date;
  batch: string | null;
  sentAt: Date | null;
  createdAt: Date;
}

const waitingSchema = new Schema(
  {
    key: { type: String, required: true, unique: true },
    unit: { type: String, required: true },
    kind: { type: String, enum: ['finding', 'message'], required: true },
    finding: { type: Schema.Types.Mixed, default: null },
    content: { type: String, default: null },
    mention: { type: Boolean, default: false },
    dueAt: { type: Date, required: true },
    batch: { type: String, default: null },
    sentAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'group_waiting' },
);
waitingSchema.index({ sentAt: 1, dueAt: 1 });
waitingSchema.index({ unit: 1, sentAt: 1 });

/** Per unit group: when it last got a collection (or the first finding after a quiet window), and the days it hit its ceiling. */
export interface GroupWindowDoc {
  _id: unknown;
  unit: string;
  lastAt: Date;
  /** Dates (YYYY-MM-DD) on which the group reached its daily ceiling. */
  limitHit: string[];
}

const windowSchema = new Schema(
  {
    unit: { type: String, required: true, unique: true },
    lastAt: { type: Date, required: true },
    limitHit: { type: [String], default: [] },
  },
  { collection: 'group_windows' },
);

export function groupWaitingModel(connection: Connection): Model<GroupWaitingDoc> {
  return (connection.models.GroupWaiting as Model<GroupWaitingDoc> | undefined) ?? connection.model<GroupWaitingDoc>('GroupWaiting', waitingSchema);
}

export function groupWindowModel(connection: Connection): Model<GroupWindowDoc> {
  return (connection.models.GroupWindow as Model<GroupWindowDoc> | undefined) ?? connection.model<GroupWindowDoc>('GroupWindow', windowSchema);
}

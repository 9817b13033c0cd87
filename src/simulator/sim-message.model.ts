import { Schema, type Connection, type Model } from 'mongoose';

/**
 * What the simulator saw pass through its WeCom: everything the bot sent to a group or a person,
 * and everything a member wrote. Kept in MongoDB (collection `sim_messages`) so it survives a
 * restart of `npm start`.
 */

/** A conversation: `g:webhook:KEY`, `g:chat:CHATID` (a group) or `u:USERID` (a person's chat with the app). */
export type ConversationId = string;

export interface CardUpdate {
  /** The people the update applies to; `null` for everyone who got the card (atall). */
  users: string[] | null;
  /** button.replace_name: the buttons give way to this text. */
  replaceName?: string;
  /** A whole new card, when the update carries one. */
  card?: Record<string, unknown>;
  at: Date;
}

export interface SimMessageDoc {
  seq: number;
  /** Bumped by every change (a card update too): the page asks for what changed after the last it saw. */
  rev: number;
  /** Simulated time (the service's clock). */
  at: Date;
  convs: ConversationId[];
  /** 'in': a member wrote it; 'out': the bot sent it. */
  direction: 'in' | 'out';
  /** The member who wrote it (direction 'in'); for 'out' the channel it came through. */
  from: string;
  /** The WeCom API that carried it: message/send, webhook/send, appchat/send, aibot/response, or 'member'. */
  api: string;
  msgtype: string;
  /** What a person reads: text or markdown, or a card's title. */
  content: string;
  mentions: string[];
  card: Record<string, unknown> | null;
  /** message/send of a template card: the code a later update may use. */
  responseCode: string | null;
  updates: CardUpdate[];
  /** A member's message: how the bot's callback endpoint answered (HTTP status), or null when it was not delivered. */
  callbackStatus: number | null;
  /** A member's message in a group: it @-mentioned the bot. */
  toBot: boolean;
  /** The bot's message that WeCom refused (with its errcode) or accepted but silently dropped. */
  outcome: SimOutcome | null;
}

export interface SimOutcome {
  kind: 'refused' | 'dropped';
  errcode: number;
  /** For a person: what went wrong, in Chinese. */
  words: string;
}

const cardUpdateSchema = new Schema(
  {
    users: { type: [String], default: null },
    replaceName: { type: String },
    card: { type: Schema.Types.Mixed },
    at: { type: Date, required: true },
  },
  { _id: false },
);

const simMessageSchema = new Schema<SimMessageDoc>(
  {
    seq: { type: Number, required: true, unique: true },
    rev: { type: Number, required: true, index: true },
    at: { type: Date, required: true },
    convs: { type: [String], required: true, index: true },
    direction: { type: String, enum: ['in', 'out'], required: true },
    from: { type: String, required: true },
    api: { type: String, required: true },
    msgtype: { type: String, required: true },
    content: { type: String, default: '' },
    mentions: { type: [String], default: [] },
    card: { type: Schema.Types.Mixed, default: null },
    responseCode: { type: String, default: null, index: true },
    updates: { type: [cardUpdateSchema], default: [] },
    callbackStatus: { type: Number, default: null },
    toBot: { type: Boolean, default: false },
    outcome: { type: Schema.Types.Mixed, default: null },
  },
  { collection: 'sim_messages', versionKey: false, minimize: false },
);

/** One-time codes the simulator hands out: card clicks, response_urls, OAuth codes. */
export interface SimCodeDoc {
  _id: string;
  kind: 'click' | 'bot_response' | 'oauth';
  /** click: the card message; bot_response: where the answer shows. */
  seq: number | null;
  conv: ConversationId | null;
  userid: string | null;
  createdAt: Date;
  usedAt: Date | null;
}

const simCodeSchema = new Schema<SimCodeDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    seq: { type: Number, default: null },
    conv: { type: String, default: null },
    userid: { type: String, default: null },
    createdAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
  },
  { collection: 'sim_codes', versionKey: false },
);

/** Files uploaded through media/upload, served again by media/get. */
export interface SimMediaDoc {
  _id: string;
  type: string;
  filename: string;
  contentType: string;
  data: Buffer;
  createdAt: Date;
}

const simMediaSchema = new Schema<SimMediaDoc>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    filename: { type: String, required: true },
    contentType: { type: String, required: true },
    data: { type: Buffer, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'sim_media', versionKey: false },
);

export function simModels(connection: Connection): { messages: Model<SimMessageDoc>; codes: Model<SimCodeDoc>; media: Model<SimMediaDoc> } {
  const get = <T>(name: string, schema: Schema<T>): Model<T> => (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
  return {
    messages: get('SimMessage', simMessageSchema),
    codes: get('SimCode', simCodeSchema),
    media: get('SimMedia', simMediaSchema),
  };
}

import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';

/** Where a message goes. */
export const destinationSchema = z.discriminatedUnion('kind', [
  /** A group robot: $WECOM_API_BASE/cgi-bin/webhook/send?key=KEY */
  z.object({ kind: z.literal('webhook'), key: z.string().min(1) }),
  /** A group chat the app created (appchat/send). */
  z.object({ kind: z.literal('appchat'), chatid: z.string().min(1) }),
  /** People, through the self-built app (message/send). */
  z.object({ kind: z.literal('app'), users: z.array(z.string().min(1)).min(1) }),
  /** A smart-bot conversation, answered through the callback's response_url. */
  z.object({ kind: z.literal('bot_response'), url: z.string().url() }),
  /** A smart-bot chat over the long connection: a group's chatid, or a userid for 1:1. */
  z.object({ kind: z.literal('bot_chat'), to: z.string().min(1) }),
  /** Replace a template card the app sent, after a click (message/update_template_card). */
  z.object({ kind: z.literal('card_update'), responseCode: z.string().min(1), users: z.array(z.string()).default([]) }),
]);
export type Destination = z.infer<typeof destinationSchema>;

export const outboundMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('markdown'), content: z.string(), mentions: z.array(z.string()).default([]) }),
  z.object({ type: z.literal('text'), content: z.string(), mentions: z.array(z.string()).default([]) }),
  /** A template_card body as WeCom defines it (without msgtype/agentid/touser). */
  z.object({ type: z.literal('card'), card: z.record(z.string(), z.unknown()), fallback: z.string() }),
]);
export type OutboundMessage = z.infer<typeof outboundMessageSchema>;
export type OutboundMessageInput = z.input<typeof outboundMessageSchema>;

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'merged', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

const outboxSchema = new Schema(
  {
    /** The caller's idempotency key: enqueueing the same key twice queues one message. */
    dedupeKey: { type: String, required: true, unique: true },
    /** Messages with the same channel share a rate limit and may be merged (e.g. "webhook:KEY"). */
    channel: { type: String, required: true, index: true },
    destination: { type: Schema.Types.Mixed, required: true },
    message: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: OUTBOX_STATUSES, required: true, default: 'pending', index: true },
    attempts: { type: Number, required: true, default: 0 },
    notBefore: { type: Date, required: true },
    leaseUntil: { type: Date, default: null },
    sentAt: { type: Date, default: null, index: true },
    lastError: { type: String, default: null },
    mergedInto: { type: String, default: null },
    /** What it is about, for people reading the outbox (e.g. "dispatch #12"). */
    label: { type: String, default: null },
  },
  { timestamps: true, collection: 'outbox' },
);
outboxSchema.index({ status: 1, notBefore: 1 });
outboxSchema.index({ channel: 1, sentAt: 1 });

export interface OutboxDoc {
  _id: unknown;
  dedupeKey: string;
  channel: string;
  destination: Destination;
  message: OutboundMessage;
  status: OutboxStatus;
  attempts: number;
  notBefore: Date;
  leaseUntil: Date | null;
  sentAt: Date | null;
  lastError: string | null;
  mergedInto: string | null;
  label: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function outboxModel(connection: Connection): Model<OutboxDoc> {
  return (connection.models.Outbox as Model<OutboxDoc> | undefined) ?? connection.model<OutboxDoc>('Outbox', outboxSchema);
}

export function channelOf(destination: Destination): string {
  switch (destination.kind) {
    case 'webhook':
      return `webhook:${destination.key}`;
    case 'appchat':
      return `appchat:${destination.chatid}`;
    case 'app':
      return `app:${[...destination.users].sort().join('|')}`;
    case 'bot_response':
      return `bot:${destination.url}`;
    case 'bot_chat':
      return `botchat:${destination.to}`;
    case 'card_update':
      return `card:${destination.responseCode}`;
  }
}

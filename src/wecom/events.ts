import { z } from 'zod';

/**
 * What the receivers hand on, whatever the channel (app XML callback, smart-bot JSON callback,
 * smart-bot long connection, the simulator): one normalised event with its delivery key. Handlers
 * only ever see this.
 */
const base = {
  /** Unique per delivery: MsgId (as a string) for app messages, FromUserName+CreateTime for app events, msgid for the smart bot. */
  deliveryKey: z.string().min(1).max(200),
  channel: z.enum(['app', 'bot']),
  /** WeCom userid of the sender. */
  from: z.string().min(1).max(64),
  /** When WeCom says it happened (ISO 8601). */
  at: z.string(),
  /** Smart bot: the group chat it came from (absent for 1:1). */
  chatId: z.string().max(128).optional(),
  chatType: z.enum(['single', 'group']).optional(),
  /** Smart bot callback mode: where a reply can be posted. */
  responseUrl: z.string().max(2048).optional(),
};

export const inboundEventSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('text'), text: z.string().max(8000) }),
  z.object({
    ...base,
    kind: z.literal('image'),
    /** App callback: MediaId to fetch with media/get. */
    mediaId: z.string().max(512).optional(),
    /** App callback: PicUrl; smart bot: the (encrypted) image URL. */
    url: z.string().max(2048).optional(),
    /** Smart bot: per-file AES key for the image. */
    aesKey: z.string().max(256).optional(),
  }),
  z.object({
    ...base,
    kind: z.literal('card_click'),
    /** The button's key, e.g. "accept:12". */
    eventKey: z.string().max(1024),
    /** The card's task_id. */
    taskId: z.string().max(128),
    /** App: code for message/update_template_card (valid 72 h, once). */
    responseCode: z.string().max(512).optional(),
  }),
  z.object({ ...base, kind: z.literal('enter'), }),
  z.object({ ...base, kind: z.literal('other'), type: z.string().max(64) }),
]);

export type InboundEvent = z.infer<typeof inboundEventSchema>;
export type InboundKind = InboundEvent['kind'];

import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { AppError } from '../errors';
import { inboundEventSchema, type InboundEvent } from './events';

/**
 * Turns decrypted WeCom callbacks into the normalised InboundEvent. App callbacks are XML
 * (doc 90238, 90240, 90241), smart-bot callbacks JSON (doc 100719, 101027). Everything that does
 * not fit is a CallbackParseError (400), never a crash.
 */

export class CallbackParseError extends AppError {
  constructor(detail: unknown) {
    super('bad_request', '回调消息格式不正确', detail);
    this.name = 'CallbackParseError';
  }
}

// ---------------------------------------------------------------------------------------------
// XML, hardened

const xmlParser = new XMLParser({
  // No entity expansion at all: WeCom puts text in CDATA, and entities are how billion-laughs and
  // XXE get in.
  processEntities: false,
  htmlEntities: false,
  // MsgId is a 64-bit integer above 2^53: numbers must stay strings.
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  maxNestedTags: 8,
});

/**
 * Parses XML: any DTD (`<!DOCTYPE`, `<!ENTITY`, ...) is refused before the parser sees it. Untrusted
 * XML is also checked to be well-formed first; the decrypted inner message (`authenticated`: its
 * sender holds the AES key) is only parsed, the check costing as much again as the parse.
 */
export function parseXmlSafely(xml: string, options: { authenticated?: boolean } = {}): unknown {
  // CDATA may legitimately hold "<!" typed by a user; markup declarations outside it may not.
  const outsideCdata = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  if (/<!(?!--)/.test(outsideCdata)) throw new CallbackParseError({ reason: 'xml_dtd_refused' });
  const valid = options.authenticated ? true : XMLValidator.validate(xml);
  if (valid !== true) throw new CallbackParseError({ reason: 'xml_malformed', error: valid.err.msg });
  try {
    return xmlParser.parse(xml) as unknown;
  } catch (err) {
    throw new CallbackParseError({ reason: 'xml_malformed', error: (err as Error).message });
  }
}

function parseJsonSafely(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CallbackParseError({ reason: 'json_malformed' });
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown, reason: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new CallbackParseError({ reason, issues: result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  }
  return result.data;
}

/** The event must satisfy the shared schema too, so a limit there is a 400 here, not a crash later. */
function finish(event: InboundEvent): InboundEvent {
  return check(inboundEventSchema, event, 'event_invalid');
}

// ---------------------------------------------------------------------------------------------
// Self-built app: XML

const appEnvelopeSchema = z.object({
  xml: z.object({
    ToUserName: z.string().max(128).optional(),
    Encrypt: z.string().min(1).max(64 * 1024),
    AgentID: z.string().max(32).optional(),
  }),
});
export type AppEnvelope = z.infer<typeof appEnvelopeSchema>['xml'];

/** The outer `<xml><ToUserName/><Encrypt/><AgentID/></xml>` of an app callback. */
export function parseAppEnvelope(xml: string): AppEnvelope {
  return check(appEnvelopeSchema, parseXmlSafely(xml), 'envelope_invalid').xml;
}

const digits = z.string().regex(/^\d{1,20}$/);
const appMessageSchema = z.object({
  xml: z.object({
    ToUserName: z.string().max(128).optional(),
    FromUserName: z.string().min(1).max(64),
    CreateTime: z.string().regex(/^\d{1,12}$/),
    MsgType: z.string().min(1).max(32),
    MsgId: digits.optional(),
    AgentID: z.string().max(32).optional(),
    Content: z.string().optional(),
    PicUrl: z.string().optional(),
    MediaId: z.string().optional(),
    Event: z.string().max(64).optional(),
    EventKey: z.string().optional(),
    TaskId: z.string().optional(),
    CardType: z.string().optional(),
    ResponseCode: z.string().optional(),
  }),
});
export type AppMessage = z.infer<typeof appMessageSchema>['xml'];

const isoFromSeconds = (seconds: string | number): string => new Date(Number(seconds) * 1000).toISOString();

/**
 * Events carry no MsgId: WeCom says to dedupe them by FromUserName + CreateTime. The event name,
 * card and button are added so two clicks in the same second on different cards stay apart;
 * they are hashed when long, to fit the key's 200 characters.
 */
function appEventKey(m: AppMessage): string {
  const head = `${m.FromUserName}|${m.CreateTime}`;
  const tail = [m.Event ?? m.MsgType, m.TaskId ?? '', m.EventKey ?? ''].join('|');
  const key = `${head}|${tail}`;
  return key.length <= 200 ? key : `${head}|${createHash('sha1').update(tail).digest('hex')}`;
}

/** The decrypted inner XML of an app callback. */
export function parseAppMessage(xml: string): InboundEvent {
  const m = check(appMessageSchema, parseXmlSafely(xml, { authenticated: true }), 'app_message_invalid').xml;
  const base = { channel: 'app' as const, from: m.FromUserName, at: isoFromSeconds(m.CreateTime) };
  const needMsgId = (): string => {
    if (!m.MsgId) throw new CallbackParseError({ reason: 'app_message_invalid', issues: ['MsgId: required'] });
    return m.MsgId;
  };

  switch (m.MsgType) {
    case 'text':
      if (m.Content === undefined) throw new CallbackParseError({ reason: 'app_message_invalid', issues: ['Content: required'] });
      return finish({ ...base, deliveryKey: needMsgId(), kind: 'text', text: m.Content });
    case 'image':
      return finish({
        ...base,
        deliveryKey: needMsgId(),
        kind: 'image',
        ...(m.MediaId ? { mediaId: m.MediaId } : {}),
        ...(m.PicUrl ? { url: m.PicUrl } : {}),
      });
    case 'event': {
      if (!m.Event) throw new CallbackParseError({ reason: 'app_message_invalid', issues: ['Event: required'] });
      const deliveryKey = appEventKey(m);
      if (m.Event === 'template_card_event') {
        if (!m.EventKey || !m.TaskId) {
          throw new CallbackParseError({ reason: 'app_message_invalid', issues: ['EventKey, TaskId: required'] });
        }
        return finish({
          ...base,
          deliveryKey,
          kind: 'card_click',
          eventKey: m.EventKey,
          taskId: m.TaskId,
          ...(m.ResponseCode ? { responseCode: m.ResponseCode } : {}),
        });
      }
      if (m.Event === 'enter_agent') return finish({ ...base, deliveryKey, kind: 'enter' });
      return finish({ ...base, deliveryKey, kind: 'other', type: `event:${m.Event}`.slice(0, 64) });
    }
    default:
      // voice, video, location, link, file: not used here, but recorded so nothing is lost silently.
      return finish({ ...base, deliveryKey: m.MsgId ?? appEventKey(m), kind: 'other', type: m.MsgType });
  }
}

// ---------------------------------------------------------------------------------------------
// Smart bot: JSON

const botEnvelopeSchema = z.object({ encrypt: z.string().min(1).max(64 * 1024) });
export type BotEnvelope = z.infer<typeof botEnvelopeSchema>;

/** The outer `{"encrypt": "..."}` of a smart-bot callback. */
export function parseBotEnvelope(body: string): BotEnvelope {
  return check(botEnvelopeSchema, parseJsonSafely(body), 'envelope_invalid');
}

const botMediaSchema = z.object({ url: z.string().min(1).max(2048), aeskey: z.string().max(256).optional() });
const botCardEventSchema = z.object({
  card_type: z.string().optional(),
  event_key: z.string().min(1).max(1024),
  task_id: z.string().min(1).max(128),
});

const botMessageSchema = z.object({
  msgid: z.string().min(1).max(200),
  aibotid: z.string().max(128).optional(),
  create_time: z.union([z.number().int().nonnegative(), digits]).optional(),
  chatid: z.string().max(128).optional(),
  chattype: z.enum(['single', 'group']).optional(),
  from: z.object({ userid: z.string().min(1).max(64), corpid: z.string().max(64).optional() }),
  response_url: z.string().max(2048).optional(),
  msgtype: z.string().min(1).max(32),
  text: z.object({ content: z.string() }).optional(),
  image: botMediaSchema.optional(),
  voice: z.object({ content: z.string() }).optional(),
  mixed: z
    .object({
      msg_item: z
        .array(z.object({ msgtype: z.string(), text: z.object({ content: z.string() }).optional(), image: botMediaSchema.optional() }))
        .max(100),
    })
    .optional(),
  event: z
    .object({
      eventtype: z.string().min(1).max(64),
      // Doc 101027 nests the details under the event type's name ...
      template_card_event: botCardEventSchema.optional(),
      // ... while the long-connection SDK's typings put them on the event itself: take either.
      event_key: z.string().max(1024).optional(),
      task_id: z.string().max(128).optional(),
    })
    .optional(),
});
export type BotMessage = z.infer<typeof botMessageSchema>;

export interface BotParseOptions {
  /** When the callback carries no create_time (messages do not). */
  now: Date;
  /** The bot's display name, to strip "@name" exactly; without it a leading "@word " is stripped. */
  botName?: string;
}

/** "@回头看助手 签收 12" -> "签收 12". WeCom puts a space (often U+2005) after a mention. */
export function stripLeadingMention(content: string, botName?: string): string {
  const text = content.replace(/^[\s\u2005]+/, '');
  if (botName && text.startsWith(`@${botName}`)) return text.slice(botName.length + 1).replace(/^[\s\u2005]+/, '');
  const match = /^@\S+[\s\u2005]+/.exec(text);
  return match ? text.slice(match[0].length) : text;
}

/** The decrypted inner JSON of a smart-bot callback (or a long-connection frame's body). */
export function parseBotMessage(input: unknown, options: BotParseOptions): InboundEvent {
  const m = check(botMessageSchema, typeof input === 'string' ? parseJsonSafely(input) : input, 'bot_message_invalid');
  const base = {
    channel: 'bot' as const,
    deliveryKey: m.msgid,
    from: m.from.userid,
    at: m.create_time !== undefined ? isoFromSeconds(m.create_time) : options.now.toISOString(),
    ...(m.chatid ? { chatId: m.chatid } : {}),
    ...(m.chattype ? { chatType: m.chattype } : {}),
    ...(m.response_url ? { responseUrl: m.response_url } : {}),
  };
  const missing = (field: string): never => {
    throw new CallbackParseError({ reason: 'bot_message_invalid', issues: [`${field}: required`] });
  };

  switch (m.msgtype) {
    case 'text':
      return finish({ ...base, kind: 'text', text: stripLeadingMention((m.text ?? missing('text')).content, options.botName) });
    case 'voice':
      // WeCom sends the speech already transcribed: a dictated report is a text report.
      return finish({ ...base, kind: 'text', text: (m.voice ?? missing('voice')).content });
    case 'mixed': {
      // Text with pictures: the text is the report; InboundEvent has no room for the pictures yet.
      const items = (m.mixed ?? missing('mixed')).msg_item;
      const text = stripLeadingMention(items.flatMap((item) => (item.msgtype === 'text' && item.text ? [item.text.content] : [])).join('\n'), options.botName);
      const image = items.find((item) => item.msgtype === 'image' && item.image)?.image;
      if (text.trim() === '' && image) return finish({ ...base, kind: 'image', url: image.url, ...(image.aeskey ? { aesKey: image.aeskey } : {}) });
      return finish({ ...base, kind: 'text', text });
    }
    case 'image': {
      const image = m.image ?? missing('image');
      return finish({ ...base, kind: 'image', url: image.url, ...(image.aeskey ? { aesKey: image.aeskey } : {}) });
    }
    case 'event': {
      const event = m.event ?? missing('event');
      if (event.eventtype === 'template_card_event') {
        const eventKey = event.template_card_event?.event_key ?? event.event_key;
        const taskId = event.template_card_event?.task_id ?? event.task_id;
        if (!eventKey || !taskId) return missing('event.template_card_event.event_key/task_id');
        return finish({ ...base, kind: 'card_click', eventKey, taskId });
      }
      if (event.eventtype === 'enter_chat') return finish({ ...base, kind: 'enter' });
      return finish({ ...base, kind: 'other', type: `event:${event.eventtype}`.slice(0, 64) });
    }
    default:
      return finish({ ...base, kind: 'other', type: m.msgtype });
  }
}

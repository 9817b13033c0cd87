import { systemClock } from '../clock';
import { createCallbackCrypto } from './callback-crypto';

/**
 * Builds WeCom callbacks the way WeCom does: plaintext XML/JSON, encrypted with the EncodingAESKey,
 * signed with the Token, with `msg_signature`, `timestamp`, `nonce` in the query. The simulator
 * delivers members' messages and clicks with these; the tests sign their callbacks with them too
 * (test/helpers/wecom-signer.ts re-exports them). Defaults (timestamp, CreateTime) come from the
 * system clock; the simulator passes its own.
 *
 *   const { query, body } = signedAppCallback({ ...APP, xml: appTextXml({ from: 'lisi', content: '签收 12', msgId: '1' }) });
 *   await fetch(`${base}/wecom/callback?${query}`, { method: 'POST', body });
 */

export interface SignOptions {
  token: string;
  encodingAesKey: string;
  /** Unix seconds, as a string; default now. */
  timestamp?: string;
  nonce?: string;
  /** 16 bytes; default random. */
  random?: Buffer;
}

export interface SignedCallback {
  /** `msg_signature=…&timestamp=…&nonce=…`, URL-encoded, without the leading '?'. */
  query: string;
  body: string;
  /** The encrypted payload, as signed. */
  encrypt: string;
  msgSignature: string;
  timestamp: string;
  nonce: string;
}


let nonceCounter = 0;
const nowSeconds = (): string => String(Math.floor(systemClock.now().getTime() / 1000));
const nextNonce = (): string => String(100000000 + (nonceCounter++ % 900000000));

function sign(options: SignOptions, receiveId: string, plaintext: string): Omit<SignedCallback, 'body'> {
  const crypto = createCallbackCrypto({ token: options.token, encodingAesKey: options.encodingAesKey, receiveId });
  const timestamp = options.timestamp ?? nowSeconds();
  const nonce = options.nonce ?? nextNonce();
  const encrypt = crypto.encrypt(plaintext, options.random);
  const msgSignature = crypto.signature(timestamp, nonce, encrypt);
  const query = new URLSearchParams({ msg_signature: msgSignature, timestamp, nonce }).toString();
  return { query, encrypt, msgSignature, timestamp, nonce };
}

/** An app callback POST: the inner XML encrypted into `<xml><ToUserName/><Encrypt/><AgentID/></xml>`. */
export function signedAppCallback(options: SignOptions & { corpId: string; xml: string; agentId?: string | number }): SignedCallback {
  const signed = sign(options, options.corpId, options.xml);
  const body =
    `<xml><ToUserName><![CDATA[${options.corpId}]]></ToUserName>` +
    `<Encrypt><![CDATA[${signed.encrypt}]]></Encrypt>` +
    `<AgentID><![CDATA[${options.agentId ?? 1000002}]]></AgentID></xml>`;
  return { ...signed, body };
}

/** A smart-bot callback POST: the inner JSON encrypted into `{"encrypt": "…"}` (receive id ''). */
export function signedBotCallback(options: SignOptions & { json: string | object }): SignedCallback {
  const plaintext = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
  const signed = sign(options, '', plaintext);
  return { ...signed, body: JSON.stringify({ encrypt: signed.encrypt }) };
}

/**
 * A URL-verification GET: `query` includes the URL-encoded `echostr`. `receiveId` is the CorpID for
 * the app, '' (the default) for the smart bot.
 */
export function signedEchoQuery(options: SignOptions & { echo: string; receiveId?: string }): SignedCallback {
  const signed = sign(options, options.receiveId ?? '', options.echo);
  const query = `${signed.query}&${new URLSearchParams({ echostr: signed.encrypt }).toString()}`;
  return { ...signed, query, body: '' };
}

// ---------------------------------------------------------------------------------------------
// App (XML) plaintexts

const cdata = (value: string): string => `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
const seconds = (createTime: number | Date | undefined): number =>
  createTime instanceof Date ? Math.floor(createTime.getTime() / 1000) : createTime ?? Math.floor(systemClock.now().getTime() / 1000);

interface AppCommon {
  from: string;
  /** Unix seconds or a Date; default now. */
  createTime?: number | Date;
  to?: string;
  agentId?: string | number;
}

function appXml(common: AppCommon, fields: string): string {
  return (
    `<xml><ToUserName>${cdata(common.to ?? 'CORPID')}</ToUserName>` +
    `<FromUserName>${cdata(common.from)}</FromUserName>` +
    `<CreateTime>${seconds(common.createTime)}</CreateTime>` +
    fields +
    `<AgentID>${common.agentId ?? 1000002}</AgentID></xml>`
  );
}

/** A text message; `msgId` is a string because real ones exceed 2^53. */
export function appTextXml(o: AppCommon & { content: string; msgId: string }): string {
  return appXml(o, `<MsgType>${cdata('text')}</MsgType><Content>${cdata(o.content)}</Content><MsgId>${o.msgId}</MsgId>`);
}

export function appImageXml(o: AppCommon & { msgId: string; mediaId: string; picUrl?: string }): string {
  return appXml(
    o,
    `<MsgType>${cdata('image')}</MsgType><PicUrl>${cdata(o.picUrl ?? 'https://wework.qpic.cn/test.jpg')}</PicUrl>` +
      `<MediaId>${cdata(o.mediaId)}</MediaId><MsgId>${o.msgId}</MsgId>`,
  );
}

/** A button click on a template card (Event=template_card_event). */
export function appCardClickXml(o: AppCommon & { eventKey: string; taskId: string; responseCode?: string; cardType?: string }): string {
  return appXml(
    o,
    `<MsgType>${cdata('event')}</MsgType><Event>${cdata('template_card_event')}</Event>` +
      `<EventKey>${cdata(o.eventKey)}</EventKey><TaskId>${cdata(o.taskId)}</TaskId>` +
      `<CardType>${cdata(o.cardType ?? 'button_interaction')}</CardType>` +
      `<ResponseCode>${cdata(o.responseCode ?? 'RESPONSE_CODE')}</ResponseCode>`,
  );
}

export function appEnterAgentXml(o: AppCommon): string {
  return appXml(o, `<MsgType>${cdata('event')}</MsgType><Event>${cdata('enter_agent')}</Event><EventKey>${cdata('')}</EventKey>`);
}

/** Any other event, e.g. `subscribe`. */
export function appEventXml(o: AppCommon & { event: string; eventKey?: string }): string {
  return appXml(o, `<MsgType>${cdata('event')}</MsgType><Event>${cdata(o.event)}</Event><EventKey>${cdata(o.eventKey ?? '')}</EventKey>`);
}

// ---------------------------------------------------------------------------------------------
// Smart bot (JSON) plaintexts

interface BotCommon {
  msgid: string;
  from: string;
  /** A group chat id; omitted: a 1:1 chat. */
  chatid?: string;
  aibotid?: string;
  responseUrl?: string;
}

function botBase(o: BotCommon): Record<string, unknown> {
  return {
    msgid: o.msgid,
    aibotid: o.aibotid ?? 'AIBOTID',
    ...(o.chatid ? { chatid: o.chatid } : {}),
    chattype: o.chatid ? 'group' : 'single',
    from: { userid: o.from },
    response_url: o.responseUrl ?? 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=TEST',
  };
}

/** In a group WeCom sends the mention too: pass `mention: '回头看助手'` to get "@回头看助手 …". */
export function botTextJson(o: BotCommon & { content: string; mention?: string }): Record<string, unknown> {
  const content = o.mention ? `@${o.mention} ${o.content}` : o.content;
  return { ...botBase(o), msgtype: 'text', text: { content } };
}

export function botImageJson(o: BotCommon & { url: string; aeskey?: string }): Record<string, unknown> {
  return { ...botBase(o), msgtype: 'image', image: { url: o.url, ...(o.aeskey ? { aeskey: o.aeskey } : {}) } };
}

export function botCardClickJson(o: BotCommon & { eventKey: string; taskId: string; createTime?: number }): Record<string, unknown> {
  return {
    ...botBase(o),
    create_time: o.createTime ?? Math.floor(systemClock.now().getTime() / 1000),
    msgtype: 'event',
    event: {
      eventtype: 'template_card_event',
      template_card_event: { card_type: 'button_interaction', event_key: o.eventKey, task_id: o.taskId },
    },
  };
}

export function botEnterChatJson(o: BotCommon & { createTime?: number }): Record<string, unknown> {
  return { ...botBase(o), create_time: o.createTime ?? Math.floor(systemClock.now().getTime() / 1000), msgtype: 'event', event: { eventtype: 'enter_chat' } };
}

import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import { readTextBody } from '../http/body';
import type { Logger } from '../logger';
import { createCallbackCrypto, type CallbackCrypto } from './callback-crypto';
import { parseAppEnvelope, parseAppMessage, parseBotEnvelope, parseBotMessage } from './callback-parse';
import type { InboundEvent } from './events';

/**
 * The two WeCom callback receivers: `/wecom/callback` (self-built app, encrypted XML) and
 * `/wecom/bot` (smart bot, encrypted JSON). Each request is checked in this order, cheapest and
 * safest first: channel configured, query shape, timestamp window, body size, signature (constant
 * time), decryption with receive id, parsing (URL verification: the same, without body or window). Only then is the event handed to `accept`, which
 * stores it in the inbox; the answer goes out at once and the work happens afterwards.
 */

export interface CallbackRouterDeps {
  /** Self-built app callback (WECOM_TOKEN, WECOM_ENCODING_AES_KEY, WECOM_CORP_ID); absent: 404. */
  app?: { token: string; encodingAesKey: string; corpId: string };
  /** Smart-bot URL callback (WECOM_BOT_TOKEN, WECOM_BOT_ENCODING_AES_KEY); absent: 404. */
  bot?: { token: string; encodingAesKey: string; botName?: string };
  /**
   * Persists the event (the inbox). Throws when it cannot store it: it is tried again for
   * `storeRetryMs`, then the connection is closed without an answer, which WeCom retries (it is
   * not documented to retry an error status).
   */
  accept(event: InboundEvent): Promise<void>;
  /** Default 4 s: inside WeCom's 5 s wait for an answer. */
  storeRetryMs?: number;
  clock: Clock;
  logger: Logger;
  /** Defaults to 64 KB; WeCom's callbacks are a few KB at most. */
  maxBodyBytes?: number;
  /** How far `timestamp` may be from now, either way; defaults to 300 s. Older requests are replays. */
  maxSkewSeconds?: number;
}

interface Channel {
  name: 'app' | 'bot';
  crypto: CallbackCrypto;
  /** The `Encrypt` / `encrypt` field of the outer body. */
  envelope(body: string): string;
  parse(plaintext: string): InboundEvent;
}

const signedQuerySchema = z.object({
  msg_signature: z.string().regex(/^[0-9a-fA-F]{40}$/),
  timestamp: z.string().regex(/^\d{1,12}$/),
  nonce: z.string().min(1).max(128),
});
const echoQuerySchema = signedQuerySchema.extend({ echostr: z.string().min(1).max(4096) });

export function createWeComCallbackRouter(deps: CallbackRouterDeps): Router {
  const maxBodyBytes = deps.maxBodyBytes ?? 64 * 1024;
  const maxSkewSeconds = deps.maxSkewSeconds ?? 300;

  // Built once: a bad EncodingAESKey fails at start-up, not on the first callback.
  const app: Channel | undefined = deps.app && {
    name: 'app',
    crypto: createCallbackCrypto({ token: deps.app.token, encodingAesKey: deps.app.encodingAesKey, receiveId: deps.app.corpId }),
    envelope: (body) => parseAppEnvelope(body).Encrypt,
    parse: (plaintext) => parseAppMessage(plaintext),
  };
  const botName = deps.bot?.botName;
  const bot: Channel | undefined = deps.bot && {
    name: 'bot',
    // An internal smart bot's receive id is the empty string (doc 101033).
    crypto: createCallbackCrypto({ token: deps.bot.token, encodingAesKey: deps.bot.encodingAesKey, receiveId: '' }),
    envelope: (body) => parseBotEnvelope(body).encrypt,
    parse: (plaintext) => parseBotMessage(plaintext, { now: deps.clock.now(), ...(botName ? { botName } : {}) }),
  };

  const configured = (channel: Channel | undefined): Channel => {
    if (!channel) throw new AppError('not_found', '未配置该企业微信回调');
    return channel;
  };

  const checkFresh = (timestamp: string): void => {
    const skew = Math.abs(deps.clock.now().getTime() / 1000 - Number(timestamp));
    if (skew > maxSkewSeconds) throw new AppError('unauthorized', '请求时间戳已过期或无效', { timestamp, skew });
  };

  const query = <T>(schema: z.ZodType<T>, ctx: Context): T => {
    const result = schema.safeParse(ctx.query);
    if (!result.success) throw new AppError('bad_request', '回调参数不完整或格式不正确', result.error.issues);
    return result.data;
  };

  const log = (ctx: Context): Logger => (ctx.state.log as Logger | undefined) ?? deps.logger;

  const storeRetryMs = deps.storeRetryMs ?? 4_000;
  /** Stores the event, trying again for a few seconds while the database is away; false if it never could. */
  const store = async (event: InboundEvent): Promise<boolean> => {
    const until = performance.now() + storeRetryMs;
    for (let pause = 100; ; pause = Math.min(pause * 2, 1_000)) {
      try {
        await deps.accept(event);
        return true;
      } catch (err) {
        if (performance.now() + pause > until) {
          deps.logger.warn({ err, deliveryKey: event.deliveryKey }, '回调存入收件箱失败');
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  };

  /** URL verification: answer the decrypted echostr, bare, as text/plain. */
  const verifyUrl = (channel: Channel | undefined) => async (ctx: Context) => {
    const ch = configured(channel);
    const q = query(echoQuerySchema, ctx);
    // No timestamp window here: replaying a URL check only reveals an echostr WeCom made up, and a
    // server clock that drifted should not make the admin console's 保存 fail.
    // base64 '+' arrives as a space when a sender forgets to URL-encode it; base64 has no spaces.
    const echostr = q.echostr.replace(/ /g, '+');
    if (!ch.crypto.verify(q.msg_signature, q.timestamp, q.nonce, echostr)) {
      throw new AppError('unauthorized', '签名校验失败', { channel: ch.name });
    }
    const plaintext = ch.crypto.decrypt(echostr);
    log(ctx).info({ channel: ch.name }, '企业微信回调地址验证通过');
    ctx.type = 'text/plain';
    ctx.body = plaintext;
  };

  const receive = (channel: Channel | undefined) => async (ctx: Context) => {
    const ch = configured(channel);
    const q = query(signedQuerySchema, ctx);
    checkFresh(q.timestamp);
    const body = await readTextBody(ctx, maxBodyBytes);
    const encrypt = ch.envelope(body);
    if (!ch.crypto.verify(q.msg_signature, q.timestamp, q.nonce, encrypt)) {
      throw new AppError('unauthorized', '签名校验失败', { channel: ch.name });
    }
    const event = ch.parse(ch.crypto.decrypt(encrypt));
    const about = { channel: ch.name, deliveryKey: event.deliveryKey, kind: event.kind };
    if (!(await store(event))) {
      log(ctx).error(about, '回调未能存入收件箱（数据库不可用），已断开连接，企业微信会重发');
      // No answer at all: WeCom retries a callback that timed out or whose connection broke.
      ctx.respond = false;
      ctx.req.socket.destroy();
      return;
    }
    // What the event led to is logged when it is processed; its arrival only when asked for.
    if (deps.logger.isLevelEnabled('debug')) log(ctx).debug(about, '已收到企业微信回调');
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = '';
  };

  const router = new Router();
  router.get('/wecom/callback', verifyUrl(app));
  router.post('/wecom/callback', receive(app));
  router.get('/wecom/bot', verifyUrl(bot));
  router.post('/wecom/bot', receive(bot));
  return router;
}

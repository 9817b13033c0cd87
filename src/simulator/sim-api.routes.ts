import Router from '@koa/router';
import type { Context } from 'koa';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock';
import { readTextBody } from '../http/body';
import type { Logger } from '../logger';
import type { SimCredentials } from './sim-credentials';
import type { CardUpdate } from './sim-message.model';
import type { SimMessageRepository } from './sim-message.repository';
import { appchatConv, userConv, webhookConv, type SimOrg } from './sim-org';

/**
 * The WeCom server API as the bot uses it, under `/sim/api/cgi-bin/…`: the client's base URL in
 * simulator mode is `http://127.0.0.1:$PORT/sim/api`. Answers have WeCom's shape and WeCom's
 * errcodes where they matter to the bot (40014 for a stale token, 45009 for a robot's rate,
 * 93000 for an unknown robot key, invaliduser for unknown people); codes WeCom does not document
 * are marked "(模拟器)" in errmsg.
 */

export const SIM_API_PREFIX = '/sim/api';
/** A smart bot's response_url: valid once, for an hour (doc 101138). */
export const RESPONSE_URL_PATH = '/cgi-bin/aibot/response';
const RESPONSE_URL_MAX_AGE_MS = 60 * 60_000;
/** update_template_card's response_code: once, within 72 hours. */
const CARD_CODE_MAX_AGE_MS = 72 * 3600_000;
export const OAUTH_CODE_MAX_AGE_MS = 5 * 60_000;
const ROBOT_PER_MINUTE = 20;
const TOKEN_SECONDS = 7200;

export interface SimApiDeps {
  repo: SimMessageRepository;
  simOrg: SimOrg;
  credentials: SimCredentials;
  clock: Clock;
  logger: Logger;
}

const looseBody = z.looseObject({});
type Body = z.infer<typeof looseBody>;

const ok = (extra: Record<string, unknown> = {}) => ({ errcode: 0, errmsg: 'ok', ...extra });
const fail = (errcode: number, errmsg: string) => ({ errcode, errmsg });

/** The text a person reads in a message body of any kind. */
export function readableContent(body: Body): { msgtype: string; content: string; mentions: string[]; card: Record<string, unknown> | null } {
  const msgtype = typeof body.msgtype === 'string' ? body.msgtype : 'unknown';
  const part = body[msgtype] as { content?: unknown; mentioned_list?: unknown } | undefined;
  if (msgtype === 'template_card') {
    const card = (body.template_card ?? {}) as Record<string, unknown>;
    const title = (card.main_title as { title?: unknown } | undefined)?.title;
    return { msgtype, content: typeof title === 'string' ? title : '', mentions: [], card };
  }
  const content = typeof part?.content === 'string' ? part.content : JSON.stringify(part ?? body);
  const mentions = Array.isArray(part?.mentioned_list) ? part.mentioned_list.filter((m): m is string => typeof m === 'string') : [];
  return { msgtype, content, mentions, card: null };
}

export function createSimApiRouter(deps: SimApiDeps): Router {
  const { repo, simOrg, credentials, clock } = deps;
  const log = deps.logger.child({ component: 'wecom-simulator' });
  let token: { value: string; expiresAt: number } | undefined;

  const router = new Router({ prefix: `${SIM_API_PREFIX}/cgi-bin` });

  const json = (ctx: Context, answer: unknown): void => {
    ctx.status = 200; // WeCom answers errors with HTTP 200 and an errcode
    ctx.type = 'application/json';
    ctx.body = answer;
  };

  const body = async (ctx: Context): Promise<Body | null> => {
    try {
      const parsed = looseBody.safeParse(JSON.parse(await readTextBody(ctx, 256 * 1024)));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  };

  /** Every token-authenticated call goes through here first. */
  const authorized = (ctx: Context): boolean => {
    const given = typeof ctx.query.access_token === 'string' ? ctx.query.access_token : '';
    if (given === '') {
      json(ctx, fail(41001, 'access_token missing'));
      return false;
    }
    if (!token || given !== token.value || clock.now().getTime() >= token.expiresAt) {
      json(ctx, fail(given === token?.value ? 42001 : 40014, given === token?.value ? 'access_token expired' : 'invalid access_token'));
      return false;
    }
    return true;
  };

  const agentOk = (ctx: Context, b: Body): boolean => {
    if (Number(b.agentid) !== credentials.agentId) {
      json(ctx, fail(40056, 'invalid agentid'));
      return false;
    }
    return true;
  };

  router.get('/gettoken', (ctx) => {
    if (ctx.query.corpid !== credentials.corpId) return json(ctx, fail(40013, 'invalid corpid'));
    if (ctx.query.corpsecret !== credentials.secret) return json(ctx, fail(40001, 'invalid credential, access_token is invalid or not latest'));
    token = { value: `SIMTOKEN${randomBytes(16).toString('hex')}`, expiresAt: clock.now().getTime() + TOKEN_SECONDS * 1000 };
    json(ctx, ok({ access_token: token.value, expires_in: TOKEN_SECONDS }));
  });

  router.post('/message/send', async (ctx) => {
    if (!authorized(ctx)) return;
    const b = await body(ctx);
    if (!b) return json(ctx, fail(44004, 'empty content or invalid json'));
    if (!agentOk(ctx, b)) return;
    const requested = typeof b.touser === 'string' ? b.touser.split('|').filter((u) => u !== '') : [];
    const everyone = requested.includes('@all');
    const users = everyone ? simOrg.members.map((m) => m.userid) : requested.filter((u) => simOrg.member(u));
    const invalid = everyone ? [] : requested.filter((u) => !simOrg.member(u));
    if (users.length === 0) return json(ctx, fail(81013, 'user & party & tag all invalid'));
    const readable = readableContent(b);
    const responseCode = readable.card ? await repo.issueCode('click', {}, clock.now()) : null;
    const message = await repo.record({
      at: clock.now(),
      convs: users.map(userConv),
      direction: 'out',
      from: 'app',
      api: 'message/send',
      ...readable,
      responseCode,
    });
    json(ctx, ok({ invaliduser: invalid.join('|'), msgid: `simmsg${message.seq}`, ...(responseCode ? { response_code: responseCode } : {}) }));
  });

  router.post('/message/update_template_card', async (ctx) => {
    if (!authorized(ctx)) return;
    const b = await body(ctx);
    if (!b) return json(ctx, fail(44004, 'invalid json'));
    if (!agentOk(ctx, b)) return;
    const code = typeof b.response_code === 'string' ? b.response_code : '';
    const now = clock.now();
    const used = await repo.useCode(code, 'click', now, CARD_CODE_MAX_AGE_MS);
    const message = used ? (used.seq !== null ? await repo.get(used.seq) : await repo.bySendCode(code)) : null;
    if (!message) return json(ctx, fail(40078, 'invalid response_code: unknown, used or expired (模拟器)'));
    const users = b.atall === 1 ? null : Array.isArray(b.userids) ? b.userids.filter((u): u is string => typeof u === 'string') : null;
    const replaceName = (b.button as { replace_name?: unknown } | undefined)?.replace_name;
    const card = b.template_card as Record<string, unknown> | undefined;
    const update: CardUpdate = { users, at: now, ...(typeof replaceName === 'string' ? { replaceName } : {}), ...(card ? { card } : {}) };
    await repo.addUpdate(message.seq, update);
    json(ctx, ok({ invaliduser: '' }));
  });

  router.post('/appchat/send', async (ctx) => {
    if (!authorized(ctx)) return;
    const b = await body(ctx);
    if (!b) return json(ctx, fail(44004, 'invalid json'));
    const chatid = typeof b.chatid === 'string' ? b.chatid : '';
    const conv = appchatConv(chatid);
    if (!simOrg.group(conv)) return json(ctx, fail(86003, 'chat not exist'));
    if (b.msgtype === 'template_card') return json(ctx, fail(40008, 'invalid message type: appchat takes no template_card'));
    await repo.record({ at: clock.now(), convs: [conv], direction: 'out', from: 'app', api: 'appchat/send', ...readableContent(b) });
    json(ctx, ok());
  });

  router.post('/webhook/send', async (ctx) => {
    const key = typeof ctx.query.key === 'string' ? ctx.query.key : '';
    const conv = webhookConv(key);
    if (!simOrg.group(conv)) return json(ctx, fail(93000, 'invalid webhook url'));
    const b = await body(ctx);
    if (!b) return json(ctx, fail(40008, 'invalid message type'));
    const readable = readableContent(b);
    if (readable.card && (readable.card.card_type === 'button_interaction' || readable.card.card_type === 'vote_interaction')) {
      return json(ctx, fail(40008, 'invalid message type: robots send notice cards only'));
    }
    const now = clock.now();
    if ((await repo.countSentSince(conv, new Date(now.getTime() - 60_000))) >= ROBOT_PER_MINUTE) {
      log.info({ group: simOrg.group(conv)?.name }, 'robot rate limit reached (20 a minute)');
      return json(ctx, fail(45009, 'api freq out of limit'));
    }
    await repo.record({ at: now, convs: [conv], direction: 'out', from: 'robot', api: 'webhook/send', ...readable });
    json(ctx, ok());
  });

  router.post(RESPONSE_URL_PATH.replace('/cgi-bin', ''), async (ctx) => {
    const code = typeof ctx.query.response_code === 'string' ? ctx.query.response_code : '';
    const used = await repo.useCode(code, 'bot_response', clock.now(), RESPONSE_URL_MAX_AGE_MS);
    if (!used?.conv) return json(ctx, fail(40078, 'response_url used or expired: it works once, for an hour (模拟器)'));
    const b = await body(ctx);
    if (!b) return json(ctx, fail(40008, 'invalid message type'));
    await repo.record({ at: clock.now(), convs: [used.conv], direction: 'out', from: 'bot', api: 'aibot/response', ...readableContent(b) });
    json(ctx, ok());
  });

  router.get('/auth/getuserinfo', async (ctx) => {
    if (!authorized(ctx)) return;
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    const used = await repo.useCode(code, 'oauth', clock.now(), OAUTH_CODE_MAX_AGE_MS);
    if (!used?.userid) return json(ctx, fail(40029, 'invalid code'));
    json(ctx, ok({ userid: used.userid, user_ticket: '' }));
  });

  router.get('/media/get', async (ctx) => {
    if (!authorized(ctx)) return;
    const id = typeof ctx.query.media_id === 'string' ? ctx.query.media_id : '';
    const media = id ? await repo.getMedia(id) : null;
    if (!media) return json(ctx, fail(40007, 'invalid media_id'));
    ctx.type = media.contentType;
    ctx.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(media.filename)}`);
    // A lean read gives BSON Binary, not a Buffer.
    const data: unknown = media.data;
    ctx.body = Buffer.isBuffer(data) ? data : Buffer.from((data as { buffer: Uint8Array }).buffer);
  });

  router.post('/media/upload', async (ctx) => {
    if (!authorized(ctx)) return;
    const type = typeof ctx.query.type === 'string' ? ctx.query.type : '';
    if (!['image', 'voice', 'video', 'file'].includes(type)) return json(ctx, fail(40004, 'invalid media type'));
    let file: File | null = null;
    try {
      const raw = await readRaw(ctx, 20 * 1024 * 1024);
      const form = await new Response(raw, { headers: { 'content-type': ctx.get('content-type') } }).formData();
      const media = form.get('media');
      file = media instanceof File ? media : null;
    } catch {
      file = null;
    }
    if (!file) return json(ctx, fail(41008, 'missing media'));
    const now = clock.now();
    const id = await repo.putMedia({ type, filename: file.name || 'file', contentType: file.type || 'application/octet-stream', data: Buffer.from(await file.arrayBuffer()), createdAt: now });
    json(ctx, ok({ type, media_id: id, created_at: String(Math.floor(now.getTime() / 1000)) }));
  });

  router.all('/{*rest}', (ctx) => json(ctx, fail(48001, `api forbidden: the simulator does not offer ${ctx.path} (模拟器)`)));
  return router;
}

async function readRaw(ctx: Context, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

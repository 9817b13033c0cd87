import Router from '@koa/router';
import type { Context } from 'koa';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import { readTextBody } from '../http/body';
import { isRefusal, refusal, type Body, type WeComRefusal, type WeComState } from './wecom-rules';

/**
 * WeCom's server API as the bot calls it (`…/cgi-bin/…`), strict: every answer goes through the
 * rules of wecom-rules.ts, and what WeCom accepted, refused or silently dropped goes to a backend
 * that keeps it (the simulator's database for /sim, memory for the tests' fake). Answers carry
 * HTTP 200 and an errcode, as WeCom's do.
 */

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

export type Readable = ReturnType<typeof readableContent>;

export type DeliveryApi = 'message/send' | 'appchat/send' | 'webhook/send' | 'aibot/response';

export interface Delivery {
  api: DeliveryApi;
  /** message/send: the people; appchat/send: [chatid]; webhook/send: [robot key]; aibot/response: [response code]. */
  to: string[];
  body: Body;
  readable: Readable;
  at: Date;
}

export interface RefusedCall extends WeComRefusal {
  /** e.g. message/send */
  api: string;
  /** As addressed: touser, chatid, robot key or response_code ('' when none). */
  to: string;
  body: Body;
  at: Date;
}

export interface CardUpdateRequest {
  /** The people the update applies to; null for everyone who got the card (atall). */
  users: string[] | null;
  replaceName?: string;
  card?: Record<string, unknown>;
  body: Body;
  at: Date;
}

/** Where the strict WeCom keeps what passed through it. */
export interface WeComBackend {
  /** A message WeCom accepted; a card gets a response_code for later updates. */
  deliver(delivery: Delivery): Promise<{ msgid: string; responseCode?: string }>;
  /** A message WeCom answered ok but did not deliver to `delivery.to` (over a member's limit). */
  dropped(delivery: Delivery): Promise<void>;
  refused(call: RefusedCall): Promise<void>;
  /** update_template_card: uses the response_code once; false when it is unknown or used (60140). */
  updateCard(responseCode: string, update: CardUpdateRequest): Promise<boolean>;
  /** A smart bot's response_url: usable once; false when unknown, used or expired. */
  botResponse(responseCode: string, delivery: Delivery): Promise<boolean>;
  /** auth/getuserinfo: the member an OAuth code stands for, once. */
  oauthUser(code: string): Promise<string | null>;
  putMedia(file: { type: string; filename: string; contentType: string; data: Buffer; at: Date }): Promise<string>;
  getMedia(mediaId: string): Promise<{ filename: string; contentType: string; data: Buffer } | null>;
  /** A member's display name (user/get). */
  name(userid: string): string;
}

export interface WeComApp {
  corpId: string;
  secret: string;
  agentId: number;
  name: string;
}

export interface WeComApiDeps {
  /** e.g. '/cgi-bin' or '/sim/api/cgi-bin' */
  prefix: string;
  /** The path of the smart bot's response_url under the prefix. */
  botResponsePath: string;
  app: WeComApp;
  state: WeComState;
  backend: WeComBackend;
  clock: Clock;
  /** Calls the simulator answers that WeCom has not: marked so nobody takes them for WeCom's. */
  unknownApiNote?: string;
}

const TOKEN_SECONDS = 7200;
const ok = (extra: Record<string, unknown> = {}) => ({ errcode: 0, errmsg: 'ok', ...extra });
const asBody = (value: unknown): Body | null => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : null);
const stringList = (value: unknown): string[] | null => (Array.isArray(value) ? value.filter((u): u is string => typeof u === 'string') : null);

export function createWeComApiRouter(deps: WeComApiDeps): Router {
  const { app, state, backend, clock } = deps;
  // WeCom hands out the same token until it expires; several bot instances share it.
  let token: { value: string; expiresAt: number } | undefined;
  const router = new Router({ prefix: deps.prefix });

  const json = (ctx: Context, answer: unknown): void => {
    ctx.status = 200;
    ctx.type = 'application/json';
    ctx.body = answer;
  };

  const refuse = async (ctx: Context, api: string, to: string, body: Body, r: WeComRefusal): Promise<void> => {
    await backend.refused({ ...r, api, to, body, at: clock.now() });
    json(ctx, r);
  };

  const readBody = async (ctx: Context): Promise<Body | null> => {
    try {
      return asBody(JSON.parse(await readTextBody(ctx, 256 * 1024)));
    } catch {
      return null;
    }
  };

  /** The checks every app API call meets first: trusted IP, then the access token. */
  const admitted = (ctx: Context): WeComRefusal | null => {
    const gate = state.gate();
    if (gate) return gate;
    const given = typeof ctx.query.access_token === 'string' ? ctx.query.access_token : '';
    if (given === '') return refusal(41001);
    if (!token || given !== token.value) return refusal(40014);
    if (clock.now().getTime() >= token.expiresAt) return refusal(42001);
    return null;
  };

  /** A POST of an app API: admitted, a JSON body, the right agentid where WeCom wants one. */
  const post = async (ctx: Context, api: string, needsAgent: boolean): Promise<Body | null> => {
    const raw = await readBody(ctx);
    const body = raw ?? {};
    const to = (b: Body): string => String(b.touser ?? b.chatid ?? b.response_code ?? '');
    const denied = admitted(ctx) ?? (raw ? null : refusal(40058, 'invalid json')) ?? (needsAgent && Number(body.agentid) !== app.agentId ? refusal(40056) : null);
    if (denied) {
      await refuse(ctx, api, to(body), body, denied);
      return null;
    }
    return body;
  };

  const get = async (ctx: Context, api: string): Promise<boolean> => {
    const denied = admitted(ctx);
    if (denied) await refuse(ctx, api, '', {}, denied);
    return denied === null;
  };

  router.get('/gettoken', (ctx) => {
    // gettoken is not held to the trusted-IP list: the refusal comes with the first real call.
    if (ctx.query.corpid !== app.corpId) return json(ctx, refusal(40013));
    if (ctx.query.corpsecret !== app.secret) return json(ctx, refusal(40001));
    const now = clock.now().getTime();
    if (!token || now >= token.expiresAt) token = { value: `TOKEN${randomBytes(16).toString('hex')}`, expiresAt: now + TOKEN_SECONDS * 1000 };
    json(ctx, ok({ access_token: token.value, expires_in: Math.round((token.expiresAt - now) / 1000) }));
  });

  router.post('/message/send', async (ctx) => {
    const body = await post(ctx, 'message/send', true);
    if (!body) return;
    const result = state.sendToMembers(body);
    if (isRefusal(result)) return refuse(ctx, 'message/send', String(body.touser ?? ''), body, result);
    const at = clock.now();
    const readable = readableContent(body);
    const sent = result.delivered.length
      ? await backend.deliver({ api: 'message/send', to: result.delivered, body, readable, at })
      : { msgid: `msg${randomBytes(8).toString('hex')}` };
    if (result.dropped.length) await backend.dropped({ api: 'message/send', to: result.dropped, body, readable, at });
    json(ctx, ok({ ...state.recipientFields(result), msgid: sent.msgid, ...(sent.responseCode ? { response_code: sent.responseCode } : {}) }));
  });

  router.post('/message/update_template_card', async (ctx) => {
    const body = await post(ctx, 'message/update_template_card', true);
    if (!body) return;
    const code = typeof body.response_code === 'string' ? body.response_code : '';
    const shape = state.checkCardUpdate(body);
    if (shape) return refuse(ctx, 'message/update_template_card', code, body, shape);
    const replaceName = asBody(body.button)?.replace_name;
    const card = asBody(body.template_card);
    const update: CardUpdateRequest = {
      users: body.atall === 1 ? null : stringList(body.userids),
      ...(typeof replaceName === 'string' ? { replaceName } : {}),
      ...(card ? { card } : {}),
      body,
      at: clock.now(),
    };
    if (!(await backend.updateCard(code, update))) return refuse(ctx, 'message/update_template_card', code, body, refusal(60140));
    json(ctx, ok(state.recipientFields({ invalid: [], unlicensed: [] })));
  });

  router.post('/appchat/create', async (ctx) => {
    const body = await post(ctx, 'appchat/create', false);
    if (!body) return;
    const created = state.appchatCreate(body);
    if (isRefusal(created)) return refuse(ctx, 'appchat/create', String(body.chatid ?? ''), body, created);
    json(ctx, ok({ chatid: created.chatid }));
  });

  router.get('/appchat/get', async (ctx) => {
    if (!(await get(ctx, 'appchat/get'))) return;
    const chatid = typeof ctx.query.chatid === 'string' ? ctx.query.chatid : '';
    const chat = state.chat(chatid);
    // A chat of another app or of a person is not this app's to read.
    if (!chat) return refuse(ctx, 'appchat/get', chatid, {}, refusal(86003));
    json(ctx, ok({ chat_info: { chatid: chat.chatid, name: chat.name, owner: chat.owner, userlist: chat.userlist, chat_type: 0 } }));
  });

  router.post('/appchat/send', async (ctx) => {
    const body = await post(ctx, 'appchat/send', false);
    if (!body) return;
    const chat = state.appchatSend(body);
    if (isRefusal(chat)) return refuse(ctx, 'appchat/send', String(body.chatid ?? ''), body, chat);
    await backend.deliver({ api: 'appchat/send', to: [chat.chatid], body, readable: readableContent(body), at: clock.now() });
    json(ctx, ok());
  });

  router.post('/webhook/send', async (ctx) => {
    // A group robot is not the app: no token, and not held to the app's trusted-IP list.
    const key = typeof ctx.query.key === 'string' ? ctx.query.key : '';
    const body = await readBody(ctx);
    if (!body) return refuse(ctx, 'webhook/send', key, {}, refusal(40058, 'invalid json'));
    const refused = state.webhookSend(key, body);
    if (refused) return refuse(ctx, 'webhook/send', key, body, refused);
    await backend.deliver({ api: 'webhook/send', to: [key], body, readable: readableContent(body), at: clock.now() });
    json(ctx, ok());
  });

  router.post(deps.botResponsePath, async (ctx) => {
    const code = typeof ctx.query.response_code === 'string' ? ctx.query.response_code : '';
    const body = await readBody(ctx);
    if (!body) return refuse(ctx, 'aibot/response', code, {}, refusal(40058, 'invalid json'));
    const refused = state.botResponse(body);
    if (refused) return refuse(ctx, 'aibot/response', code, body, refused);
    const delivery: Delivery = { api: 'aibot/response', to: [code], body, readable: readableContent(body), at: clock.now() };
    if (!(await backend.botResponse(code, delivery))) return refuse(ctx, 'aibot/response', code, body, refusal(40058, 'response_url used or expired: it works once, for an hour'));
    json(ctx, ok());
  });

  router.get('/auth/getuserinfo', async (ctx) => {
    if (!(await get(ctx, 'auth/getuserinfo'))) return;
    const userid = await backend.oauthUser(typeof ctx.query.code === 'string' ? ctx.query.code : '');
    if (!userid) return json(ctx, refusal(40029));
    json(ctx, ok({ userid, user_ticket: '' }));
  });

  router.get('/user/get', async (ctx) => {
    if (!(await get(ctx, 'user/get'))) return;
    const userid = typeof ctx.query.userid === 'string' ? ctx.query.userid : '';
    if (!state.exists(userid)) return refuse(ctx, 'user/get', userid, {}, refusal(60111));
    if (!state.isVisible(userid)) return refuse(ctx, 'user/get', userid, {}, refusal(60011));
    json(ctx, ok({ userid, name: backend.name(userid), department: [1], status: 1 }));
  });

  router.get('/agent/get', async (ctx) => {
    if (!(await get(ctx, 'agent/get'))) return;
    if (Number(ctx.query.agentid) !== app.agentId) return json(ctx, refusal(40056));
    json(
      ctx,
      ok({
        agentid: app.agentId,
        name: app.name,
        allow_userinfos: { user: state.visibleUsers().map((userid) => ({ userid })) },
        allow_partys: { partyid: [] },
        allow_tags: { tagid: [] },
        close: 0,
        isreportenter: 0,
      }),
    );
  });

  router.get('/media/get', async (ctx) => {
    if (!(await get(ctx, 'media/get'))) return;
    const id = typeof ctx.query.media_id === 'string' ? ctx.query.media_id : '';
    const media = id ? await backend.getMedia(id) : null;
    if (!media) return json(ctx, refusal(40007));
    ctx.type = media.contentType;
    ctx.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(media.filename)}`);
    ctx.body = media.data;
  });

  router.post('/media/upload', async (ctx) => {
    if (!(await get(ctx, 'media/upload'))) return;
    const type = typeof ctx.query.type === 'string' ? ctx.query.type : '';
    if (!['image', 'voice', 'video', 'file'].includes(type)) return json(ctx, refusal(40004));
    let file: File | null = null;
    try {
      const raw = await readRaw(ctx, 20 * 1024 * 1024);
      const form = await new Response(raw, { headers: { 'content-type': ctx.get('content-type') } }).formData();
      const media = form.get('media');
      file = media instanceof File ? media : null;
    } catch {
      file = null;
    }
    if (!file) return json(ctx, refusal(40007, 'missing media'));
    const at = clock.now();
    const id = await backend.putMedia({ type, filename: file.name || 'file', contentType: file.type || 'application/octet-stream', data: Buffer.from(await file.arrayBuffer()), at });
    json(ctx, ok({ type, media_id: id, created_at: String(Math.floor(at.getTime() / 1000)) }));
  });

  router.all('/{*rest}', (ctx) => json(ctx, refusal(48001, `${ctx.path}${deps.unknownApiNote ?? ''}`)));
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

import { z } from 'zod';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { classifyErrcode, type ErrorKind } from './errcodes';

/**
 * A small typed client for WeCom's server API (base `…/cgi-bin/`), over fetch. It owns the
 * access token (cached, one fetch shared by concurrent callers, refreshed once on 40014/42001),
 * retries what WeCom says to retry (-1 busy, 45009 rate, 45033 concurrency, HTTP 5xx, network
 * errors, timeouts) with exponential backoff, and turns every other failure into a WeComApiError.
 *
 * A retry after a timeout may deliver a message twice (WeCom may have sent it before we gave up);
 * the outbox accepts that rather than lose a message.
 */

export interface WeComClientOptions {
  /** e.g. https://qyapi.weixin.qq.com; private deployments and the simulator use others. */
  apiBase: string;
  corpId?: string;
  secret?: string;
  agentId?: number;
  logger: Logger;
  clock: Clock;
  /** Injected so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Tries per call for retryable failures; default 4. */
  maxAttempts?: number;
  /** First backoff delay, doubled each time; default 500 ms, at most maxBackoffMs (8 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** The token is renewed this long before WeCom says it expires; default 300 s. */
  tokenMarginSeconds?: number;
}

/** Local codes for failures that never got a WeCom errcode; WeCom's own codes are >= -1. */
export const ERRCODE_NETWORK = -100;
export const ERRCODE_HTTP = -200;
export const ERRCODE_BAD_RESPONSE = -300;

/** The access token is invalid or expired: fetch a new one (once) and try again. */
const TOKEN_INVALID = new Set([40014, 42001]);

export class WeComApiError extends AppError {
  /** What the failure means for the message (see errcodes.ts); `retryable` is `kind === 'transient'`. */
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    retryable: boolean,
    readonly path: string,
    readonly httpStatus?: number,
  ) {
    super('wecom', `企业微信接口调用失败（${errcode}）`, { path, errcode, errmsg, httpStatus });
    this.name = 'WeComApiError';
    this.kind = retryable ? 'transient' : errcode < -1 ? 'final' : classifyErrcode(errcode);
    this.retryable = this.kind === 'transient';
  }
}

type Query = Record<string, string | number | undefined>;

interface RequestSpec {
  method: 'GET' | 'POST';
  /** Relative to `/cgi-bin/`, e.g. `message/send`. */
  path: string;
  query?: Query;
  body?: unknown;
  /** Sends access_token; false for gettoken and the group-robot webhook. */
  auth: boolean;
  /** A file may come back instead of JSON (media/get). */
  binary?: boolean;
}

/** Every WeCom answer: errcode/errmsg plus the method's own fields. */
const baseResponseSchema = z.looseObject({
  errcode: z.number().int().optional(),
  errmsg: z.string().optional(),
});
export type WeComResponse = z.infer<typeof baseResponseSchema>;

const tokenResponseSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().int().positive() });

/** WeCom lists recipients it could not reach as `a|b`, and in some answers as an array. */
const idList = z.union([z.string(), z.array(z.union([z.string(), z.number()]))]).optional();
const deliveryResponseSchema = z.object({
  invaliduser: idList,
  invalidparty: idList,
  invalidtag: idList,
  unlicenseduser: idList,
  msgid: z.string().optional(),
  response_code: z.string().optional(),
});

/** What message/send and update_template_card report about recipients they could not reach. */
export interface DeliveryResult {
  invalidUsers: string[];
  invalidParties: string[];
  invalidTags: string[];
  unlicensedUsers: string[];
  msgId?: string;
  /** message/send of a template_card: the code for a later update_template_card. */
  responseCode?: string;
}

const userInfoResponseSchema = z.object({
  userid: z.string().optional(),
  UserId: z.string().optional(), // older spelling of the same field
  openid: z.string().optional(),
  OpenId: z.string().optional(),
  external_userid: z.string().optional(),
});
export interface OAuthUser {
  /** Set for members of the corp. */
  userId?: string;
  /** Set for people outside it. */
  openId?: string;
  externalUserId?: string;
}

const uploadResponseSchema = z.object({ type: z.string(), media_id: z.string().min(1), created_at: z.union([z.string(), z.number()]) });

export interface MediaFile {
  buffer: Buffer;
  contentType: string;
  filename?: string;
}

/** A message/send body; `agentid` is filled in from the client's options when absent. */
export interface AppMessageBody {
  touser?: string;
  toparty?: string;
  totag?: string;
  msgtype: string;
  agentid?: number;
  [field: string]: unknown;
}

export interface TemplateCardUpdateBody {
  userids?: string[];
  partyids?: number[];
  tagids?: number[];
  atall?: 0 | 1;
  agentid?: number;
  response_code: string;
  [field: string]: unknown;
}

export interface AppchatMessageBody {
  chatid: string;
  msgtype: string;
  [field: string]: unknown;
}

export interface WebhookMessageBody {
  msgtype: string;
  [field: string]: unknown;
}

export interface WeComClient {
  getAccessToken(): Promise<string>;
  /** Any token-authenticated method: POST when `body` is given, GET otherwise. */
  call(path: string, init?: { body?: unknown; query?: Query }): Promise<WeComResponse>;
  sendAppMessage(body: AppMessageBody): Promise<DeliveryResult>;
  updateTemplateCard(body: TemplateCardUpdateBody): Promise<DeliveryResult>;
  appchatSend(body: AppchatMessageBody): Promise<WeComResponse>;
  /** Group robot: `cgi-bin/webhook/send?key=KEY`, no token. */
  webhookSend(key: string, body: WebhookMessageBody): Promise<WeComResponse>;
  getUserIdByOAuthCode(code: string): Promise<OAuthUser>;
  getMedia(mediaId: string): Promise<MediaFile>;
  uploadMedia(file: { type: 'image' | 'voice' | 'video' | 'file'; filename: string; buffer: Buffer; contentType?: string }): Promise<{ mediaId: string }>;
}

type Answer = { kind: 'json'; data: WeComResponse } | { kind: 'file'; file: MediaFile };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const splitIds = (value: string | (string | number)[] | undefined): string[] =>
  (Array.isArray(value) ? value.map(String) : (value ?? '').split('|')).map((s) => s.trim()).filter((s) => s !== '');

/** `attachment; filename="a.jpg"` or `filename*=UTF-8''%E5%9B%BE.jpg`. */
function filenameFrom(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition);
  return plain?.[1]?.trim();
}

export function createWeComClient(options: WeComClientOptions): WeComClient {
  const apiBase = options.apiBase.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? realSleep;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 4;
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 8_000;
  const tokenMarginMs = (options.tokenMarginSeconds ?? 300) * 1000;
  const log = options.logger.child({ component: 'wecom-client' });

  let cached: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  function urlFor(spec: RequestSpec, token: string | undefined): string {
    const url = new URL(`${apiBase}/cgi-bin/${spec.path}`);
    if (token !== undefined) url.searchParams.set('access_token', token);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  /** One HTTP exchange. Never logs the URL: it carries the token, the secret or a webhook key. */
  async function once(spec: RequestSpec, token: string | undefined): Promise<Answer> {
    const init: RequestInit = { method: spec.method, signal: AbortSignal.timeout(timeoutMs) };
    if (spec.body instanceof FormData) init.body = spec.body;
    else if (spec.body !== undefined) {
      init.body = JSON.stringify(spec.body);
      init.headers = { 'content-type': 'application/json; charset=utf-8' };
    }
    let res: Response;
    let text: string | undefined;
    let buffer: Buffer | undefined;
    try {
      res = await doFetch(urlFor(spec, token), init);
      const contentType = res.headers.get('content-type') ?? '';
      // media/get answers the file itself, or JSON (sometimes labelled text/plain) with an errcode.
      if (spec.binary && res.ok && !/json|text\/plain/i.test(contentType)) buffer = Buffer.from(await res.arrayBuffer());
      else text = await res.text();
    } catch (err) {
      const message = (err as Error).name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (err as Error).message;
      throw new WeComApiError(ERRCODE_NETWORK, message, true, spec.path);
    }
    if (!res.ok) {
      const retryable = res.status >= 500 || res.status === 429;
      throw new WeComApiError(ERRCODE_HTTP, `HTTP ${res.status}`, retryable, spec.path, res.status);
    }
    if (buffer) {
      const filename = filenameFrom(res.headers.get('content-disposition'));
      const contentType = res.headers.get('content-type') ?? 'application/octet-stream';
      return { kind: 'file', file: { buffer, contentType, ...(filename ? { filename } : {}) } };
    }
    let json: unknown;
    try {
      json = JSON.parse(text ?? '');
    } catch {
      throw new WeComApiError(ERRCODE_BAD_RESPONSE, 'response is not JSON', false, spec.path, res.status);
    }
    const parsed = baseResponseSchema.safeParse(json);
    if (!parsed.success) throw new WeComApiError(ERRCODE_BAD_RESPONSE, 'response is not an object', false, spec.path, res.status);
    const errcode = parsed.data.errcode ?? 0;
    if (errcode !== 0) {
      throw new WeComApiError(errcode, parsed.data.errmsg ?? '', classifyErrcode(errcode) === 'transient', spec.path, res.status);
    }
    return { kind: 'json', data: parsed.data };
  }

  async function execute(spec: RequestSpec): Promise<Answer> {
    let refreshed = false;
    let failures = 0;
    for (;;) {
      const token = spec.auth ? await getAccessToken() : undefined;
      try {
        return await once(spec, token);
      } catch (err) {
        if (!(err instanceof WeComApiError)) throw err;
        if (spec.auth && TOKEN_INVALID.has(err.errcode) && !refreshed) {
          refreshed = true;
          // Only drop the token that failed: another call may already have a newer one.
          if (cached?.token === token) cached = undefined;
          log.info({ path: spec.path, errcode: err.errcode }, '企业微信 access_token 失效，重新获取一次');
          continue;
        }
        failures += 1;
        if (!err.retryable || failures >= maxAttempts) {
          log.warn({ path: spec.path, errcode: err.errcode, errmsg: err.errmsg, tries: failures }, '企业微信接口调用失败');
          throw err;
        }
        const delay = Math.min(backoffMs * 2 ** (failures - 1), maxBackoffMs);
        log.info({ path: spec.path, errcode: err.errcode, errmsg: err.errmsg, delay }, '企业微信接口调用失败，稍后重试');
        await sleep(delay);
      }
    }
  }

  async function json(spec: RequestSpec): Promise<WeComResponse> {
    const answer = await execute(spec);
    if (answer.kind !== 'json') throw new WeComApiError(ERRCODE_BAD_RESPONSE, 'unexpected file response', false, spec.path);
    return answer.data;
  }

  function shaped<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new WeComApiError(ERRCODE_BAD_RESPONSE, `unexpected response: ${parsed.error.message}`, false, path);
    return parsed.data;
  }

  async function fetchToken(): Promise<string> {
    if (!options.corpId || !options.secret) throw new AppError('internal', '未配置企业微信 CorpID 或 Secret');
    const response = await json({ method: 'GET', path: 'gettoken', query: { corpid: options.corpId, corpsecret: options.secret }, auth: false });
    const { access_token, expires_in } = shaped(tokenResponseSchema, response, 'gettoken');
    cached = { token: access_token, expiresAt: options.clock.now().getTime() + expires_in * 1000 - tokenMarginMs };
    log.info({ expiresIn: expires_in }, '已获取企业微信 access_token');
    return access_token;
  }

  async function getAccessToken(): Promise<string> {
    if (cached && options.clock.now().getTime() < cached.expiresAt) return cached.token;
    // Concurrent callers share one fetch: WeCom limits gettoken calls.
    inflight ??= fetchToken().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  const withAgent = <T extends { agentid?: number }>(body: T): T => {
    if (body.agentid !== undefined) return body;
    if (options.agentId === undefined) throw new AppError('internal', '未配置企业微信应用 AgentId');
    return { ...body, agentid: options.agentId };
  };

  const delivery = (response: WeComResponse, path: string): DeliveryResult => {
    const d = shaped(deliveryResponseSchema, response, path);
    return {
      invalidUsers: splitIds(d.invaliduser),
      invalidParties: splitIds(d.invalidparty),
      invalidTags: splitIds(d.invalidtag),
      unlicensedUsers: splitIds(d.unlicenseduser),
      ...(d.msgid ? { msgId: d.msgid } : {}),
      ...(d.response_code ? { responseCode: d.response_code } : {}),
    };
  };

  return {
    getAccessToken,

    call(path, init = {}) {
      return json({
        method: init.body === undefined ? 'GET' : 'POST',
        path,
        auth: true,
        ...(init.query ? { query: init.query } : {}),
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
    },

    async sendAppMessage(body) {
      const path = 'message/send';
      return delivery(await json({ method: 'POST', path, body: withAgent(body), auth: true }), path);
    },

    async updateTemplateCard(body) {
      const path = 'message/update_template_card';
      return delivery(await json({ method: 'POST', path, body: withAgent(body), auth: true }), path);
    },

    appchatSend(body) {
      return json({ method: 'POST', path: 'appchat/send', body, auth: true });
    },

    webhookSend(key, body) {
      return json({ method: 'POST', path: 'webhook/send', query: { key }, body, auth: false });
    },

    async getUserIdByOAuthCode(code) {
      const path = 'auth/getuserinfo';
      const u = shaped(userInfoResponseSchema, await json({ method: 'GET', path, query: { code }, auth: true }), path);
      const userId = u.userid ?? u.UserId;
      const openId = u.openid ?? u.OpenId;
      return {
        ...(userId ? { userId } : {}),
        ...(openId ? { openId } : {}),
        ...(u.external_userid ? { externalUserId: u.external_userid } : {}),
      };
    },

    async getMedia(mediaId) {
      const spec: RequestSpec = { method: 'GET', path: 'media/get', query: { media_id: mediaId }, auth: true, binary: true };
      const answer = await execute(spec);
      if (answer.kind !== 'file') throw new WeComApiError(ERRCODE_BAD_RESPONSE, 'expected a file, got JSON', false, spec.path);
      return answer.file;
    },

    async uploadMedia(file) {
      const path = 'media/upload';
      // fetch serialises a FormData afresh on each try, so one instance serves the retries too.
      const form = new FormData();
      form.append('media', new Blob([file.buffer], { type: file.contentType ?? 'application/octet-stream' }), file.filename);
      const response = await json({ method: 'POST', path, query: { type: file.type }, body: form, auth: true });
      return { mediaId: shaped(uploadResponseSchema, response, path).media_id };
    },
  };
}

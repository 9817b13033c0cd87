import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'koa';
import type { Clock } from '../clock';

/**
 * Who opened a page, kept in a signed cookie (no session store: several instances share nothing
 * but the secret). The cookie is HTTP-only and SameSite=Lax; its payload says whom and until when,
 * its HMAC says we wrote it. The OAuth round trip keeps its `state` in a second signed cookie, so a
 * code that comes back without the state we sent is refused.
 */

export const SESSION_COOKIE = 'hk_session';
export const OAUTH_COOKIE = 'hk_oauth';
export const SESSION_MAX_AGE_MS = 12 * 3600_000;
const OAUTH_MAX_AGE_MS = 10 * 60_000;

export interface Session {
  userid: string;
  /** Random per sign-in; the CSRF token of the forms is derived from it. */
  sid: string;
  /** Expiry, epoch ms. */
  exp: number;
}

export interface SessionManager {
  read(ctx: Context): Session | null;
  start(ctx: Context, userid: string): Session;
  clear(ctx: Context): void;
  csrfToken(session: Session): string;
  csrfValid(session: Session, token: unknown): boolean;
  /** Remembers a fresh OAuth `state` and where to go afterwards; returns the state to send. */
  beginOAuth(ctx: Context, next: string): string;
  /** The `next` path when `state` is the one we sent (once), else null. */
  finishOAuth(ctx: Context, state: unknown): string | null;
}

const b64 = (buf: Buffer | string): string => Buffer.from(buf).toString('base64url');

/** Only a path on this site: "/x", never "//host" or "http://…". */
export function safeNext(next: unknown, fallback = '/dashboard'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.length > 1000) return fallback;
  return next;
}

/**
 * This site as the user's browser sees it. When the request reaches us under PUBLIC_BASE_URL's
 * host, that URL says the scheme (a proxy in front usually ends TLS); otherwise the request itself
 * (behind a proxy with TRUST_PROXY, its X-Forwarded-* headers).
 */
export function siteOrigin(ctx: Context, publicBaseUrl?: string): string {
  if (publicBaseUrl) {
    try {
      const base = new URL(publicBaseUrl);
      if (base.host === ctx.host) return base.origin;
    } catch {
      // not a URL: fall through to the request's own
    }
  }
  return `${ctx.protocol}://${ctx.host}`;
}

export function createSessionManager(options: { secret: Buffer; clock: Clock; maxAgeMs?: number; publicBaseUrl?: string }): SessionManager {
  const maxAgeMs = options.maxAgeMs ?? SESSION_MAX_AGE_MS;
  const mac = (purpose: string, data: string): Buffer => createHmac('sha256', options.secret).update(`${purpose}\n${data}`).digest();

  const seal = (purpose: string, payload: unknown): string => {
    const body = b64(JSON.stringify(payload));
    return `${body}.${b64(mac(purpose, body))}`;
  };
  const open = (purpose: string, token: string | undefined): Record<string, unknown> | null => {
    if (!token || token.length > 2000) return null;
    const [body, sig, extra] = token.split('.');
    if (!body || !sig || extra !== undefined) return null;
    const given = Buffer.from(sig, 'base64url');
    const expected = mac(purpose, body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };

  const cookieOptions = (ctx: Context, maxAge: number, cookiePath = '/') => {
    // Secure whenever the user's browser speaks HTTPS, also behind a proxy that terminates TLS.
    const secure = ctx.secure || siteOrigin(ctx, options.publicBaseUrl).startsWith('https:') || /(^|,)\s*https\s*($|,)/i.test(ctx.get('x-forwarded-proto'));
    if (secure) ctx.cookies.secure = true;
    return { httpOnly: true, sameSite: 'lax' as const, secure, maxAge, path: cookiePath, overwrite: true };
  };

  return {
    read(ctx) {
      const p = open('session', ctx.cookies.get(SESSION_COOKIE));
      if (!p || typeof p.u !== 'string' || typeof p.s !== 'string' || typeof p.e !== 'number') return null;
      if (p.e <= options.clock.now().getTime()) return null;
      return { userid: p.u, sid: p.s, exp: p.e };
    },

    start(ctx, userid) {
      const session: Session = { userid, sid: b64(randomBytes(12)), exp: options.clock.now().getTime() + maxAgeMs };
      ctx.cookies.set(SESSION_COOKIE, seal('session', { u: session.userid, s: session.sid, e: session.exp }), cookieOptions(ctx, maxAgeMs));
      return session;
    },

    clear(ctx) {
      ctx.cookies.set(SESSION_COOKIE, '', { ...cookieOptions(ctx, 0), maxAge: 0 });
    },

    csrfToken: (session) => b64(mac('csrf', session.sid)),

    csrfValid(session, token) {
      if (typeof token !== 'string') return false;
      const given = Buffer.from(token);
      const expected = Buffer.from(b64(mac('csrf', session.sid)));
      return given.length === expected.length && timingSafeEqual(given, expected);
    },

    beginOAuth(ctx, next) {
      // WeCom takes a state of a-zA-Z0-9 only, at most 128 bytes: hex, 32 characters.
      const state = randomBytes(16).toString('hex');
      const exp = options.clock.now().getTime() + OAUTH_MAX_AGE_MS;
      ctx.cookies.set(OAUTH_COOKIE, seal('oauth', { s: state, n: safeNext(next), e: exp }), cookieOptions(ctx, OAUTH_MAX_AGE_MS, '/auth'));
      return state;
    },

    finishOAuth(ctx, state) {
      const p = open('oauth', ctx.cookies.get(OAUTH_COOKIE));
      ctx.cookies.set(OAUTH_COOKIE, '', { ...cookieOptions(ctx, 0, '/auth'), maxAge: 0 });
      if (!p || typeof p.s !== 'string' || typeof p.e !== 'number' || typeof state !== 'string') return null;
      if (p.e <= options.clock.now().getTime()) return null;
      const a = Buffer.from(p.s);
      const b = Buffer.from(state);
      if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
      return safeNext(p.n);
    },
  };
}

/**
 * The key that signs sessions. Derived from the secrets the town already configures (so every
 * instance agrees and nothing new must be set); with none of them, one is made once and kept
 * under DATA_DIR.
 */
export function resolveSessionSecret(options: { adminToken?: string | undefined; appSecret?: string | undefined; corpId?: string | undefined; dataDir: string }): Buffer {
  const material = [options.adminToken, options.appSecret, options.corpId].filter((v): v is string => Boolean(v));
  if (options.adminToken || options.appSecret) {
    return createHmac('sha256', 'yaocun-huitoukan-session-v1').update(material.join('\n')).digest();
  }
  const file = path.resolve(options.dataDir, 'session-secret');
  if (existsSync(file)) {
    const kept = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (kept.length >= 32) return kept;
  }
  const made = randomBytes(32);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, made.toString('hex'), { mode: 0o600 });
  return made;
}

import { randomBytes } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Directory } from '../org/directory';
import { AppError, isAppError, publicMessage } from '../errors';
import type { FindingDoc } from '../findings/finding.model';
import { html, type SafeHtml } from '../web/html';
import { noticePage } from '../web/layout.template';
import { bearerMatches } from './auth';
import { safeNext, siteOrigin, type Session, type SessionManager } from './session';

/**
 * Who is looking at a page: the admin token (scripts, the operator), or a member of the
 * organisation file signed in through WeCom OAuth. Pages without either send the browser to
 * WeCom's OAuth page (in simulator mode the simulator's member picker), which comes back to
 * /auth/wecom with a code.
 */
export type Viewer =
  | { kind: 'admin'; userid: null; name: string; leader: true; units: string[] }
  | { kind: 'member'; userid: string; name: string; leader: boolean; units: string[]; session: Session };

declare module 'koa' {
  interface DefaultState {
    viewer?: Viewer;
    /** CSP nonce of this response's inline script and style. */
    nonce?: string;
  }
}

export interface OAuthSettings {
  /** `https://open.weixin.qq.com/connect/oauth2/authorize`, or a path on this server (the simulator's picker). */
  authorizeUrl: string;
  corpId?: string;
  agentId?: number;
}

export interface WebAuth {
  viewer(ctx: Context): Viewer | null;
  /** For pages: the viewer, or off to OAuth (GET) / 401. */
  page(): (ctx: Context, next: Next) => Promise<void>;
  /** For JSON and form posts: the viewer, or 401. */
  api(): (ctx: Context, next: Next) => Promise<void>;
  /** Where the browser goes to sign in, with a fresh state remembered in a cookie. */
  oauthRedirect(ctx: Context, next: string): string;
}

export function createWebAuth(deps: {
  directory: Directory;
  sessions: SessionManager;
  adminToken: string | undefined;
  oauth: OAuthSettings;
  publicBaseUrl?: string;
}): WebAuth {
  const { directory, sessions } = deps;

  function viewer(ctx: Context): Viewer | null {
    if (ctx.get('authorization')) {
      return bearerMatches(ctx.get('authorization'), deps.adminToken) ? { kind: 'admin', userid: null, name: '管理员', leader: true, units: [] } : null;
    }
    const session = sessions.read(ctx);
    // Someone removed from the organisation file loses access at once, whatever the cookie says.
    if (!session || !directory.knows(session.userid)) return null;
    return {
      kind: 'member',
      userid: session.userid,
      name: directory.displayName(session.userid),
      leader: directory.isLeader(session.userid),
      units: directory.unitsOf(session.userid),
      session,
    };
  }

  function oauthRedirect(ctx: Context, next: string): string {
    if (!deps.oauth.corpId) throw new AppError('unavailable', '未配置企业微信自建应用，无法通过企业微信登录；请联系管理员');
    const state = sessions.beginOAuth(ctx, next);
    // The way back must reach the host the browser is on, or the state cookie would not come with it.
    const origin = siteOrigin(ctx, deps.publicBaseUrl);
    const url = new URL(deps.oauth.authorizeUrl, origin);
    // WeCom reads these in this order.
    url.search = new URLSearchParams({
      appid: deps.oauth.corpId,
      redirect_uri: `${origin}/auth/wecom`,
      response_type: 'code',
      scope: 'snsapi_base',
      ...(deps.oauth.agentId !== undefined ? { agentid: String(deps.oauth.agentId) } : {}),
      state,
    }).toString();
    url.hash = 'wechat_redirect';
    return url.toString();
  }

  return {
    viewer,
    oauthRedirect,
    page: () => async (ctx, next) => {
      const v = viewer(ctx);
      if (v) {
        ctx.state.viewer = v;
        return next();
      }
      if (ctx.get('authorization')) {
        ctx.set('WWW-Authenticate', 'Bearer');
        throw new AppError('unauthorized', '访问令牌无效');
      }
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new AppError('unauthorized', '登录已过期，请重新打开页面');
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(oauthRedirect(ctx, safeNext(ctx.originalUrl)));
    },
    api: () => async (ctx, next) => {
      const v = viewer(ctx);
      if (!v) {
        if (ctx.get('authorization')) ctx.set('WWW-Authenticate', 'Bearer');
        throw new AppError('unauthorized', '登录已过期，请重新打开页面');
      }
      ctx.state.viewer = v;
      return next();
    },
  };
}

export function viewerOf(ctx: Context): Viewer {
  const v = ctx.state.viewer;
  if (!v) throw new AppError('unauthorized', '请先登录');
  return v;
}

/** A rendered page, never cached (it shows one person's view of live data). */
export function sendPage(ctx: Context, markup: string): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = markup;
}

/** The header's "who is this" line. */
export function whoLine(v: Viewer): SafeHtml {
  return v.kind === 'admin' ? html`管理员令牌` : html`${v.name}${v.leader ? '（领导）' : ''} · <a href="/auth/logout">退出</a>`;
}

/** Leaders and the admin token see the whole town. */
export function seesEverything(v: Viewer): boolean {
  return v.kind === 'admin' || v.leader;
}

/** A finding's page and photos: leaders, the admin token, the reporter, and the people who answer for it. */
export function maySeeFinding(v: Viewer, f: Pick<FindingDoc, 'reporter' | 'departments' | 'village' | 'cadre'>, directory: Directory): boolean {
  if (seesEverything(v) || v.kind !== 'member') return true;
  return f.reporter === v.userid || f.cadre === v.userid || directory.isResponsible(v.userid, f.departments, f.village);
}

/** The Mongo condition for what a non-leader may list: their units' findings and their own reports. */
export function scopeQuery(v: Viewer): Record<string, unknown> | null {
  if (seesEverything(v) || v.kind !== 'member') return null;
  return { $or: [{ reporter: v.userid }, { cadre: v.userid }, ...(v.units.length ? [{ departments: { $in: v.units } }] : [])] };
}

/**
 * For page routers: a CSP nonce per response, security headers, and errors as a Chinese page
 * instead of JSON (JSON still for requests that ask for it).
 */
export function htmlPages() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const nonce = randomBytes(12).toString('base64');
    ctx.state.nonce = nonce;
    ctx.set('Content-Security-Policy', `default-src 'none'; img-src 'self' blob: data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'same-origin');
    try {
      await next();
    } catch (err) {
      const status = isAppError(err) ? err.status : 500;
      if (status >= 500) ctx.state.log?.error({ err }, '页面出错');
      else ctx.state.log?.info({ code: isAppError(err) ? err.code : undefined, msg: (err as Error).message }, '页面请求被拒绝');
      ctx.status = status;
      if (ctx.accepts('html', 'json') === 'json') {
        ctx.body = { error: { code: isAppError(err) ? err.code : 'internal', message: publicMessage(err) } };
        return;
      }
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = noticePage({ title: status === 401 ? '需要登录' : status === 403 ? '无权查看' : '出错了', message: publicMessage(err), nonce });
    }
  };
}

import Router from '@koa/router';
import type { Directory } from '../org/directory';
import { AppError } from '../errors';
import type { WeComClient } from '../wecom/wecom.client';
import { noticePage } from '../web/layout.template';
import type { SessionManager } from './session';
import { htmlPages } from './viewer';

/**
 * GET /auth/wecom?code&state — where WeCom's OAuth page (snsapi_base) sends people back. The state
 * must be the one this browser was given; the code becomes a userid through auth/getuserinfo; only
 * members of the organisation file get a session.
 * GET /auth/logout — ends the session.
 */
export function createOAuthRouter(deps: { directory: Directory; sessions: SessionManager; client: Pick<WeComClient, 'getUserIdByOAuthCode'> }): Router {
  const router = new Router({ prefix: '/auth' });
  router.use(htmlPages());

  router.get('/wecom', async (ctx) => {
    const next = deps.sessions.finishOAuth(ctx, ctx.query.state);
    if (!next) throw new AppError('bad_request', '登录链接已失效或不是本页面发起的，请从企业微信重新打开。');
    const code = typeof ctx.query.code === 'string' ? ctx.query.code.trim() : '';
    if (!code || code.length > 512) throw new AppError('unauthorized', '企业微信没有返回授权码，请从企业微信工作台重新打开。');
    const user = await deps.client.getUserIdByOAuthCode(code).catch((err: unknown) => {
      ctx.state.log.warn({ err }, '网页授权 code 换取身份失败');
      throw new AppError('unauthorized', '企业微信登录失败（授权码无效或已过期），请重新打开页面。');
    });
    if (!user.userId) throw new AppError('forbidden', '仅限本单位企业微信成员使用。');
    if (!deps.directory.knows(user.userId)) {
      throw new AppError('forbidden', '您还不在本镇“回头看”工作人员名单中，请联系镇扶贫办添加后再使用。');
    }
    deps.sessions.start(ctx, user.userId);
    ctx.state.log.info({ userid: user.userId }, '已通过企业微信网页授权登录');
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(next);
  });

  router.get('/logout', (ctx) => {
    deps.sessions.clear(ctx);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = noticePage({ title: '已退出', message: '已退出登录。', nonce: ctx.state.nonce ?? '', tone: 'ok', links: [{ href: '/dashboard', text: '重新进入' }] });
  });

  return router;
}

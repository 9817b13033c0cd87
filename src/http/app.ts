import '../validation';
import Router from '@koa/router';
import Koa from 'koa';
import { randomUUID } from 'node:crypto';
import { isAppError, publicMessage } from '../errors';
import type { Logger } from '../logger';
import { rateLimit, type RateRule } from './rate-limit';

export interface AppDeps {
  logger: Logger;
  /** Whether the database answers now. */
  databaseReady(): Promise<boolean>;
  /** Why WeCom refuses messages now (they wait meanwhile), or null. */
  degraded?(): Promise<string | null>;
  /** Feature routers, mounted in order. */
  routers?: Router[];
  /** Per-address request budgets; defaults to DEFAULT_RATE_RULES. */
  rateRules?: RateRule[];
  /** Take the client address from X-Forwarded-For (only behind a reverse proxy). */
  trustProxy?: boolean;
}

declare module 'koa' {
  interface DefaultState {
    log: Logger;
  }
}

/** Builds the Koa app without listening, so tests run the real app on port 0. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: deps.trustProxy ?? false });
  app.silent = true;

  // The one error sink for HTTP: people get a short Chinese message, logs get the detail.
  app.use(async (ctx, next) => {
    // The request's own logger is made when something logs (most requests log nothing).
    let child: Logger | undefined;
    const log = (): Logger => (child ??= deps.logger.child({ reqId: randomUUID().slice(0, 8) }));
    Object.defineProperty(ctx.state, 'log', { get: log, enumerable: true, configurable: true });
    const started = performance.now();
    try {
      await next();
    } catch (err) {
      const status = isAppError(err) ? err.status : 500;
      ctx.status = status;
      ctx.body = { error: { code: isAppError(err) ? err.code : 'internal', message: publicMessage(err) } };
      if (status >= 500) log().error({ err }, '请求出错');
      else log().info({ code: isAppError(err) ? err.code : undefined, msg: (err as Error).message }, '请求被拒绝');
    } finally {
      if (deps.logger.isLevelEnabled('debug')) log().debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, '请求');
    }
  });

  app.use(rateLimit(deps.rateRules));

  const health = new Router();
  health.get('/healthz', async (ctx) => {
    const ok = await deps.databaseReady();
    ctx.status = ok ? 200 : 503;
    if (!ok) {
      ctx.body = { ok: false, error: '数据库不可用' };
      return;
    }
    // Still 200: the bot works and keeps what WeCom refuses; the reason is for whoever watches.
    const degraded = await deps.degraded?.().catch(() => null);
    ctx.body = degraded ? { ok: true, degraded } : { ok: true };
  });
  app.use(health.routes());

  for (const router of deps.routers ?? []) {
    app.use(router.routes()).use(router.allowedMethods());
  }
  return app;
}

import type { Context, Next } from 'koa';
import { AppError } from '../errors';

export interface RateRule {
  /** Path prefix the rule covers; the first matching rule applies. */
  prefix: string;
  /** Requests per window per client address. */
  limit: number;
  windowMs: number;
  /**
   * Count only requests that were refused (4xx): a good request always goes through. For WeCom's
   * callbacks, which come from a handful of WeCom addresses and are checked by signature anyway.
   */
  failuresOnly?: boolean;
}

/** What strangers can reach gets a per-address budget; WeCom's own servers stay well inside it. */
export const DEFAULT_RATE_RULES: RateRule[] = [
  { prefix: '/healthz', limit: 0, windowMs: 60_000 }, // monitors: unlimited
  { prefix: '/sim', limit: 0, windowMs: 60_000 }, // simulator mode only: the bot's own calls and the page's polling
  // A busy town sends more than 600 a minute from one WeCom address: only forged or malformed ones count.
  { prefix: '/wecom/', limit: 600, windowMs: 60_000, failuresOnly: true },
  { prefix: '/api/', limit: 600, windowMs: 60_000 },
  { prefix: '/export/', limit: 30, windowMs: 60_000 },
  { prefix: '/', limit: 300, windowMs: 60_000 },
];

/**
 * Fixed-window counting per (rule, address), in memory: each instance limits what reaches it.
 * The time source is monotonic, not the wall clock.
 */
export function rateLimit(rules: RateRule[] = DEFAULT_RATE_RULES, now: () => number = () => performance.now()) {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();

  return async (ctx: Context, next: Next): Promise<void> => {
    const rule = rules.find((r) => ctx.path.startsWith(r.prefix));
    if (!rule || rule.limit === 0) return next();
    const t = now();
    if (t - lastSweep > 60_000) {
      for (const [k, w] of windows) if (t - w.start > rule.windowMs * 2) windows.delete(k);
      lastSweep = t;
    }
    const key = `${rule.prefix}|${ctx.ip}`;
    let w = windows.get(key);
    if (!w || t - w.start >= rule.windowMs) {
      w = { start: t, count: 0 };
      windows.set(key, w);
    }
    const refuse = (): never => {
      ctx.set('Retry-After', String(Math.ceil((rule.windowMs - (t - w.start)) / 1000)));
      throw new AppError('rate_limited', '请求过于频繁，请稍后再试');
    };
    if (rule.failuresOnly) {
      // Checked first, counted after: over the budget, a refused request is answered 429 instead.
      try {
        await next();
      } catch (err) {
        const status = (err as { status?: number }).status ?? 500;
        if (status >= 400 && status < 500 && ++w.count > rule.limit) refuse();
        throw err;
      }
      return;
    }
    w.count++;
    if (w.count > rule.limit) refuse();
    await next();
  };
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { AppError } from '../errors';

/** `Authorization: Bearer $ADMIN_TOKEN`, compared in constant time. Without a configured token nothing passes. */
export function bearerMatches(header: string | undefined, adminToken: string | undefined): boolean {
  if (!adminToken || !header) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) return false;
  const a = createHash('sha256').update(m[1]!).digest();
  const b = createHash('sha256').update(adminToken).digest();
  return timingSafeEqual(a, b);
}

export function requireAdminToken(adminToken: string | undefined) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!bearerMatches(ctx.get('authorization'), adminToken)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new AppError('unauthorized', adminToken ? '需要有效的访问令牌' : '未配置 ADMIN_TOKEN，此接口不可用');
    }
    await next();
  };
}

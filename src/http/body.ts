import type { Context } from 'koa';
import { AppError } from '../errors';

/** Reads the request body as text, refusing more than `limit` bytes before reading it all. */
export async function readTextBody(ctx: Context, limit = 64 * 1024): Promise<string> {
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limit) throw new AppError('payload_too_large', `请求内容超过 ${Math.round(limit / 1024)} KB`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      ctx.req.destroy();
      throw new AppError('payload_too_large', `请求内容超过 ${Math.round(limit / 1024)} KB`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a JSON body; anything that is not JSON is a readable 400. */
export async function readJsonBody(ctx: Context, limit = 64 * 1024): Promise<unknown> {
  const text = await readTextBody(ctx, limit);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('bad_request', '请求内容不是有效的 JSON');
  }
}

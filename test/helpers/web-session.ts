import type { TestService } from './service';

/** A 1×1 PNG: a real image by its bytes. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
/** The first bytes of a JPEG, enough for the type check. */
export const TINY_JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(64, 1), Buffer.from([0xff, 0xd9])]);

/** `name=value` pairs of a response's Set-Cookie headers. */
export function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const i = pair!.indexOf('=');
    out[pair!.slice(0, i).trim()] = pair!.slice(i + 1).trim();
  }
  return out;
}

/**
 * Signs `userid` in the way a browser inside WeCom does: open a page, follow the redirect to the
 * OAuth page (its state in a cookie), come back to /auth/wecom with a code the fake WeCom issued.
 * Returns the Cookie header of the session.
 */
export async function signIn(t: TestService, userid: string, page = '/dashboard'): Promise<string> {
  const first = await fetch(`${t.base}${page}`, { redirect: 'manual' });
  if (first.status !== 302) throw new Error(`expected a redirect to OAuth, got ${first.status}`);
  const oauth = new URL(first.headers.get('location')!);
  const state = oauth.searchParams.get('state')!;
  const redirect = new URL(oauth.searchParams.get('redirect_uri')!);
  const jar = cookiesOf(first);
  redirect.searchParams.set('code', t.wecom.issueOAuthCode(userid));
  redirect.searchParams.set('state', state);
  const back = await fetch(redirect, { redirect: 'manual', headers: { cookie: `hk_oauth=${jar.hk_oauth}` } });
  if (back.status !== 302) throw new Error(`sign-in failed: ${back.status} ${await back.text()}`);
  const session = cookiesOf(back).hk_session;
  if (!session) throw new Error('no session cookie');
  return `hk_session=${session}`;
}

import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A stand-in for WeCom's server API on a local port, for integration tests: it answers the
 * calls the bot makes (gettoken, message/send, update_template_card, appchat/send, webhook/send)
 * and records what each group and person received. It can be taken down and brought back.
 */
export interface Received {
  api: string;
  /** webhook key, appchat chatid, or touser as sent */
  to: string;
  body: Record<string, unknown>;
  /** The text a person would read (markdown or text content, or the card's title). */
  content: string;
}

export interface FakeWeCom {
  base: string;
  received: Received[];
  /** Requests answered with an error while down (HTTP 500 by default). */
  refused: number;
  setDown(down: boolean | { errcode: number }): void;
  toWebhook(key: string): Received[];
  toUser(userid: string): Received[];
  clear(): void;
  close(): Promise<void>;
  /**
   * OAuth: who WeCom's page at `$base/connect/oauth2/authorize` signs in as (it redirects to
   * redirect_uri with a code and the state); null refuses. auth/getuserinfo turns a code into
   * that userid, once.
   */
  signInAs(userid: string | null): void;
  /** A code as the OAuth page would hand out, for tests that call the redirect_uri themselves. */
  issueOAuthCode(userid: string): string;
  /** What the OAuth page was asked (each request's query parameters). */
  oauthRequests: URLSearchParams[];
  /** A file media/get answers for this media_id. */
  putMedia(mediaId: string, buffer: Buffer, contentType?: string): void;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function contentOf(body: Record<string, unknown>): string {
  const pick = (k: string): string | undefined => (body[k] as { content?: string } | undefined)?.content;
  const card = body.template_card as { main_title?: { title?: string } } | undefined;
  const button = body.button as { replace_name?: string } | undefined;
  return pick('markdown') ?? pick('text') ?? card?.main_title?.title ?? button?.replace_name ?? '';
}

export async function startFakeWeCom(): Promise<FakeWeCom> {
  const received: Received[] = [];
  let down: false | true | { errcode: number } = false;
  let refused = 0;
  let oauthUser: string | null = null;
  let codeSeq = 0;
  const oauthCodes = new Map<string, string>();
  const oauthRequests: URLSearchParams[] = [];
  const media = new Map<string, { buffer: Buffer; contentType: string }>();
  const issueOAuthCode = (userid: string): string => {
    const code = `FAKECODE${++codeSeq}`;
    oauthCodes.set(code, userid);
    return code;
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = req.method === 'POST' ? await readBody(req) : '';
    const reply = (status: number, json: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (url.pathname === '/connect/oauth2/authorize') {
      oauthRequests.push(url.searchParams);
      const back = url.searchParams.get('redirect_uri');
      if (!back || !oauthUser) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
        return res.end('fake oauth: nobody to sign in as');
      }
      const target = new URL(back);
      target.searchParams.set('code', issueOAuthCode(oauthUser));
      target.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: target.toString() });
      return res.end();
    }
    if (down) {
      refused++;
      if (down === true) return reply(500, { errcode: -1, errmsg: 'system busy' });
      return reply(200, { errcode: down.errcode, errmsg: 'refused by fake' });
    }
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const path = url.pathname.replace(/^\/cgi-bin\//, '');
    switch (path) {
      case 'gettoken':
        return reply(200, { errcode: 0, errmsg: 'ok', access_token: 'FAKE_TOKEN', expires_in: 7200 });
      case 'message/send':
        received.push({ api: path, to: String(body.touser ?? ''), body, content: contentOf(body) });
        return reply(200, { errcode: 0, errmsg: 'ok', invaliduser: '', msgid: `m${received.length}` });
      case 'message/update_template_card':
        received.push({ api: path, to: String(body.response_code ?? ''), body, content: contentOf(body) });
        return reply(200, { errcode: 0, errmsg: 'ok', invaliduser: '' });
      case 'appchat/send':
        received.push({ api: path, to: String(body.chatid ?? ''), body, content: contentOf(body) });
        return reply(200, { errcode: 0, errmsg: 'ok' });
      case 'aibot/response': // a smart bot's response_url
        received.push({ api: path, to: url.searchParams.get('response_code') ?? '', body, content: contentOf(body) });
        return reply(200, { errcode: 0, errmsg: 'ok' });
      case 'auth/getuserinfo': {
        const code = url.searchParams.get('code') ?? '';
        const userid = oauthCodes.get(code);
        oauthCodes.delete(code);
        return userid ? reply(200, { errcode: 0, errmsg: 'ok', userid }) : reply(200, { errcode: 40029, errmsg: 'invalid code' });
      }
      case 'media/get': {
        const file = media.get(url.searchParams.get('media_id') ?? '');
        if (!file) return reply(200, { errcode: 40007, errmsg: 'invalid media_id' });
        res.writeHead(200, { 'content-type': file.contentType, 'content-disposition': 'attachment; filename="photo.jpg"' });
        return res.end(file.buffer);
      }
      case 'webhook/send':
        received.push({ api: path, to: url.searchParams.get('key') ?? '', body, content: contentOf(body) });
        return reply(200, { errcode: 0, errmsg: 'ok' });
      default:
        return reply(404, { errcode: 404, errmsg: `fake has no ${path}` });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    base: `http://127.0.0.1:${port}`,
    received,
    get refused() {
      return refused;
    },
    setDown(value) {
      down = value;
    },
    signInAs(userid) {
      oauthUser = userid;
    },
    issueOAuthCode,
    oauthRequests,
    putMedia(mediaId, buffer, contentType = 'image/jpeg') {
      media.set(mediaId, { buffer, contentType });
    },
    toWebhook: (key) => received.filter((r) => r.api === 'webhook/send' && r.to === key),
    toUser: (userid) => received.filter((r) => r.api === 'message/send' && r.to.split('|').includes(userid)),
    clear: () => {
      received.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

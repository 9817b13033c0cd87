import Koa from 'koa';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { systemClock, type Clock } from '../../src/clock';
import { createWeComApiRouter, type Delivery, type RefusedCall, type WeComApp, type WeComBackend } from '../../src/simulator/wecom-api.routes';
import { createWeComState, type AppChat, type WeComState, type WeComStateOptions, type WeComSwitches } from '../../src/simulator/wecom-rules';
import { TEST_APP } from './wecom-signer';

/**
 * The strict WeCom (src/simulator/wecom-rules.ts, the same rules /sim answers with) on a local
 * port, for integration tests: it answers the calls the bot makes and records what each group and
 * person received, what WeCom refused (with its errcode) and what it dropped without a word. Its
 * switches and its corp (visible range, licences, chats the app created) are set from the test.
 * It can also be taken down (HTTP 500 or an errcode for every call) and brought back.
 */
export interface Received {
  api: string;
  /** webhook key, appchat chatid, response_code, or the people it reached (`a|b`). */
  to: string;
  body: Record<string, unknown>;
  /** The text a person would read (markdown or text content, or the card's title). */
  content: string;
  /** A button card's response_code, as message/send returned it. */
  responseCode?: string;
}

export interface FakeWeComOptions {
  /** Rate windows and token expiry follow this clock (the bot's, in tests); default the system's. */
  clock?: Clock;
  /** The app the fake serves; default the test app (TEST_APP.corpId, secret 'test-secret', agent 1000002). */
  app?: Partial<WeComApp>;
  /** Who exists in the corp; default anyone asked about. */
  users?: string[] | 'any';
  switches?: Partial<WeComSwitches>;
}

export interface FakeWeCom {
  base: string;
  /** What WeCom accepted, in order. */
  received: Received[];
  /** Calls WeCom refused, with the errcode and errmsg it answered (not those refused by setDown). */
  refusals: RefusedCall[];
  /** Messages WeCom answered ok for but did not deliver (a member over 30 a minute or 1,000 an hour). */
  dropped: Received[];
  /** Requests answered with an error while down (setDown). */
  refused: number;
  /** The corp's state: switches, visible range, licences, chats the app created. */
  state: WeComState;
  setSwitches(change: Partial<WeComSwitches>): void;
  /** The app's visible range (default everyone). */
  setVisible(users: string[] | 'everyone'): void;
  /** Members without an account licence: WeCom lists them in unlicenseduser. */
  setUnlicensed(users: string[]): void;
  /** A chat as `appchat/create` by this app would make it (e.g. by `cli groups create` earlier). */
  createChat(chat: { chatid: string; userlist: string[]; name?: string; owner?: string }): AppChat;
  /** The response_code WeCom puts in a card-click event: update_template_card accepts it once. */
  issueClickCode(code?: string): string;
  setDown(down: boolean | { errcode: number }): void;
  toWebhook(key: string): Received[];
  toUser(userid: string): Received[];
  toChat(chatid: string): Received[];
  /** Refusals of one errcode. */
  refusedWith(errcode: number): RefusedCall[];
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

export const TEST_SECRET = 'test-secret';
export const TEST_AGENT_ID = 1000002;

export async function startFakeWeCom(options: FakeWeComOptions = {}): Promise<FakeWeCom> {
  const clock = options.clock ?? systemClock;
  const app: WeComApp = { corpId: TEST_APP.corpId, secret: TEST_SECRET, agentId: TEST_AGENT_ID, name: '回头看', ...options.app };
  const stateOptions: WeComStateOptions = { clock, users: options.users ?? 'any', ...(options.switches ? { switches: options.switches } : {}) };
  const state = createWeComState(stateOptions);
  const received: Received[] = [];
  const refusals: RefusedCall[] = [];
  const dropped: Received[] = [];
  let down: false | true | { errcode: number } = false;
  let refused = 0;
  let oauthUser: string | null = null;
  const oauthCodes = new Map<string, string>();
  const oauthRequests: URLSearchParams[] = [];
  const media = new Map<string, { data: Buffer; contentType: string; filename: string }>();
  /** response_codes WeCom handed out (card sends and clicks), each usable once. */
  const cardCodes = new Set<string>();
  const usedBotCodes = new Set<string>();
  const newCode = (prefix: string): string => `${prefix}${randomBytes(8).toString('hex')}`;
  const issueOAuthCode = (userid: string): string => {
    const code = newCode('FAKECODE');
    oauthCodes.set(code, userid);
    return code;
  };
  const asReceived = (d: Delivery, to: string): Received => ({ api: d.api, to, body: d.body, content: d.readable.content });

  const backend: WeComBackend = {
    async deliver(d) {
      if (!(d.api === 'message/send' && d.readable.card)) {
        received.push(asReceived(d, d.to.join('|')));
        return { msgid: newCode('msg') };
      }
      const responseCode = newCode('RC');
      cardCodes.add(responseCode);
      received.push({ ...asReceived(d, d.to.join('|')), responseCode });
      return { msgid: newCode('msg'), responseCode };
    },
    async dropped(d) {
      dropped.push(asReceived(d, d.to.join('|')));
    },
    async refused(call) {
      refusals.push(call);
    },
    async updateCard(code, update) {
      if (!cardCodes.delete(code)) return false;
      const title = (update.body.template_card as { main_title?: { title?: string } } | undefined)?.main_title?.title;
      received.push({ api: 'message/update_template_card', to: code, body: update.body, content: update.replaceName ?? title ?? '' });
      return true;
    },
    async botResponse(code, d) {
      // The fake did not hand these out (tests build the callbacks): each is good once.
      if (code === '' || usedBotCodes.has(code)) return false;
      usedBotCodes.add(code);
      received.push(asReceived(d, code));
      return true;
    },
    async oauthUser(code) {
      const userid = oauthCodes.get(code) ?? null;
      oauthCodes.delete(code);
      return userid;
    },
    async putMedia(file) {
      const id = newCode('MEDIA');
      media.set(id, { data: file.data, contentType: file.contentType, filename: file.filename });
      return id;
    },
    getMedia: async (id) => media.get(id) ?? null,
    name: (userid) => userid,
  };

  const koa = new Koa();
  koa.use(async (ctx, next) => {
    if (ctx.path === '/connect/oauth2/authorize') {
      const params = new URLSearchParams(ctx.querystring);
      oauthRequests.push(params);
      const back = params.get('redirect_uri');
      if (!back || !oauthUser) {
        ctx.status = 403;
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = 'fake oauth: nobody to sign in as';
        return;
      }
      const target = new URL(back);
      target.searchParams.set('code', issueOAuthCode(oauthUser));
      target.searchParams.set('state', params.get('state') ?? '');
      ctx.redirect(target.toString());
      return;
    }
    if (down) {
      refused++;
      ctx.status = down === true ? 500 : 200;
      ctx.body = down === true ? { errcode: -1, errmsg: 'system busy' } : { errcode: down.errcode, errmsg: 'refused by fake' };
      return;
    }
    await next();
  });
  koa.use(createWeComApiRouter({ prefix: '/cgi-bin', botResponsePath: '/aibot/response', app, state, backend, clock }).routes());

  const server: Server = await new Promise((resolve) => {
    const s = koa.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    base: `http://127.0.0.1:${port}`,
    received,
    refusals,
    dropped,
    get refused() {
      return refused;
    },
    state,
    setSwitches: (change) => state.setSwitches(change),
    setVisible: (users) => state.setVisible(users),
    setUnlicensed: (users) => state.setUnlicensed(users),
    createChat(chat) {
      const made = state.appchatCreate({ ...chat });
      if ('errcode' in made) throw new Error(`fake WeCom refused appchat/create: ${made.errcode} ${made.errmsg}`);
      return made;
    },
    issueClickCode(code) {
      const c = code ?? newCode('RC');
      cardCodes.add(c);
      return c;
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
      media.set(mediaId, { data: buffer, contentType, filename: 'photo.jpg' });
    },
    toWebhook: (key) => received.filter((r) => r.api === 'webhook/send' && r.to === key),
    toUser: (userid) => received.filter((r) => r.api === 'message/send' && r.to.split('|').includes(userid)),
    toChat: (chatid) => received.filter((r) => r.api === 'appchat/send' && r.to === chatid),
    refusedWith: (errcode) => refusals.filter((r) => r.errcode === errcode),
    clear: () => {
      received.length = 0;
      refusals.length = 0;
      dropped.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import { readJsonBody } from '../http/body';
import type { SimCallbacks } from './sim-callbacks';
import type { SimMessageDoc } from './sim-message.model';
import type { SimMessageRepository } from './sim-message.repository';
import { messageRow, simPage } from './sim-page';
import { escapeHtml, renderMessage, type RenderedMessage } from './sim-render';
import type { SimOrg } from './sim-org';
import type { RefusedCall } from './wecom-api.routes';
import { errcodeWords, type WeComState } from './wecom-rules';

/**
 * The simulator's own pages and JSON (what the /sim page and the end-to-end tests use):
 *
 *   GET  /sim                         the page
 *   GET  /sim/state?after=REV         { rev, org?, items: [RenderedMessage & { row }] } changed after REV
 *   POST /sim/say   {from, text, conv?, bot?}   a member writes (to the app, or in a group)
 *   POST /sim/click {from, seq, key}            a member clicks a card button
 *   GET  /sim/admin                   { switches, refusals } WeCom's switches and its latest refusals
 *   POST /sim/admin {ipNotTrusted?, callbackConfigured?, invalidUserAs?, hidden?, unlicensed?}   flips switches
 *   GET  /sim/connect/oauth2/authorize?redirect_uri&state   WeCom's OAuth page: a member picker
 */

export const SIM_OAUTH_AUTHORIZE_PATH = '/sim/connect/oauth2/authorize';

export interface SimRoutesDeps {
  town: string;
  repo: SimMessageRepository;
  simOrg: SimOrg;
  callbacks: SimCallbacks;
  clock: Clock;
  botName: string;
  wecom: WeComState;
  refusals(): RefusedCall[];
}

const saySchema = z
  .object({
    from: z.string({ error: 'from 必须是成员 userid' }).min(1).max(64),
    text: z.string({ error: 'text 必须是文字' }).min(1, '消息不能为空').max(2000, '消息过长（最多 2000 字）'),
    conv: z.string().max(300).optional(),
    bot: z.boolean().optional(),
  })
  .strict();

const memberList = z.array(z.string().min(1).max(64)).max(2000);
const adminSchema = z
  .object({
    ipNotTrusted: z.boolean(),
    callbackConfigured: z.boolean(),
    invalidUserAs: z.enum(['string', 'array']),
    /** Members taken out of the app's visible range. */
    hidden: memberList,
    /** Members without an account licence. */
    unlicensed: memberList,
  })
  .partial()
  .strict();

const clickSchema = z.object({ from: z.string().min(1).max(64), seq: z.number().int().positive(), key: z.string().min(1).max(1024) }).strict();

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  // The messages name what is wrong in words, never the field (the page shows them as they are).
  if (!result.success) throw new AppError('bad_request', result.error.issues.map((i) => i.message).join('；'));
  return result.data;
}

export function createSimRouter(deps: SimRoutesDeps): Router {
  const { repo, simOrg } = deps;
  const name = (userid: string): string => simOrg.member(userid)?.name ?? userid;

  /** Each message once per conversation it is in, as that conversation shows it. */
  const rendered = (messages: SimMessageDoc[]): (RenderedMessage & { row: string })[] =>
    messages.flatMap((m) =>
      m.convs.map((conv) => {
        const r = renderMessage(m, conv, name);
        return { ...r, row: messageRow(r) };
      }),
    );
  const maxRev = (messages: SimMessageDoc[], after: number): number => messages.reduce((max, m) => Math.max(max, m.rev), after);

  const router = new Router({ prefix: '/sim' });

  router.get('/', async (ctx) => {
    const messages = await repo.list();
    const rowsByConv = new Map<string, string[]>();
    for (const r of rendered([...messages].sort((a, b) => a.seq - b.seq))) rowsByConv.set(r.conv, [...(rowsByConv.get(r.conv) ?? []), r.row]);
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = simPage({ town: deps.town, org: simOrg, rowsByConv, rev: maxRev(messages, 0), botName: deps.botName, switches: deps.wecom.switches, hidden, unlicensed });
  });

  router.get('/state', async (ctx) => {
    const after = Number(ctx.query.after ?? 0) || 0;
    const messages = await repo.list({ afterRev: after });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      rev: maxRev(messages, after),
      ...(after === 0 ? { org: { groups: simOrg.groups, members: simOrg.members } } : {}),
      items: rendered(messages),
    };
  });

  router.post('/say', async (ctx) => {
    const input = parse(saySchema, await readJsonBody(ctx));
    const conv = input.conv ?? `u:${input.from}`;
    let message: SimMessageDoc;
    if (conv.startsWith('g:')) message = await deps.callbacks.sayInGroup(input.from, conv, input.text, input.bot ?? true);
    else if (conv === `u:${input.from}`) message = await deps.callbacks.say(input.from, input.text);
    else throw new AppError('bad_request', '只能以本人身份在自己与应用的单聊里发消息');
    ctx.body = { ok: message.callbackStatus === null || message.callbackStatus === 200, seq: message.seq, callbackStatus: message.callbackStatus };
  });

  router.post('/click', async (ctx) => {
    const input = parse(clickSchema, await readJsonBody(ctx));
    const { callbackStatus } = await deps.callbacks.click(input.from, input.seq, input.key);
    ctx.body = { ok: callbackStatus === 200, callbackStatus };
  });

  /** The admin panel: WeCom's switches, who is hidden or unlicensed, and the latest refusals, in words. */
  let hidden: string[] = [];
  let unlicensed: string[] = [];
  const adminState = () => ({
    switches: deps.wecom.switches,
    hidden,
    unlicensed,
    refusals: deps.refusals().map((r) => ({ at: r.at.toISOString(), api: r.api, to: r.to, errcode: r.errcode, words: errcodeWords(r.errcode) })),
  });

  router.get('/admin', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = adminState();
  });

  router.post('/admin', async (ctx) => {
    const { hidden: hide, unlicensed: unlicense, ...switches } = parse(adminSchema, await readJsonBody(ctx));
    const unknown = [...(hide ?? []), ...(unlicense ?? [])].filter((u) => !simOrg.member(u));
    if (unknown.length) throw new AppError('bad_request', `组织文件中没有成员 ${unknown.join('、')}`);
    deps.wecom.setSwitches(switches);
    if (hide) {
      hidden = [...new Set(hide)];
      deps.wecom.setVisible(simOrg.members.map((m) => m.userid).filter((u) => !hidden.includes(u)));
    }
    if (unlicense) {
      unlicensed = [...new Set(unlicense)];
      deps.wecom.setUnlicensed(unlicensed);
    }
    ctx.body = adminState();
  });

  router.get('/connect/oauth2/authorize', (ctx) => {
    const redirect = safeRedirect(ctx, ctx.query.redirect_uri);
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const pick = (userid: string): string =>
      `/sim/connect/oauth2/pick?${new URLSearchParams({ userid, redirect_uri: redirect.toString(), state }).toString()}`;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>选择身份 · 企业微信模拟器</title><style>body{font:16px/1.5 sans-serif;margin:0;background:#ededed}header{background:#b71c1c;color:#fff;padding:10px 14px}
a{display:block;background:#fff;margin:1px 0;padding:12px 14px;color:#222;text-decoration:none}small{color:#888;display:block}</style></head><body>
<header><b>模拟模式</b> 企业微信授权登录：请选择以哪位成员的身份打开</header>
${simOrg.members.map((m) => `<a href="${escapeHtml(pick(m.userid))}">${escapeHtml(m.name)}<small>${escapeHtml(m.roles.join('；') || '成员')}</small></a>`).join('')}
</body></html>`;
  });

  router.get('/connect/oauth2/pick', async (ctx) => {
    const redirect = safeRedirect(ctx, ctx.query.redirect_uri);
    const userid = typeof ctx.query.userid === 'string' ? ctx.query.userid : '';
    if (!simOrg.member(userid)) throw new AppError('bad_request', '组织文件中没有该成员');
    const code = await repo.issueCode('oauth', { userid }, deps.clock.now());
    redirect.searchParams.set('code', code);
    if (typeof ctx.query.state === 'string' && ctx.query.state !== '') redirect.searchParams.set('state', ctx.query.state);
    ctx.redirect(redirect.toString());
  });

  return router;
}

/** Only back to this server (or loopback): the picker must not become an open redirect. */
function safeRedirect(ctx: Context, value: unknown): URL {
  if (typeof value !== 'string' || value === '') throw new AppError('bad_request', '缺少 redirect_uri');
  let url: URL;
  try {
    url = new URL(value, `${ctx.protocol}://${ctx.host}`);
  } catch {
    throw new AppError('bad_request', 'redirect_uri 不是有效地址');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (!/^https?:$/.test(url.protocol) || !(url.host === ctx.host || loopback)) throw new AppError('bad_request', 'redirect_uri 只能指向本服务');
  return url;
}

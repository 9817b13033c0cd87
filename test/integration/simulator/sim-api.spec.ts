import { expect } from 'chai';
import type { Server } from 'node:http';
import type { Connection } from 'mongoose';
import { loadOrgConfig } from '../../../config/org';
import { FixedClock } from '../../../src/clock';
import { openDatabase } from '../../../src/db/connection';
import { createApp } from '../../../src/http/app';
import { silentLogger } from '../../../src/logger';
import { createSimulator, type Simulator } from '../../../src/simulator/simulator';
import { createWeComClient, WeComApiError, type WeComClient } from '../../../src/wecom/wecom.client';
import { freshDatabaseUri } from '../../helpers/database';

// The simulator's WeCom API, driven by the bot's own WeCom client: what the bot calls must work
// against it exactly as against WeCom, including WeCom's refusals.
describe('simulator: the WeCom API the bot calls', () => {
  let connection: Connection;
  let server: Server;
  let sim: Simulator;
  let client: WeComClient;
  let base: string;
  const clock = new FixedClock('2026-12-01T09:00:00+08:00');

  beforeEach(async () => {
    connection = await openDatabase(freshDatabaseUri('simapi'));
    sim = createSimulator({ connection, org: loadOrgConfig('config/org.example.yaml'), clock, logger: silentLogger() });
    const app = createApp({ logger: silentLogger(), databaseReady: async () => true, routers: sim.routers });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    sim.listening(port);
    base = `http://127.0.0.1:${port}`;
    const c = sim.credentials;
    client = createWeComClient({ apiBase: `${base}/sim/api`, corpId: c.corpId, secret: c.secret, agentId: c.agentId, logger: silentLogger(), clock, maxAttempts: 1 });
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await connection.close();
  });

  const failure = async (p: Promise<unknown>): Promise<WeComApiError> => {
    try {
      await p;
    } catch (err) {
      expect(err).to.be.instanceOf(WeComApiError);
      return err as WeComApiError;
    }
    throw new Error('expected a WeCom error');
  };

  it('issues a token only for the right corp and secret, and refuses a stale one (40014)', async () => {
    expect(await client.getAccessToken()).to.match(/^TOKEN/);
    const wrong = createWeComClient({ apiBase: `${base}/sim/api`, corpId: sim.credentials.corpId, secret: 'nope', agentId: 1000002, logger: silentLogger(), clock, maxAttempts: 1 });
    expect((await failure(wrong.getAccessToken())).errcode).to.equal(40001);
    const res = await fetch(`${base}/sim/api/cgi-bin/message/send?access_token=OLD`, { method: 'POST', body: '{}' });
    expect(await res.json()).to.include({ errcode: 40014 });
  });

  it('message/send records per person, reports unknown people, and a card update replaces the buttons once', async () => {
    const sent = await client.sendAppMessage({
      touser: 'zhengkai|fenglei|nobody',
      msgtype: 'template_card',
      template_card: { card_type: 'button_interaction', main_title: { title: '第 9 号问题 待签收' }, task_id: 't9', button_list: [{ text: '签收', key: 'accept:9' }] },
    });
    expect(sent.invalidUsers).to.deep.equal(['nobody']);
    expect(sent.responseCode).to.be.a('string');
    const [msg] = await sim.repo.list({ conv: 'u:fenglei' });
    expect(msg!.convs).to.deep.equal(['u:zhengkai', 'u:fenglei']);

    await client.updateTemplateCard({ response_code: sent.responseCode!, userids: ['fenglei'], button: { replace_name: '已签收' } });
    const updated = await sim.repo.get(msg!.seq);
    expect(updated!.updates).to.have.length(1);
    expect(updated!.updates[0]).to.include({ replaceName: '已签收' });
    expect((await failure(client.updateTemplateCard({ response_code: sent.responseCode!, atall: 1, button: { replace_name: 'x' } }))).errcode).to.equal(60140);
  });

  it('robots: unknown keys get 93000, the 21st message in a minute gets 45009', async () => {
    expect((await failure(client.webhookSend('NOT-A-KEY', { msgtype: 'text', text: { content: 'x' } }))).errcode).to.equal(93000);
    for (let i = 0; i < 20; i++) await client.webhookSend('EXAMPLE-MINZHENG-ROBOT-KEY', { msgtype: 'markdown', markdown: { content: `**${i}**` } });
    const limited = await failure(client.webhookSend('EXAMPLE-MINZHENG-ROBOT-KEY', { msgtype: 'text', text: { content: 'one too many' } }));
    expect(limited).to.include({ errcode: 45009, retryable: true });
    clock.advance(61_000);
    await client.webhookSend('EXAMPLE-MINZHENG-ROBOT-KEY', { msgtype: 'text', text: { content: 'a minute later', mentioned_list: ['chuming'] } });
    const last = (await sim.repo.list({ conv: 'g:webhook:EXAMPLE-MINZHENG-ROBOT-KEY' })).at(-1)!;
    expect(last).to.include({ content: 'a minute later', api: 'webhook/send' });
    expect(last.mentions).to.deep.equal(['chuming']);
  });

  it('app group chats take text and markdown, not template cards', async () => {
    await client.appchatSend({ chatid: 'EXAMPLEWEISHENGYUANCHAT', msgtype: 'markdown', markdown: { content: '**hi**' } });
    expect((await failure(client.appchatSend({ chatid: 'EXAMPLEWEISHENGYUANCHAT', msgtype: 'template_card', template_card: {} }))).errcode).to.equal(40008);
    expect((await failure(client.appchatSend({ chatid: 'NOSUCHCHAT', msgtype: 'text', text: { content: 'x' } }))).errcode).to.equal(86008);
    expect((await failure(client.appchatSend({ chatid: 'NO-SUCH-CHAT', msgtype: 'text', text: { content: 'x' } }))).errcode).to.equal(86001);
  });

  it('the admin panel flips WeCom\'s switches; a refusal shows in the conversation with its errcode in words', async () => {
    const page = await (await fetch(`${base}/sim`)).text();
    expect(page).to.contain('企业微信后台（模拟开关）').and.to.contain('data-switch="ipNotTrusted"');
    const flip = async (change: Record<string, unknown>) =>
      (await fetch(`${base}/sim/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change) })).json() as Promise<{ switches: Record<string, unknown>; refusals: { api: string; errcode: number; words: string }[] }>;
    expect((await flip({ ipNotTrusted: true })).switches).to.include({ ipNotTrusted: true, callbackConfigured: true });
    expect((await failure(client.sendAppMessage({ touser: 'fenglei', msgtype: 'text', text: { content: '第 3 号问题已交办' } }))).errcode).to.equal(60020);
    const [refused] = await sim.repo.list({ conv: 'u:fenglei' });
    expect(refused).to.deep.include({ content: '第 3 号问题已交办', outcome: { kind: 'refused', errcode: 60020, words: '访问ip不在白名单之中（企业可信IP）' } });
    const state = await flip({ ipNotTrusted: false, callbackConfigured: false });
    expect(state.refusals[0]).to.include({ api: 'message/send', errcode: 60020 });
    const card = { card_type: 'button_interaction', main_title: { title: '第 3 号问题' }, task_id: 'f3v1', button_list: [{ text: '签收', key: 'accept:3' }] };
    expect((await failure(client.sendAppMessage({ touser: 'fenglei', msgtype: 'template_card', template_card: card }))).errcode).to.equal(43012);
    const rendered = await (await fetch(`${base}/sim/state`)).json() as { items: { conv: string; row: string }[] };
    expect(rendered.items.filter((i) => i.conv === 'u:fenglei').map((i) => i.row).join('')).to.contain('企业微信拒收（43012）：应用需配置回调url');
    expect((await fetch(`${base}/sim/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ipNotTrusted":"yes"}' })).status).to.equal(400);
    await flip({ callbackConfigured: true });
    await client.sendAppMessage({ touser: 'fenglei', msgtype: 'template_card', template_card: card });
    expect((await sim.repo.list({ conv: 'u:fenglei' })).at(-1)).to.include({ content: '第 3 号问题', outcome: null });
  });

  it('the admin panel takes members out of the visible range and their licences: WeCom reports them, they receive nothing', async () => {
    const post = (body: unknown) => fetch(`${base}/sim/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const state = (await (await post({ hidden: ['fenglei'], unlicensed: ['zhengkai'] })).json()) as { hidden: string[]; unlicensed: string[] };
    expect(state).to.deep.include({ hidden: ['fenglei'], unlicensed: ['zhengkai'] });
    const sent = await client.sendAppMessage({ touser: 'zhengkai|fenglei|zhuxia', msgtype: 'text', text: { content: '第 4 号问题已交办' } });
    expect(sent).to.deep.include({ invalidUsers: ['fenglei'], unlicensedUsers: ['zhengkai'] });
    expect((await sim.repo.list({ conv: 'u:zhuxia' })).map((m) => m.content)).to.deep.equal(['第 4 号问题已交办']);
    expect(await sim.repo.list({ conv: 'u:fenglei' })).to.deep.equal([]);
    expect(await sim.repo.list({ conv: 'u:zhengkai' })).to.deep.equal([]);
    const page = await (await fetch(`${base}/sim`)).text();
    expect(page).to.contain('不在应用可见范围的成员').and.to.match(/data-list="hidden" value="fenglei" checked/);
    const unknown = await post({ hidden: ['nobody'] });
    expect(unknown.status).to.equal(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).to.contain('组织文件中没有成员 nobody');
    await post({ hidden: [], unlicensed: [] });
    await client.sendAppMessage({ touser: 'fenglei', msgtype: 'text', text: { content: '恢复' } });
    expect((await sim.repo.list({ conv: 'u:fenglei' })).map((m) => m.content)).to.deep.equal(['恢复']);
  });

  it('OAuth: the authorize page is a member picker; its code gives the userid once', async () => {
    const page = await fetch(`${base}/sim/connect/oauth2/authorize?appid=x&redirect_uri=${encodeURIComponent(`${base}/form?a=1`)}&response_type=code&scope=snsapi_base&state=s1`);
    const html = await page.text();
    expect(html).to.contain('请选择以哪位成员的身份打开').and.to.contain('朱霞');
    const pick = /href="([^"]*userid=zhuxia[^"]*)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const res = await fetch(`${base}${pick}`, { redirect: 'manual' });
    expect(res.status).to.equal(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.pathname).to.equal('/form');
    expect(location.searchParams.get('state')).to.equal('s1');
    const code = location.searchParams.get('code')!;
    expect(await client.getUserIdByOAuthCode(code)).to.deep.equal({ userId: 'zhuxia' });
    expect((await failure(client.getUserIdByOAuthCode(code))).errcode).to.equal(40029);

    const open = await fetch(`${base}/sim/connect/oauth2/authorize?redirect_uri=${encodeURIComponent('https://evil.example.com/x')}`);
    expect(open.status).to.equal(400);
  });

  it('media/upload then media/get returns the same bytes; an unknown id is 40007', async () => {
    const { mediaId } = await client.uploadMedia({ type: 'image', filename: '现场.png', buffer: Buffer.from('png-bytes'), contentType: 'image/png' });
    const file = await client.getMedia(mediaId);
    expect(file.buffer.toString()).to.equal('png-bytes');
    expect(file).to.include({ contentType: 'image/png', filename: '现场.png' });
    expect((await failure(client.getMedia('NOPE'))).errcode).to.equal(40007);
  });
});

import { expect } from 'chai';
import type { Connection } from 'mongoose';
import nock from 'nock';
import { loadOrgConfig, type OrgConfig } from '../../../config/org';
import { FixedClock } from '../../../src/clock';
import { createClaimRepository } from '../../../src/db/claims';
import { openDatabase } from '../../../src/db/connection';
import { silentLogger } from '../../../src/logger';
import { createDirectory } from '../../../src/org/directory';
import { installIdOf } from '../../../src/outbox/install-id';
import { createOutbox, type Outbox } from '../../../src/outbox/outbox';
import { createWeComAlerts, textOnlyDestinations } from '../../../src/outbox/wecom-alerts';
import { createWeComHealth } from '../../../src/outbox/wecom-health';
import { createWeComTransport, type TransportOptions } from '../../../src/outbox/wecom.transport';
import { createWeComClient } from '../../../src/wecom/wecom.client';
import { freshDatabaseUri } from '../../helpers/database';

const BASE = 'https://qyapi.weixin.qq.com';
const LEADERS_ROBOT = 'EXAMPLE-LEADERS-ROBOT-KEY';
const CARD = { card_type: 'button_interaction', main_title: { title: '第 7 号问题 待签收' }, task_id: 'f7v1', button_list: [{ text: '签收', key: 'accept:7' }] };

interface Call {
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

/**
 * The outbox and its WeCom transport against WeCom's answers as documented (nock at the HTTP
 * boundary): recipients it could not reach, cards it refuses, readers on 微工作台.
 */
describe('what WeCom refuses, message by message', () => {
  let connection: Connection;
  let clock: FixedClock;
  let calls: Call[];
  let answer: (call: Call) => Record<string, unknown>;
  const org: OrgConfig = loadOrgConfig('config/org.example.yaml');

  function outboxWith(options: TransportOptions = {}, orgFile: OrgConfig = org): Outbox {
    const logger = silentLogger();
    const client = createWeComClient({ apiBase: BASE, corpId: 'ww1', secret: 's', agentId: 1000002, logger, clock, sleep: async () => {}, maxAttempts: 1 });
    const health = createWeComHealth(connection);
    const transport = createWeComTransport(client, { installId: installIdOf(connection), plainText: textOnlyDestinations(orgFile), ...options });
    const outbox: Outbox = createOutbox({
      connection,
      claims: createClaimRepository(connection, clock),
      clock,
      logger,
      transport,
      health,
      onFault: (f) => alerts.onFault(f),
      onUnreached: (m, d) => alerts.onUnreached(m, d),
    });
    const alerts = createWeComAlerts({ outbox, directory: createDirectory(orgFile), appMessaging: true });
    return outbox;
  }

  const contentOf = (c: Call): string =>
    ((c.body.text ?? c.body.markdown) as { content?: string } | undefined)?.content ?? ((c.body.template_card as { main_title?: { title?: string } } | undefined)?.main_title?.title ?? '');

  beforeEach(async () => {
    connection = await openDatabase(freshDatabaseUri('rules'));
    clock = new FixedClock('2026-12-01T09:00:00+08:00');
    calls = [];
    answer = () => ({ errcode: 0, errmsg: 'ok' });
    nock(BASE).persist().get('/cgi-bin/gettoken').query(true).reply(200, { errcode: 0, errmsg: 'ok', access_token: 'T', expires_in: 7200 });
    nock(BASE)
      .persist()
      .post(/^\/cgi-bin\//)
      .query(true)
      .reply(200, function (uri, body) {
        const url = new URL(uri, BASE);
        const call = { path: url.pathname.replace('/cgi-bin/', ''), query: url.searchParams, body: body as Record<string, unknown> };
        calls.push(call);
        return answer(call);
      });
  });
  afterEach(async () => {
    nock.cleanAll();
    await connection.dropDatabase();
    await connection.close();
  });

  it('counts a message as delivered to the others, and tells the unit and the leaders once, by name, who could not be reached', async () => {
    const outbox = outboxWith();
    answer = (c) =>
      c.path === 'message/send' ? { errcode: 0, errmsg: 'ok', invaliduser: ['fenglei'], unlicenseduser: 'zhengkai' } : { errcode: 0, errmsg: 'ok' };
    for (const key of ['a', 'b']) {
      await outbox.enqueue({ dedupeKey: key, destination: { kind: 'app', users: ['zhengkai', 'fenglei', 'chenjing'] }, message: { type: 'text', content: `交办 ${key}` } });
      await outbox.deliverDue(new Date(clock.now().getTime() + 61_000));
    }
    await outbox.deliverDue(new Date(clock.now().getTime() + 61_000));
    const originals = (await outbox.list()).filter((d) => d.dedupeKey === 'a' || d.dedupeKey === 'b');
    expect(originals.map((d) => d.status)).to.deep.equal(['sent', 'sent']);

    const toLeaders = calls.filter((c) => c.path === 'webhook/send' && c.query.get('key') === LEADERS_ROBOT).map(contentOf);
    expect(toLeaders).to.have.length(1);
    expect(toLeaders[0]).to.contain('冯磊（不在应用可见范围或已离职）').and.contain('郑凯（未分配企业微信账号许可）');
    // Their unit (农业服务站) hears it in its group too, once.
    const toUnit = calls.filter((c) => c.path === 'webhook/send' && c.query.get('key') === 'EXAMPLE-NONGYE-ROBOT-KEY').map(contentOf);
    expect(toUnit).to.have.length(1);
    expect(toUnit[0]).to.contain('冯磊');
  });

  it("sends a card WeCom refuses as the card's text, which names the command", async () => {
    const outbox = outboxWith();
    answer = (c) =>
      c.path === 'message/send' && c.body.msgtype === 'template_card'
        ? { errcode: 42014, errmsg: 'taskid has existed or empty or exceed max len' }
        : { errcode: 0, errmsg: 'ok' };
    await outbox.enqueue({ dedupeKey: 'c', destination: { kind: 'app', users: ['zhengkai'] }, message: { type: 'card', card: CARD, fallback: '第 7 号问题待签收，请回复“签收 7”。' } });
    await outbox.deliverDue(new Date(clock.now().getTime() + 61_000));
    const texts = calls.filter((c) => c.path === 'message/send' && c.body.msgtype === 'text').map(contentOf);
    expect(texts).to.deep.equal(['第 7 号问题待签收，请回复“签收 7”。']);
    expect((await outbox.list()).map((d) => d.status)).to.deep.equal(['sent']);
  });

  it('sends markdown WeCom refuses as too long as plain text, and text as half of it with a note: delivered, not failed', async () => {
    const outbox = outboxWith();
    const long = `**【交办】** ${'东岭村王某某家自来水管道冻裂，全家挑水吃。'.repeat(60)}`;
    // WeCom counting differently from us: every markdown, and any text over 1,100 bytes, is "too long".
    answer = (c) =>
      c.body.msgtype === 'markdown' || Buffer.byteLength(contentOf(c)) > 1100 ? { errcode: 45002, errmsg: 'content size out of limit' } : { errcode: 0, errmsg: 'ok' };
    await outbox.enqueue({ dedupeKey: 'm', destination: { kind: 'webhook', key: 'EXAMPLE-NONGYE-ROBOT-KEY' }, message: { type: 'markdown', content: long } });
    await outbox.enqueue({ dedupeKey: 't', destination: { kind: 'app', users: ['zhengkai'] }, message: { type: 'text', content: long.replace(/\*/g, '') } });
    await outbox.deliverDue(new Date(clock.now().getTime() + 61_000));
    const accepted = calls.filter((c) => Buffer.byteLength(contentOf(c)) <= 1100 && c.body.msgtype === 'text');
    expect(accepted.map((c) => c.path).sort()).to.deep.equal(['message/send', 'webhook/send']);
    for (const c of accepted) expect(contentOf(c)).to.match(/^【交办】 东岭村王某某家/).and.to.match(/（内容过长已截断，详情见进度看板）$/);
    expect((await outbox.list()).map((d) => d.status)).to.deep.equal(['sent', 'sent']);
  });

  it('gives each card a task_id of the install id and the finding, within 128 bytes of 0-9a-zA-Z_-@, the same for the life of the database', async () => {
    const outbox = outboxWith();
    await outbox.enqueue({ dedupeKey: 'c1', destination: { kind: 'app', users: ['zhengkai'] }, message: { type: 'card', card: CARD, fallback: '签收 7' } });
    await outbox.enqueue({ dedupeKey: 'c2', destination: { kind: 'app', users: ['fenglei'] }, message: { type: 'card', card: { ...CARD, task_id: 'f8v1 close!' }, fallback: '签收 8' } });
    await outbox.deliverDue(new Date(clock.now().getTime() + 61_000));
    const ids = calls.filter((c) => c.body.msgtype === 'template_card').map((c) => (c.body.template_card as { task_id: string }).task_id);
    expect(ids).to.have.length(2);
    for (const id of ids) expect(id).to.match(/^[0-9A-Za-z_\-@]{1,128}$/);
    const install = ids[0]!.replace(/-f7v1$/, '');
    expect(ids).to.deep.equal([`${install}-f7v1`, `${install}-f8v1_close_`]);
    expect(await installIdOf(connection)()).to.equal(install);
  });

  it('sends text that says which command to send when button cards are off (no callback URL)', async () => {
    const outbox = outboxWith({ cards: false });
    await outbox.enqueue({ dedupeKey: 'c', destination: { kind: 'app', users: ['zhengkai'] }, message: { type: 'card', card: CARD, fallback: '第 7 号问题待签收，请回复“签收 7”。' } });
    await outbox.deliverDue(new Date(clock.now().getTime() + 61_000));
    expect(calls.filter((c) => c.path === 'message/send').map((c) => [c.body.msgtype, contentOf(c)])).to.deep.equal([['text', '第 7 号问题待签收，请回复“签收 7”。']]);
  });

  it('sends plain text, no card and no markdown, to units and people on 微工作台', async () => {
    const plainOrg = structuredClone(org);
    plainOrg.departments.find((d) => d.name === '农业服务站')!.textOnly = true;
    plainOrg.people.find((p) => p.userid === 'chenjing')!.textOnly = true;
    const outbox = outboxWith({}, plainOrg);
    const markdown = '**【交办】第 7 号问题**\n> 整改时限：<font color="warning">12月8日</font>\n[查看详情](https://bot.example.gov.cn/dashboard/findings/7)';
    await outbox.enqueue({ dedupeKey: 'g', destination: { kind: 'webhook', key: 'EXAMPLE-NONGYE-ROBOT-KEY' }, message: { type: 'markdown', content: markdown } });
    await outbox.enqueue({ dedupeKey: 'p', destination: { kind: 'app', users: ['chenjing'] }, message: { type: 'card', card: CARD, fallback: '请回复“签收 7”。' } });
    await outbox.enqueue({ dedupeKey: 'm', destination: { kind: 'app', users: ['zhengkai'] }, message: { type: 'card', card: CARD, fallback: '请回复“签收 7”。' } });
    await outbox.deliverDue(new Date(clock.now().getTime() + 61_000));
    const group = calls.find((c) => c.path === 'webhook/send')!;
    expect(group.body.msgtype).to.equal('text');
    expect(contentOf(group)).to.equal('【交办】第 7 号问题\n整改时限：12月8日\n查看详情：https://bot.example.gov.cn/dashboard/findings/7');
    const toPeople = calls.filter((c) => c.path === 'message/send').map((c) => [c.body.touser, c.body.msgtype]);
    // chenjing reads on 微工作台 (person); zhengkai is a member of 农业服务站 (unit): both get text.
    expect(toPeople).to.deep.include.members([
      ['chenjing', 'text'],
      ['zhengkai', 'text'],
    ]);
  });

  it('separates merged messages with a blank line, not ---', async () => {
    const outbox = outboxWith();
    for (let i = 1; i <= 30; i++) {
      await outbox.enqueue({ dedupeKey: `m${i}`, destination: { kind: 'webhook', key: 'G1' }, message: { type: 'markdown', content: `第 ${i} 号问题待签收` } });
    }
    await outbox.deliverDue(clock.now());
    const bodies = calls.filter((c) => c.path === 'webhook/send').map(contentOf);
    expect(bodies.length).to.be.below(30);
    const merged = bodies.find((b) => b.includes('\n'))!;
    expect(merged).to.contain('第 1 号问题待签收\n\n第 2 号问题待签收');
    expect(merged).not.to.contain('---');
  });
});

describe('pacing per member (WeCom drops app messages past 30 a minute and 1,000 an hour per member)', () => {
  let connection: Connection;
  let clock: FixedClock;
  let sent: { touser: string; content: string; at: number }[];

  beforeEach(async () => {
    connection = await openDatabase(freshDatabaseUri('pacing'));
    clock = new FixedClock('2026-12-01T09:00:00+08:00');
    sent = [];
    nock(BASE).persist().get('/cgi-bin/gettoken').query(true).reply(200, { errcode: 0, errmsg: 'ok', access_token: 'T', expires_in: 7200 });
    nock(BASE)
      .persist()
      .post('/cgi-bin/message/send')
      .query(true)
      .reply(200, (_uri, body) => {
        const b = body as { touser: string; text?: { content: string }; markdown?: { content: string } };
        sent.push({ touser: b.touser, content: (b.text ?? b.markdown)!.content, at: clock.now().getTime() });
        return { errcode: 0, errmsg: 'ok' };
      });
  });
  afterEach(async () => {
    nock.cleanAll();
    await connection.dropDatabase();
    await connection.close();
  });

  const outboxOn = (): Outbox => {
    const logger = silentLogger();
    const client = createWeComClient({ apiBase: BASE, corpId: 'ww1', secret: 's', agentId: 1000002, logger, clock, sleep: async () => {}, maxAttempts: 1 });
    return createOutbox({ connection, claims: createClaimRepository(connection, clock), clock, logger, transport: createWeComTransport(client) });
  };
  const inAnyMinute = (user: string): number => {
    const times = sent.filter((s) => s.touser.split('|').includes(user)).map((s) => s.at);
    return Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 60_000).length));
  };

  it('sends one member at most 30 a minute: the rest waits and is merged into one message, in order, separated by a blank line', async () => {
    const outbox = outboxOn();
    for (let i = 1; i <= 45; i++) {
      await outbox.enqueue({ dedupeKey: `r${i}`, destination: { kind: 'app', users: ['wangzhen'] }, message: { type: 'text', content: `第 ${i} 号问题超期提醒` } });
      await outbox.deliverFresh(clock.now());
    }
    await outbox.deliverDue(clock.now());
    expect(sent).to.have.length(30);
    clock.advance(61_000);
    await outbox.deliverDue(clock.now());
    expect(inAnyMinute('wangzhen')).to.be.at.most(30);
    const all = sent.map((s) => s.content).join('\n\n');
    for (let i = 1; i <= 45; i++) expect(all).to.contain(`第 ${i} 号问题超期提醒`);
    expect(sent.length).to.be.below(45);
    const merged = sent.find((s) => s.content.includes('\n\n'))!;
    expect(merged.content).to.contain('第 31 号问题超期提醒\n\n第 32 号问题超期提醒');
    expect((await outbox.list()).filter((d) => d.status === 'pending' || d.status === 'failed')).to.have.length(0);
  });

  it('leaves other members unpaced while one is at the limit', async () => {
    const outbox = outboxOn();
    for (let i = 1; i <= 31; i++) {
      await outbox.enqueue({ dedupeKey: `w${i}`, destination: { kind: 'app', users: ['wangzhen'] }, message: { type: 'text', content: `提醒 ${i}` } });
    }
    await outbox.enqueue({ dedupeKey: 'l1', destination: { kind: 'app', users: ['liuhong'] }, message: { type: 'text', content: '给刘红' } });
    await outbox.deliverFresh(clock.now());
    expect(sent.filter((s) => s.touser === 'wangzhen')).to.have.length(30);
    expect(sent.filter((s) => s.touser === 'liuhong').map((s) => s.content)).to.deep.equal(['给刘红']);
  });
});

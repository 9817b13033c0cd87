import { expect } from 'chai';
import { freshDatabaseUri } from '../../helpers/database';
import { startFakeWeCom, type FakeWeCom } from '../../helpers/fake-wecom';
import { recordingLogger } from '../../helpers/recording-logger';
import { startTestService, type TestService } from '../../helpers/service';
import { FixedClock } from '../../../src/clock';

const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';
const LEADERS = 'EXAMPLE-LEADERS-ROBOT-KEY';
const WATER = '东岭村王某某家自来水一周没来水了';

/** The bot against the strict WeCom (the same rules as /sim) with its switches turned. */
describe('the bot against the strict WeCom', function () {
  this.timeout(90_000);
  let t: TestService | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  const deliver = async (s: TestService) => {
    await s.service.outbox.deliverDue(s.clock.now());
    await s.settle();
  };

  it('server IP not trusted for a while: what was reported meanwhile reaches groups and people afterwards, nothing failed, one alert', async () => {
    const log = recordingLogger();
    t = await startTestService({ logger: log.logger });
    t.wecom.setSwitches({ ipNotTrusted: true });
    await t.say('zhuxia', WATER);
    await t.settle();
    for (let minute = 0; minute < 3; minute++) {
      t.clock.advance(61_000);
      await deliver(t);
    }
    expect(t.wecom.refusedWith(60020).length).to.be.greaterThan(0);
    expect(t.wecom.toUser('zhuxia')).to.have.length(0);
    const health = (await (await fetch(`${t.base}/healthz`)).json()) as { ok: boolean; degraded?: string };
    expect(health.degraded).to.contain('企业可信IP');

    t.wecom.setSwitches({ ipNotTrusted: false });
    t.clock.advance(61_000);
    await deliver(t);
    await deliver(t);

    expect(t.wecom.toUser('zhuxia').map((r) => r.content).join('\n')).to.contain('已收到，编号 1');
    expect(t.wecom.toWebhook(NONGYE).map((r) => r.content).join('\n')).to.contain('王某某家自来水');
    expect(t.wecom.toUser('zhengkai').length, 'the dispatch card to the unit').to.be.greaterThan(0);
    expect(await t.service.outbox.list({ status: 'failed' })).to.have.length(0);
    expect(t.wecom.received.filter((r) => r.content.includes('【企业微信配置问题】'))).to.have.length(1);
    // Group robots are not behind the trusted IP: the leaders heard at once, in their group.
    expect(t.wecom.toWebhook(LEADERS).filter((r) => r.content.includes('【企业微信配置问题】'))).to.have.length(1);
    // And once it is over, in the same group: the app and the robots were one fault, told of once.
    expect(t.wecom.toWebhook(LEADERS).filter((r) => r.content.includes('【企业微信已恢复】'))).to.have.length(1);
    expect(log.errors().filter((m) => m.includes('60020'))).to.have.length(1);
    expect(t.wecom.dropped).to.have.length(0);
  });

  it('two fresh databases one after the other against the same WeCom: the second one’s cards are accepted and reach the unit', async () => {
    const clock = new FixedClock('2026-12-01T09:00:00+08:00');
    const wecom: FakeWeCom = await startFakeWeCom({ clock });
    try {
      for (const run of [1, 2]) {
        t = await startTestService({ wecom, clock, databaseUri: freshDatabaseUri(`reset${run}`) });
        await t.say('zhuxia', WATER);
        await t.settle();
        await deliver(t);
        await t.stop();
        t = undefined;
      }
      const cards = wecom.toUser('zhengkai').filter((r) => r.body.msgtype === 'template_card');
      expect(cards).to.have.length(2);
      const taskIds = cards.map((r) => (r.body.template_card as { task_id: string }).task_id);
      expect(new Set(taskIds).size).to.equal(2);
      expect(wecom.refusedWith(42014)).to.deep.equal([]);
    } finally {
      await wecom.close();
    }
  });

  it('an app without a callback URL: the person gets text naming the command instead of buttons', async () => {
    t = await startTestService();
    t.wecom.setSwitches({ callbackConfigured: false });
    await t.say('zhuxia', WATER);
    await t.settle();
    await deliver(t);
    const toZhengkai = t.wecom.toUser('zhengkai');
    expect(toZhengkai.map((r) => r.body.msgtype)).to.deep.equal(['text']);
    expect(toZhengkai[0]!.content).to.contain('签收 1');
    expect(await t.service.outbox.list({ status: 'failed' })).to.have.length(0);
  });

  for (const invalidUserAs of ['string', 'array'] as const) {
    it(`a member outside the visible range (invaliduser as ${invalidUserAs}): the others get it; unit and leaders are told once, by name; the dashboard lists them`, async () => {
      t = await startTestService();
      t.wecom.setSwitches({ invalidUserAs });
      t.wecom.setVisible(t.org.departments.flatMap((d) => d.members).concat(['zhuxia', 'wangzhen', 'liuhong']).filter((u) => u !== 'fenglei'));
      await t.say('zhuxia', WATER);
      await t.say('zhuxia', '东岭村李某某家吃水困难，水管冻裂');
      await t.settle();
      await deliver(t);
      await deliver(t);
      expect(t.wecom.toUser('zhengkai').length).to.be.greaterThan(0);
      const notices = t.wecom.received.filter((r) => r.content.includes('收不到本应用的消息'));
      expect(notices.map((r) => r.to).sort()).to.deep.equal([LEADERS, NONGYE].sort());
      for (const n of notices) expect(n.content).to.contain('冯磊（不在应用可见范围或已离职）');
      expect(await t.service.outbox.list({ status: 'failed' })).to.have.length(0);
      const page = await (await t.api('/dashboard')).text();
      expect(page).to.contain('收不到应用消息的成员').and.contain('冯磊');

      // The admin widens the visible range: the next message reaches him, and the list forgets him.
      t.wecom.setVisible('everyone');
      await t.service.outbox.enqueue({ dedupeKey: 'after-fix', destination: { kind: 'app', users: ['zhengkai', 'fenglei'] }, message: { type: 'text', content: '可见范围已调整' } });
      await t.settle();
      await deliver(t);
      expect(t.wecom.toUser('fenglei').map((r) => r.content)).to.include('可见范围已调整');
      expect(await (await t.api('/dashboard')).text()).not.to.contain('收不到应用消息的成员');
    });
  }

  it('never has WeCom drop a message for one member: past 30 a minute they wait and are merged', async () => {
    t = await startTestService();
    for (let i = 1; i <= 40; i++) {
      await t.service.outbox.enqueue({ dedupeKey: `burst${i}`, destination: { kind: 'app', users: ['wangzhen'] }, message: { type: 'text', content: `第 ${i} 号问题超期` } });
    }
    await t.settle();
    await deliver(t);
    t.clock.advance(61_000);
    await deliver(t);
    expect(t.wecom.dropped).to.deep.equal([]);
    const all = t.wecom.toUser('wangzhen').map((r) => r.content).join('\n');
    for (let i = 1; i <= 40; i++) expect(all).to.contain(`第 ${i} 号问题超期`);
  });
});

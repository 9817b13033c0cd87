import { expect } from 'chai';
import { recordingLogger } from '../../helpers/recording-logger';
import { startTestService, type TestService } from '../../helpers/service';

const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';

describe('WeCom refusing for a configuration fault (60020, IP not trusted)', function () {
  this.timeout(60_000);
  let t: TestService;
  let log: ReturnType<typeof recordingLogger>;

  beforeEach(async () => {
    log = recordingLogger();
    t = await startTestService({ logger: log.logger });
  });
  afterEach(() => t.stop());

  const health = async () => (await (await fetch(`${t.base}/healthz`)).json()) as { ok: boolean; degraded?: string };
  const deliver = async () => {
    await t.service.outbox.deliverDue(t.clock.now());
    await t.settle();
  };

  it('keeps every message waiting, alerts once, probes about once a minute, and sends all in order once WeCom accepts again', async () => {
    t.wecom.setDown({ errcode: 60020 });
    await t.say('zhuxia', '东岭村王某某家自来水一周没来水了');
    await t.say('zhuxia', '东岭村李某某家吃水困难，水管冻裂');
    await t.settle();
    await deliver();
    expect(t.wecom.received).to.have.length(0);

    const degraded = await health();
    expect(degraded.ok).to.equal(true);
    expect(degraded.degraded).to.contain('企业可信IP');

    // Meanwhile the bot asks WeCom about once a minute, not once per message.
    for (let minute = 0; minute < 5; minute++) {
      const before = t.wecom.refused;
      t.clock.advance(20_000);
      await deliver();
      t.clock.advance(20_000);
      await deliver();
      t.clock.advance(21_000);
      await deliver();
      expect(t.wecom.refused - before, `calls refused in minute ${minute}`).to.be.at.most(4);
    }
    expect(await t.service.outbox.list({ status: 'failed' })).to.have.length(0);
    const page = await (await t.api('/dashboard')).text();
    expect(page).to.contain('企业微信暂不接受本应用的消息');

    t.wecom.setDown(false);
    t.clock.advance(61_000);
    await deliver();
    await deliver();

    const group = t.wecom.toWebhook(NONGYE).map((r) => r.content).join('\n');
    expect(group).to.contain('王某某家自来水');
    expect(group).to.contain('李某某家吃水困难');
    expect(group.indexOf('王某某家自来水')).to.be.below(group.indexOf('李某某家吃水困难'));
    const receipts = t.wecom.toUser('zhuxia').filter((r) => r.content.includes('已收到'));
    expect(receipts).to.have.length(2);
    expect(await t.service.outbox.list({ status: 'failed' })).to.have.length(0);
    expect(await t.service.outbox.list({ status: 'pending' })).to.have.length(0);

    const alerts = t.wecom.received.filter((r) => r.content.includes('【企业微信配置问题】'));
    expect(alerts).to.have.length(1);
    expect(alerts[0]!.content).to.contain('企业可信IP');
    expect(log.errors().filter((m) => m.includes('错误码 60020'))).to.have.length(1);
    expect(await health()).to.deep.equal({ ok: true });
    // The leaders who heard of the fault hear, once, that it is over.
    const healed = t.wecom.received.filter((r) => r.content.includes('【企业微信已恢复】'));
    expect(healed).to.have.length(1);
    expect(healed[0]!.content).to.contain('企业可信IP').and.to.contain('错误码 60020').and.to.contain('持续约 6 分钟').and.to.contain('正在按顺序补发');
    t.clock.advance(61_000);
    await deliver();
    expect(t.wecom.received.filter((r) => r.content.includes('【企业微信已恢复】'))).to.have.length(1);
  });
});

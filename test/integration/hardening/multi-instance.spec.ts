import { expect } from 'chai';
import { FixedClock } from '../../../src/clock';
import { freshDatabaseUri } from '../../helpers/database';
import { startFakeWeCom, type FakeWeCom } from '../../helpers/fake-wecom';
import { startTestService, type TestService } from '../../helpers/service';

describe('two or three instances on one database', () => {
  let wecom: FakeWeCom;
  let instances: TestService[];
  let clock: FixedClock;

  beforeEach(async () => {
    const databaseUri = freshDatabaseUri('multi');
    clock = new FixedClock('2026-12-01T09:00:00+08:00');
    wecom = await startFakeWeCom({ clock });
    instances = [];
    for (let i = 0; i < 3; i++) instances.push(await startTestService({ databaseUri, wecom, clock }));
  });
  afterEach(async () => {
    for (const t of instances) await t.stop();
    await wecom.close();
  });

  const settleAll = async (): Promise<void> => {
    for (let i = 0; i < 2; i++) for (const t of instances) await t.settle();
  };

  it('gives 30 reports arriving at once on three instances 30 different numbers', async () => {
    const reports = Array.from({ length: 30 }, (_, i) => instances[i % 3]!.say('zhuxia', `东岭村第${i + 1}户屋顶漏雨，墙体开裂`, String(7_400_000_000_000_000_000n + BigInt(i))));
    expect(await Promise.all(reports)).to.deep.equal(Array(30).fill(200));
    await settleAll();
    const items = ((await (await instances[0]!.api('/api/findings')).json()) as { items: { no: number; text: string }[] }).items;
    expect(items).to.have.length(30);
    expect(items.map((f) => f.no).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(items.map((f) => f.text)).size).to.equal(30);
    // 30 dispatches for one robot exceed its 20 a minute: the rest goes out, merged, in later minutes.
    for (let round = 0; round < 5 && (await instances[0]!.service.outbox.list({ status: 'pending' })).length > 0; round++) {
      clock.advance(61_000);
      await Promise.all(instances.map((t) => t.service.outbox.deliverDue(clock.now())));
    }
    const robot = wecom.toWebhook('EXAMPLE-ZHENJIAN-ROBOT-KEY');
    expect(robot.map((r) => r.content).join('\n').match(/【交办】/g)?.length ?? 0).to.equal(30);
    const sent = (await instances[0]!.service.outbox.list({ channel: 'webhook:EXAMPLE-ZHENJIAN-ROBOT-KEY', status: 'sent' })).map((d) => d.sentAt!.getTime());
    expect(sent).to.have.length(robot.length);
    for (const at of sent) expect(sent.filter((t) => t > at - 60_000 && t <= at).length).to.be.at.most(20);
  });

  it('makes one finding of a delivery that WeCom retries against each instance', async () => {
    const msgId = '7400000000000000999';
    const statuses = await Promise.all(instances.map((t) => t.say('zhuxia', '东岭村王某某家自来水停水三天，挑水吃', msgId)));
    expect(statuses).to.deep.equal([200, 200, 200]);
    await settleAll();
    const items = ((await (await instances[1]!.api('/api/findings')).json()) as { items: unknown[] }).items;
    expect(items).to.have.length(1);
    expect(wecom.toWebhook('EXAMPLE-NONGYE-ROBOT-KEY')).to.have.length(1);
    expect(wecom.toUser('zhuxia').filter((r) => r.content.includes('已收到'))).to.have.length(1);
  });

  it('lets only one of two simultaneous 签收 win', async () => {
    await instances[0]!.say('zhuxia', '东岭村王某某家自来水停水三天，挑水吃');
    await settleAll();
    await Promise.all([instances[1]!.say('zhengkai', '签收 1'), instances[2]!.say('fenglei', '签收 1')]);
    await settleAll();
    const f = (await (await instances[0]!.api('/api/findings/1')).json()) as { status: string; history: { action: string; by: string }[] };
    expect(f.status).to.equal('accepted');
    expect(f.history.filter((h) => h.action === '签收')).to.have.length(1);
    const answers = [...wecom.toUser('zhengkai'), ...wecom.toUser('fenglei')].map((r) => r.content).filter((c) => c.includes('第 1 号问题') && !c.includes('待签收'));
    expect(answers.filter((c) => c.startsWith('已签收'))).to.have.length(1);
    expect(answers.filter((c) => !c.startsWith('已签收'))).to.have.length(1);
  });
});

import { expect } from 'chai';
import { startTestService, type TestService } from '../../helpers/service';

describe('what a dead instance leaves behind, and what the nightly clean-up removes', () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('does not leave a finding frozen by a claim whose instance died before writing its change', async () => {
    await t.say('zhuxia', '东岭村王某某家自来水停水三天，挑水吃');
    await t.settle();
    // an instance claimed version 0 for a change and died
    expect(await t.service.domain.claims.tryClaim('finding:1:v0', { by: 'zhengkai', action: '签收' })).to.equal(true);

    await t.say('fenglei', '签收 1');
    await t.settle();
    expect(t.wecom.toUser('fenglei').at(-1)?.content).to.contain('刚被他人处理');

    t.clock.advance(61_000);
    await t.say('fenglei', '签收 1');
    await t.settle();
    const f = await t.service.domain.findings.get(1);
    expect(f?.status).to.equal('accepted');
    expect(f?.history.filter((h) => h.action === '签收').map((h) => h.by)).to.deep.equal(['fenglei']);
  });

  it('deletes finished inbox events after a week, delivered messages, sent group items and claims after 30 days, and keeps the rest', async () => {
    await t.say('zhuxia', '东岭村王某某家自来水停水三天，挑水吃');
    await t.settle();
    const db = t.service.connection.db!;
    const old = new Date(t.clock.now().getTime() - 40 * 24 * 3600_000);
    await db.collection('inbox').insertMany([
      { _id: 'old-done' as never, status: 'done', processedAt: old },
      { _id: 'old-failed' as never, status: 'failed', processedAt: old },
    ]);
    await db.collection('outbox').insertOne({ dedupeKey: 'old-sent', status: 'sent', updatedAt: old, channel: 'x' });
    await db.collection('outbox').insertOne({ dedupeKey: 'old-failed', status: 'failed', updatedAt: old, channel: 'x' });
    await db.collection('claims').insertOne({ _id: 'out:old:a0' as never, at: old });
    // A group collection's items: one sent 40 days ago, one sent today, one still waiting since long ago.
    const item = (key: string, sentAt: Date | null) => ({ key, unit: '农业服务站', kind: 'message', content: key, mention: false, dueAt: old, batch: sentAt ? 'b' : null, sentAt, createdAt: old });
    await db.collection('group_waiting').insertMany([item('old-sent', old), item('new-sent', t.clock.now()), item('old-waiting', null)]);
    const inboxBefore = await db.collection('inbox').countDocuments();

    const result = await t.service.domain.housekeeping.run(t.clock.now());
    expect(result).to.deep.equal({ inbox: 1, outbox: 1, claims: 1, groupWaiting: 1, importFiles: 0, importRuns: 0 });
    expect((await db.collection('group_waiting').find({ key: { $in: ['old-sent', 'new-sent', 'old-waiting'] } }).toArray()).map((d) => d.key).sort()).to.deep.equal(['new-sent', 'old-waiting']);
    expect(await db.collection('inbox').countDocuments()).to.equal(inboxBefore - 1);
    expect(await db.collection('inbox').countDocuments({ _id: 'old-failed' as never })).to.equal(1);
    expect(await db.collection('outbox').countDocuments({ dedupeKey: 'old-failed' })).to.equal(1);
    expect(await t.service.domain.findings.count()).to.equal(1);
  });
});

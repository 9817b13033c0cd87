import { expect } from 'chai';
import { housekeepingJob } from '../../../jobs/housekeeping.job';
import { collectDigest, digestMessages, runDigestJob } from '../../../src/digest/digest.service';
import { freshDatabaseUri } from '../../helpers/database';
import { startTestService, type TestService } from '../../helpers/service';
import { storedBefore } from '../../helpers/stored-before';

// Reminders and the digest read the open findings' view and the tallies, kept beside the findings
// on every change; these checks follow what the leaders read as findings move and nights pass.
const LEADERS = 'EXAMPLE-LEADERS-ROBOT-KEY';

describe('digest counts through changes, the night’s check and a rebuild', () => {
  let t: TestService | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  const during = async (s: TestService, local: string, ...steps: [string, string][]) => {
    s.clock.set(`${local}+08:00`);
    for (const [who, text] of steps) {
      expect(await s.say(who, text)).to.equal(200);
      await s.settle();
    }
  };
  const leadersDigest = async (s: TestService, local: string): Promise<string> => {
    s.clock.set(`${local}+08:00`);
    expect((await runDigestJob(s.service.domain, s.clock.now())).sent).to.equal(true);
    await s.settle();
    return s.wecom.toWebhook(LEADERS).at(-1)!.content;
  };

  it('counts what was made, closed and cancelled since the last digest and in all, the same after the night and after a rebuild', async () => {
    const uri = freshDatabaseUri('tallies');
    t = await startTestService({ now: '2026-10-15T09:00:00+08:00', databaseUri: uri });
    // Thursday 15 Oct 2026: three reports; No. 1 is closed the same day, No. 2 withdrawn.
    await during(
      t,
      '2026-10-15T09:00',
      ['zhuxia', '东岭村李某某家危房，屋顶漏雨'],
      ['zhuxia', '东岭村王某某家危房，墙体开裂'],
      ['zhuxia', '东岭村赵某某家危房，门窗损坏'],
    );
    await during(t, '2026-10-15T10:00', ['hanbing', '签收 1'], ['hanbing', '整改完成 1 已更换屋顶瓦片'], ['zhuxia', '销号 1'], ['zhuxia', '撤销 2']);
    const thursday = await leadersDigest(t, '2026-10-15T17:30');
    expect(thursday)
      .to.contain('新增 **3** 件，销号 **1** 件（自 10月14日 17:30）')
      .and.to.contain('未办结 **1** 件')
      .and.to.contain('累计 3 件，已销号 1，已撤销 1')
      .and.to.contain('按期办结率 **100.0%（1/1）**');

    // The night: the views are checked against the findings (nothing to put right) and Thursday's counts summed up.
    t.clock.set('2026-10-16T03:17:00+08:00');
    const night = (await housekeepingJob.run(t.service.domain, t.clock.now())) as { views: { findings: number; open: number; fixed: number } };
    expect(night.views).to.deep.equal({ findings: 3, open: 1, fixed: 0 });
    const raw = await t.service.domain.findings.model.db.collection('finding_tallies').countDocuments({ _id: { $ne: 'rollup' } } as object);
    expect(raw).to.equal(0); // all five events (3 made, 1 closed, 1 withdrawn) were before Thursday's digest
    // Asked afterwards for Thursday's digest, whose window the rollup now covers: counted from the findings.
    const again = await collectDigest(t.service.domain, new Date('2026-10-15T17:40:00+08:00'));
    expect(again).to.include({ newSince: 3, closedSince: 1, total: 3, closed: 1 });

    // Friday: one more report, and No. 3 is closed.
    await during(t, '2026-10-16T09:00', ['zhuxia', '东岭村孙某某家危房，院墙倒塌']);
    await during(t, '2026-10-16T10:00', ['hanbing', '签收 3'], ['hanbing', '整改完成 3 已修缮门窗'], ['wangzhen', '销号 3']);
    const friday = await leadersDigest(t, '2026-10-16T17:30');
    expect(friday)
      .to.contain('新增 **1** 件，销号 **1** 件（自 10月15日 17:30）')
      .and.to.contain('未办结 **1** 件')
      .and.to.contain('累计 4 件，已销号 2，已撤销 1')
      .and.to.contain('按期办结率 **100.0%（2/2）**');

    // Views lost (or a database from before them): the next start builds them from the findings, and the digest reads the same.
    await t.stop();
    t = undefined;
    const { MongoClient } = await import('mongodb');
    const client = await MongoClient.connect(uri);
    await client.db().collection('findings_open').drop();
    await client.db().collection('finding_tallies').drop();
    await client.close();
    t = await startTestService({ now: '2026-10-16T17:40:00+08:00', databaseUri: uri });
    const data = await collectDigest(t.service.domain, t.clock.now());
    const rebuilt = digestMessages(t.service.domain, data, 'check').find((m) => m.recipient.key === 'leaders')!.message.content;
    expect(rebuilt).to.contain('新增 **1** 件，销号 **1** 件（自 10月15日 17:30）').and.to.contain('累计 4 件，已销号 2，已撤销 1').and.to.contain('未办结 **1** 件');
    expect((await t.service.domain.findings.open()).map((f) => [f.no, f.status])).to.deep.equal([[4, 'dispatched']]);
  });

  it('keys findings stored before by their number at the first start, and counts them', async () => {
    const uri = freshDatabaseUri('rekey');
    const { MongoClient } = await import('mongodb');
    const client = await MongoClient.connect(uri);
    const at = new Date('2026-10-14T10:00:00+08:00');
    const old = (no: number, status: string) => storedBefore(no, status, at, { deadline: new Date('2026-10-27T17:30:00+08:00') });
    // No. 3 was moved over by a first start that stopped before it finished.
    const moved = { ...old(3, 'dispatched'), channel: 'form', source: '自查', batch: null, linkedTo: null };
    await client.db().collection('findings').insertMany([old(1, 'dispatched'), old(2, 'closed'), moved]);
    await client.close();

    t = await startTestService({ now: '2026-10-15T09:00:00+08:00', databaseUri: uri });
    expect((await t.service.domain.findings.get(1))?.text).to.equal('东岭村第1户屋顶漏雨');
    expect((await t.service.domain.findings.open()).map((f) => f.no)).to.deep.equal([1, 3]);
    // The channel moved to `channel`, 问题来源 is 自查, and nothing was lost or moved twice.
    const api = async (no: number) => (await (await t!.api(`/api/findings/${no}`)).json()) as Record<string, unknown>;
    for (const [no, channel] of [[1, 'chat'], [2, 'chat'], [3, 'form']] as const) {
      expect(await api(no)).to.include({ channel, source: '自查', batch: null, linkedTo: null, household: null, text: `东岭村第${no}户屋顶漏雨` });
    }
    // The next report gets the next number, and the old findings take commands as before.
    await during(t, '2026-10-15T09:30', ['zhuxia', '东岭村王某某家危房，墙体开裂'], ['hanbing', '签收 1']);
    expect(await api(4)).to.include({ channel: 'chat', source: '自查' });
    expect((await t.service.domain.findings.get(1))?.status).to.equal('accepted');
    const tallies = await t.service.domain.findings.tallies(new Date('2026-10-14T17:30:00+08:00'), t.clock.now());
    expect(tallies).to.include({ created: 4, closed: 1, createdSince: 1 });
  });

  it('puts the views right at night when a crash left them behind the findings', async () => {
    t = await startTestService({ now: '2026-10-15T09:00:00+08:00' });
    await during(t, '2026-10-15T09:00', ['zhuxia', '东岭村李某某家危房，屋顶漏雨'], ['zhuxia', '东岭村王某某家危房，墙体开裂']);
    await during(t, '2026-10-15T10:00', ['hanbing', '签收 1'], ['hanbing', '整改完成 1 已更换屋顶瓦片'], ['zhuxia', '销号 1']);
    // As if the process died after writing the findings but before their views: No. 2 missing from
    // the open view and its "made" event gone; No. 1 still shown open, its closing not counted.
    const db = t.service.domain.findings.model.db;
    await db.collection('findings_open').deleteOne({ _id: '2' } as object);
    await db.collection('finding_tallies').deleteMany({ _id: { $in: ['created:2', 'closed:1'] } } as object);
    const one = (await t.service.domain.findings.get(1))!;
    await db.collection('findings_open').insertOne({ _id: '1', v: JSON.stringify({ ...one, _id: undefined, status: 'accepted', version: 1, textStart: one.text }) } as object);
    expect((await t.service.domain.findings.open()).map((f) => f.no)).to.deep.equal([1]);

    t.clock.set('2026-10-15T23:00:00+08:00');
    const night = (await housekeepingJob.run(t.service.domain, t.clock.now())) as { views: { fixed: number } };
    expect(night.views.fixed).to.equal(4); // No. 2 put back, No. 1 taken out, two events restored
    expect((await t.service.domain.findings.open()).map((f) => [f.no, f.status])).to.deep.equal([[2, 'dispatched']]);
    const friday = await leadersDigest(t, '2026-10-16T17:30');
    expect(friday).to.contain('累计 2 件，已销号 1，已撤销 0').and.to.contain('未办结 **1** 件');
  });
});

import { expect } from 'chai';
import { runDigestJob } from '../../../src/digest/digest.service';
import { freshDatabaseUri } from '../../helpers/database';
import { startTestService, type TestService } from '../../helpers/service';
import { seedFindings, type SeedFinding } from './seed-findings';

// config/org.example.yaml: the leaders' group EXAMPLE-LEADERS-ROBOT-KEY, digest at 17:30;
// 农业服务站 EXAMPLE-NONGYE-ROBOT-KEY, 镇建办 EXAMPLE-ZHENJIAN-ROBOT-KEY, 第一管区 EXAMPLE-DISTRICT1-ROBOT-KEY.
const LEADERS = 'EXAMPLE-LEADERS-ROBOT-KEY';
const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';
const ZHENJIAN = 'EXAMPLE-ZHENJIAN-ROBOT-KEY';
const DISTRICT1 = 'EXAMPLE-DISTRICT1-ROBOT-KEY';

// The digest of Friday 16 Oct 2026; the previous one was Thursday 15 Oct at 17:30.
const FINDINGS: SeedFinding[] = [
  { no: 1, status: 'closed', departments: ['农业服务站'], createdAt: '2026-10-05T10:00:00', deadline: '2026-10-14T17:30:00', closedAt: '2026-10-13T10:00:00' },
  { no: 2, status: 'closed', departments: ['镇建办'], createdAt: '2026-09-25T10:00:00', deadline: '2026-10-12T17:30:00', closedAt: '2026-10-16T10:00:00' }, // late
  { no: 3, status: 'closed', departments: ['镇建办'], createdAt: '2026-10-12T10:00:00', deadline: '2026-10-20T17:30:00', closedAt: '2026-10-16T11:00:00' },
  { no: 4, status: 'cancelled', departments: ['扶贫办'], createdAt: '2026-10-12T10:00:00', deadline: '2026-10-20T17:30:00' },
  { no: 5, status: 'dispatched', departments: ['农业服务站'], village: '东岭村', district: '第一管区', text: '东岭村王某某家吃水困难', createdAt: '2026-10-02T10:00:00', deadline: '2026-10-14T17:30:00' },
  { no: 6, status: 'accepted', departments: ['镇建办'], village: '西岭村', district: '第一管区', text: '西岭村李某某家危房漏雨', createdAt: '2026-09-28T10:00:00', deadline: '2026-10-09T17:30:00' },
  { no: 7, status: 'accepted', departments: ['农业服务站'], village: '北王村', district: '第二管区', text: '北王村赵某某家水管破裂', createdAt: '2026-10-09T10:00:00', deadline: '2026-10-19T17:30:00' },
  { no: 8, status: 'rectified', departments: ['镇建办'], village: '南庄村', district: '第一管区', createdAt: '2026-10-10T10:00:00', deadline: '2026-10-20T17:30:00' },
  { no: 9, status: 'triage', village: '东岭村', district: '第一管区', createdAt: '2026-10-16T09:00:00', deadline: null },
  { no: 10, status: 'dispatched', task: 1, departments: ['第一管区'], village: '东岭村', district: '第一管区', text: '东岭村孙某某家应纳未纳', createdAt: '2026-10-16T10:00:00', deadline: '2026-10-27T17:30:00' },
];

describe('daily digests', () => {
  let t: TestService;
  let u: TestService | undefined;

  afterEach(async () => {
    await t.stop();
    await u?.stop();
    u = undefined;
  });

  const digestAt = async (s: TestService, local: string) => {
    s.clock.set(`${local}+08:00`);
    const result = await runDigestJob(s.service.domain, s.clock.now());
    await s.settle();
    return result;
  };
  const contents = (s: TestService, key: string): string[] => s.wecom.toWebhook(key).map((r) => r.content);

  it('gives the leaders the counts, the units their own open work, at 17:30 on a working day, once', async () => {
    t = await startTestService({ now: '2026-10-16T17:00:00+08:00' });
    await seedFindings(t, FINDINGS);

    expect((await digestAt(t, '2026-10-16T17:29')).reason).to.equal('before digest time');
    expect(t.wecom.received).to.deep.equal([]);
    expect((await digestAt(t, '2026-10-16T17:30')).sent).to.equal(true);

    const [leaders, ...more] = contents(t, LEADERS);
    expect(more).to.deep.equal([]);
    expect(leaders)
      .to.contain('**姚村镇“回头看”每日简报** 10月16日 周五')
      .and.to.contain('新增 **2** 件，销号 **2** 件（自 10月15日 17:30）')
      .and.to.contain('未办结 **6** 件：待分派 1，待签收 2，整改中 2，待销号 1')
      .and.to.contain('超期 <font color="warning">**2**</font> 件；累计 10 件，已销号 3，已撤销 1')
      .and.to.contain('按期办结率 **40.0%（2/5）**') // No. 2 closed late; Nos. 5 and 6 overdue
      .and.to.contain('农业服务站 2/<font color="warning">1</font>，镇建办 2/<font color="warning">1</font>')
      .and.to.contain('第一管区 5/<font color="warning">2</font>，第二管区 1/0')
      .and.to.contain('[进度看板](https://bot.example.gov.cn/dashboard)')
      .and.not.to.contain('注意：');
    // Oldest deadline first: No. 6 (9 Oct; 10/10 was a worked Saturday) before No. 5 (14 Oct).
    expect(leaders).to.match(/1\. 第 6 号 镇建办 西岭村李某某家危房漏雨：整改中，超期 6 个工作日\n2\. 第 5 号 农业服务站 东岭村王某某家吃水困难：待签收，超期 2 个工作日/);

    const [nongye, ...nongyeMore] = contents(t, NONGYE);
    expect(nongyeMore).to.deep.equal([]);
    expect(nongye).to.contain('【今日待办】农业服务站 2 件未办结').and.to.contain('超期 1 件');
    expect(nongye).to.match(/1\. \*\*第 5 号\*\* 东岭村王某某家吃水困难｜待签收｜<font color="warning">超期 2 个工作日<\/font>\n2\. \*\*第 7 号\*\* 北王村赵某某家水管破裂｜整改中｜<font color="warning">10月19日到期<\/font>/);
    expect(contents(t, ZHENJIAN)).to.have.length(1);
    expect(contents(t, ZHENJIAN)[0]).to.contain('镇建办 1 件未办结').and.to.contain('第 6 号').and.not.to.contain('第 8 号'); // No. 8 waits for the reporter
    expect(contents(t, DISTRICT1)[0]).to.contain('第一管区 1 件未办结').and.to.contain('第 10 号');
    // Units with nothing open hear nothing.
    expect(t.wecom.toWebhook('EXAMPLE-FUPIN-ROBOT-KEY')).to.deep.equal([]);
    const total = t.wecom.received.length;

    expect((await digestAt(t, '2026-10-16T17:35')).reason).to.equal('already sent');
    expect((await digestAt(t, '2026-10-16T21:00')).reason).to.equal('already sent');
    expect(t.wecom.received).to.have.length(total);
  });

  it('sends a digest missed while the bot was down once when it is back the same day, whichever instance runs', async () => {
    const uri = freshDatabaseUri('digest');
    t = await startTestService({ now: '2026-10-16T09:00:00+08:00', env: { MONGODB_URI: uri } });
    u = await startTestService({ now: '2026-10-16T09:00:00+08:00', env: { MONGODB_URI: uri } });
    await seedFindings(t, FINDINGS);
    const second = u;

    // Nothing ran at 17:30; both come back at 19:10 and tick at once (three times between them).
    t.clock.set('2026-10-16T19:10:00+08:00');
    second.clock.set('2026-10-16T19:10:00+08:00');
    const runs = await Promise.all([t, second, t].map((s) => runDigestJob(s.service.domain, s.clock.now())));
    await t.settle();
    await second.settle();
    expect(runs.filter((r) => r.sent)).to.have.length(1);
    const leaders = [...contents(t, LEADERS), ...contents(second, LEADERS)];
    expect(leaders).to.have.length(1);
    expect(leaders[0]).to.contain('10月16日 周五');

    // Not again on Saturday, nor on Monday morning before Monday's own digest time.
    expect((await digestAt(t, '2026-10-17T18:00')).reason).to.equal('not a working day');
    expect((await digestAt(t, '2026-10-19T09:00')).reason).to.equal('before digest time');
    expect((await digestAt(t, '2026-10-01T18:00')).reason).to.equal('not a working day'); // 国庆节
    expect([...contents(t, LEADERS), ...contents(second, LEADERS)]).to.have.length(1);
    // Monday's comes at Monday's time, counting from Friday's.
    expect((await digestAt(t, '2026-10-19T17:30')).sent).to.equal(true);
    expect(contents(t, LEADERS).at(-1)).to.contain('10月19日 周一').and.to.contain('（自 10月16日 17:30）');
  });

  it('warns the leaders when next year\'s official holidays are not in the calendar yet', async () => {
    t = await startTestService({ now: '2026-12-15T17:30:00+08:00' });
    await seedFindings(t, FINDINGS.slice(0, 2));
    expect((await digestAt(t, '2026-12-15T17:30')).sent).to.equal(true);
    expect(contents(t, LEADERS)[0]).to.contain('注意：2027 年的国务院办公厅节假日安排尚未录入日历');
    expect(contents(t, LEADERS)[0]).to.contain('各部门均无未办结问题');
  });
});

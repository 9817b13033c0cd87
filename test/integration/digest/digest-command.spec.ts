import { expect } from 'chai';
import { runDigestJob } from '../../../src/digest/digest.service';
import { freshDatabaseUri } from '../../helpers/database';
import { startTestService, type TestService } from '../../helpers/service';
import { cliEnv, spawnCli } from '../../helpers/spawn-cli';
import { seedFindings } from './seed-findings';

const LEADERS = 'EXAMPLE-LEADERS-ROBOT-KEY';

describe('`cli digest --now <time> [--send]` (spawned)', function () {
  this.timeout(120_000);
  let t: TestService;
  let uri: string;

  beforeEach(async () => {
    uri = freshDatabaseUri('digcli');
    t = await startTestService({ now: '2026-10-16T09:00:00+08:00', env: { MONGODB_URI: uri } });
    await seedFindings(t, [
      { no: 1, status: 'accepted', departments: ['农业服务站'], village: '东岭村', district: '第一管区', text: '东岭村王某某家吃水困难', createdAt: '2026-10-02T10:00:00', deadline: '2026-10-14T17:30:00' },
      { no: 2, status: 'closed', departments: ['镇建办'], createdAt: '2026-10-05T10:00:00', deadline: '2026-10-14T17:30:00', closedAt: '2026-10-16T10:00:00' },
    ]);
  });
  afterEach(async () => {
    await t.stop();
  });

  it('prints the leaders\' digest as Markdown and sends nothing', async () => {
    const run = await spawnCli(['digest', '--now', '2026-10-16T17:30:00+08:00'], cliEnv(uri, t.wecom.base));
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^\*\*姚村镇“回头看”每日简报\*\* 10月16日 周五\n/);
    expect(run.stdout).to.contain('未办结 **1** 件').and.to.contain('销号 **1** 件').and.to.contain('1. 第 1 号 农业服务站 东岭村王某某家吃水困难：整改中，超期 2 个工作日');
    expect(t.wecom.received).to.deep.equal([]);
  });

  it('with --send also sends it (and the units\' own), delivered before it exits; the scheduler then does not send it again', async () => {
    const run = await spawnCli(['digest', '--now', '2026-10-16T17:31:00+08:00', '--send'], cliEnv(uri, t.wecom.base));
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.contain('已发送 2 条简报');
    const leaders = t.wecom.toWebhook(LEADERS);
    expect(leaders).to.have.length(1);
    expect(`${leaders[0]!.content}\n`).to.equal(run.stdout);
    expect(t.wecom.toWebhook('EXAMPLE-NONGYE-ROBOT-KEY')[0]!.content).to.contain('【今日待办】农业服务站 1 件未办结');

    t.clock.set('2026-10-16T17:35:00+08:00');
    expect((await runDigestJob(t.service.domain, t.clock.now())).reason).to.equal('already sent');
  });
});

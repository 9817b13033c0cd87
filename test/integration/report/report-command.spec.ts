import { expect } from 'chai';
import { runWeeklyReportJob } from '../../../src/report/weekly-report';
import { freshDatabaseUri } from '../../helpers/database';
import { seedFindings, SEED_NOW } from '../../helpers/seed-findings';
import { startTestService, type TestService } from '../../helpers/service';
import { cliEnv, spawnCli } from '../../helpers/spawn-cli';

const LEADERS = 'EXAMPLE-LEADERS-ROBOT-KEY';
const FRIDAY = '2026-12-04T17:00:00+08:00';

describe('`cli report --week [--now <time>] [--send]` (spawned)', function () {
  this.timeout(120_000);
  let t: TestService;
  let uri: string;

  before(async () => {
    uri = freshDatabaseUri('repcli');
    t = await startTestService({ now: SEED_NOW, env: { MONGODB_URI: uri } });
    await seedFindings(t);
  });
  after(async () => {
    await t.stop();
  });

  it('prints the week\'s 通报 as Markdown and sends nothing', async () => {
    const run = await spawnCli(['report', '--week', '--now', FRIDAY], cliEnv(uri, t.wecom.base));
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.contain('【每周通报】').and.to.contain('11月30日—12月4日');
    expect(run.stdout).to.contain('人社所：新增 0，销号 1，按期办结率 100.0%');
    expect(t.wecom.toWebhook(LEADERS)).to.deep.equal([]);
  });

  it('refuses what it cannot read with the usage, no stack trace, and sends nothing', async () => {
    const before = t.wecom.received.length;
    for (const args of [['report'], ['report', '--week', '--now', '下周五'], ['report', '--week', '--sent']]) {
      const run = await spawnCli(args, cliEnv(uri, t.wecom.base));
      expect(run.status, args.join(' ')).to.not.equal(0);
      expect(run.stderr, args.join(' ')).to.contain('用法：report --week').and.not.to.match(/\n\s+at /);
    }
    expect(t.wecom.received.slice(before)).to.deep.equal([]);
  });

  it('with --send also sends it to the leaders\' group before it exits; the Friday job then does not send it again', async () => {
    const run = await spawnCli(['report', '--week', '--now', FRIDAY, '--send'], cliEnv(uri, t.wecom.base));
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.contain('已发送每周通报').and.to.contain('成功 1');
    const sent = t.wecom.toWebhook(LEADERS);
    expect(sent).to.have.length(1);
    expect(`${sent[0]!.content}\n`).to.equal(run.stdout);
    const job = await runWeeklyReportJob(t.service.domain, new Date('2026-12-04T17:05:00+08:00'));
    expect(job).to.include({ sent: false, reason: 'already sent' });
    expect(t.wecom.toWebhook(LEADERS)).to.have.length(1);
  });
});

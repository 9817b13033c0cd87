import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../../../config/env';
import { loadOrgConfig } from '../../../config/org';
import { openDatabase } from '../../../src/db/connection';
import { findingModel } from '../../../src/findings/finding.model';
import { silentLogger } from '../../../src/logger';
import { outboxModel } from '../../../src/outbox/outbox.model';
import { parseDemoArgs, runDemo } from '../../../src/simulator/demo.command';
import { simModels } from '../../../src/simulator/sim-message.model';
import { freshDatabaseUri } from '../../helpers/database';
import { entryArgs } from '../../helpers/spawn-cli';

describe('cli demo: realistic findings through the real domain', function () {
  this.timeout(180_000);
  const now = new Date('2026-12-01T09:00:00+08:00');
  const org = loadOrgConfig('config/org.example.yaml');

  it('fills an empty database with consistent history and delivered messages, and refuses a second run without --force', async () => {
    const uri = freshDatabaseUri('demo');
    const config = loadConfig({ MONGODB_URI: uri, LOG_LEVEL: 'silent' });
    const summary = await runDemo({ config, org, logger: silentLogger(), options: { ...parseDemoArgs(['--count', '30', '--weeks', '5'], now) } });

    expect(summary.findings).to.be.within(25, 30);
    expect(Object.values(summary.byStatus).reduce((a, b) => a + b, 0)).to.equal(summary.findings);
    expect(Object.values(summary.byStatus).filter((n) => n > 0).length).to.be.at.least(4);
    expect(Object.keys(summary.byTask).length).to.be.at.least(5);
    expect(summary.villages).to.be.at.least(5);
    expect(summary.refused).to.equal(0);
    expect(summary.messages).to.be.greaterThan(summary.findings * 2);

    const connection = await openDatabase(uri);
    try {
      const findings = await findingModel(connection).find().sort({ no: 1 }).lean().exec();
      for (const f of findings) {
        const times = f.history.map((h) => h.at.getTime());
        expect(times, `history of ${f.no} in order`).to.deep.equal([...times].sort((a, b) => a - b));
        expect(Math.max(...times)).to.be.at.most(now.getTime());
        expect(times[0]).to.be.at.least(now.getTime() - 5 * 7 * 86_400_000);
        if (f.status !== 'triage' && f.status !== 'cancelled') expect(f.deadline, `deadline of ${f.no}`).to.be.instanceOf(Date);
        if (f.status === 'closed') expect(f.history.map((h) => h.action)).to.include.members(['报告', '签收', '整改完成', '销号']);
      }
      // Numbers follow the time of the report
      const created = findings.map((f) => f.history[0]!.at.getTime());
      expect(created).to.deep.equal([...created].sort((a, b) => a - b));
      expect(await outboxModel(connection).countDocuments({ status: { $in: ['pending', 'sending', 'failed'] } })).to.equal(0);
      const groupMessages = await simModels(connection).messages.countDocuments({ convs: 'g:webhook:EXAMPLE-ZHENJIAN-ROBOT-KEY' });
      expect(groupMessages).to.be.greaterThan(0);
    } finally {
      await connection.close();
    }

    let refusal: Error | undefined;
    try {
      await runDemo({ config, org, logger: silentLogger(), options: parseDemoArgs([], now) });
    } catch (err) {
      refusal = err as Error;
    }
    expect(refusal?.message).to.contain('数据库中已有');
  });

  it('runs from the command line: progress on stderr, and its counts as JSON are what it added (with --force, to what was there)', () => {
    const env = { ...process.env, MONGODB_URI: freshDatabaseUri('democli'), LOG_LEVEL: 'silent' };
    const demo = (...args: string[]) =>
      spawnSync(process.execPath, entryArgs('cli', 'demo', '--weeks', '2', '--now', '2026-12-01T09:00:00+08:00', ...args), { env, encoding: 'utf8', timeout: 120_000 });
    type Out = { findings: number; messages: number; byStatus: Record<string, number>; database: { findings: number; messages: number } };
    const first = demo('--count', '6');
    expect(first.status, first.stderr).to.equal(0);
    const out = JSON.parse(first.stdout) as Out;
    expect(out.findings).to.be.within(1, 6);
    expect(out.byStatus).to.have.keys(['triage', 'dispatched', 'accepted', 'rectified', 'closed', 'cancelled']);
    expect(out.database).to.deep.equal({ findings: out.findings, messages: out.messages });
    expect(first.stderr).to.match(/演示数据：共 \d+ 步（\d+ 条问题的上报和办理）/);
    expect(first.stderr).to.contain(`演示数据：新增 ${out.findings} 条问题`).and.to.contain(`数据库现有 ${out.findings} 条问题`);

    const again = demo('--force', '--count', '4', '--seed', '7');
    expect(again.status, again.stderr).to.equal(0);
    const added = JSON.parse(again.stdout) as Out;
    expect(added.findings).to.be.within(1, 4);
    expect(Object.values(added.byStatus).reduce((a, b) => a + b, 0)).to.equal(added.findings);
    expect(added.database.findings).to.equal(out.findings + added.findings);
    expect(added.database.messages).to.equal(out.messages + added.messages);
    expect(again.stderr).to.contain(`演示数据：新增 ${added.findings} 条问题`).and.to.contain(`数据库现有 ${out.findings + added.findings} 条问题`);
  });

  it('reads its options', () => {
    expect(parseDemoArgs(['--force', '--count', '10', '--weeks', '3', '--seed', '7'], now)).to.deep.include({ force: true, count: 10, weeks: 3, seed: 7 });
    expect(() => parseDemoArgs(['--count', 'x'], now)).to.throw('--count');
    expect(() => parseDemoArgs(['--bogus'], now)).to.throw('不认识的参数');
  });
});

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listTemplate } from '../../../src/import/list-workbook';
import { freshDatabaseUri } from '../../helpers/database';
import type { FindingJson } from '../../helpers/finding-json';
import { startTestService, type TestService } from '../../helpers/service';
import { cliEnv, spawnCli } from '../../helpers/spawn-cli';
import { fillTemplate } from '../../helpers/workbook';

const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';
const ZHENJIAN = 'EXAMPLE-ZHENJIAN-ROBOT-KEY';
const BATCH = '2026年回头看第二轮';

interface PlanJson {
  reporter: string;
  importedBy: string;
  counts: Record<'ok' | 'triage' | 'merge' | 'done' | 'error', number>;
  batch: string | null;
  rows: { row: number; outcome: string; village: string | null; item: string | null; departments: string[]; problems: { column: string; message: string }[] }[];
}

describe('`cli import FILE [--commit]` (spawned)', function () {
  this.timeout(180_000);
  let t: TestService;
  let uri: string;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    uri = freshDatabaseUri('importcli');
    t = await startTestService({ env: { MONGODB_URI: uri } });
    env = cliEnv(uri, t.wecom.base);
    dir = mkdtempSync(path.join(os.tmpdir(), 'yaocun-import-'));
  });
  after(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const findings = async (): Promise<FindingJson[]> => ((await (await t.api('/api/findings')).json()) as { items: FindingJson[] }).items;
  const groupMessages = () => t.wecom.received.filter((r) => r.api === 'webhook/send' || r.api === 'appchat/send');

  it('checks a list without storing anything, imports its good rows with progress, and adds nothing the second time', async () => {
    const file = path.join(dir, '督查问题清单.xlsx');
    writeFileSync(
      file,
      await fillTemplate(await listTemplate(), [
        { 序号: 1, 村: '东岭村', 农户: '王某某', 问题描述: '王某某家自来水一周没来水了' },
        { 序号: 2, 村: '西岭村', 农户: '李某某', 问题描述: '危房屋顶漏雨', 任务: 8 },
        { 序号: 3, 村: '东山村', 问题描述: '危房屋顶漏雨' },
        { 序号: 4, 村: '北王村', 问题描述: '吃水困难，水压不够', 责任单位: '农业服务站', 问题来源: '巡察反馈' },
        { 序号: 5, 村: '西岭村', 问题描述: '孩子辍学在家', 整改时限: '月底' },
      ]),
    );

    // The dry run: every row's outcome and its problems by column; nothing stored or sent.
    const dry = await spawnCli(['import', file, '--batch', BATCH, '--source', '督查'], env);
    expect(dry.status, dry.stderr).to.equal(0);
    const plan = JSON.parse(dry.stdout) as PlanJson;
    expect(plan.counts).to.deep.equal({ ok: 3, triage: 0, merge: 0, done: 0, error: 2 });
    expect(plan).to.deep.include({ batch: BATCH, reporter: 'wangzhen', importedBy: '系统导入' });
    expect(plan.rows.map((r) => [r.row, r.outcome])).to.deep.equal([
      [2, 'ok'],
      [3, 'ok'],
      [4, 'error'],
      [5, 'ok'],
      [6, 'error'],
    ]);
    expect(plan.rows[0]).to.deep.include({ village: '东岭村', item: '5.2', departments: ['农业服务站'], problems: [] });
    expect(plan.rows[2]!.problems).to.deep.equal([{ column: '村', message: '组织文件中没有“东山村”' }]);
    expect(plan.rows[4]!.problems).to.deep.equal([{ column: '整改时限', message: '“月底”不是日期（如 2026-12-31）' }]);
    expect(await findings()).to.have.length(0);
    await t.settle();
    expect(groupMessages()).to.have.length(0);

    // The commit, by a leader named: progress on stderr, the result as JSON, one message per unit.
    const commit = await spawnCli(['import', file, '--commit', '--batch', BATCH, '--source', '督查', '--reporter', 'liuhong'], env);
    expect(commit.status, commit.stderr).to.equal(0);
    expect(commit.stderr).to.contain('已导入 3/3 行');
    const result = JSON.parse(commit.stdout) as { reporter: string; importedBy: string; created: number[]; merged: number[]; already: number; skipped: { row: number }[]; messages: { unit: string; findings: number }[] };
    expect(result).to.deep.include({ reporter: 'liuhong', importedBy: 'liuhong', created: [1, 2, 3] });
    expect(result.skipped.map((s) => s.row)).to.deep.equal([4, 6]);
    expect(result.messages).to.deep.include({ unit: '农业服务站', findings: 2 });
    expect(result.messages).to.deep.include({ unit: '镇建办', findings: 1 });
    const made = await findings();
    expect(made.map((f) => [f.no, f.village, f.source, f.batch, f.channel, f.reporter, f.importedBy])).to.deep.equal([
      [1, '东岭村', '督查', BATCH, 'import', 'liuhong', 'liuhong'],
      [2, '西岭村', '督查', BATCH, 'import', 'liuhong', 'liuhong'],
      [3, '北王村', '巡察反馈', BATCH, 'import', 'liuhong', 'liuhong'],
    ]);
    // Delivered by the command before it exits.
    expect(t.wecom.toWebhook(NONGYE)).to.have.length(1);
    expect(t.wecom.toWebhook(NONGYE)[0]!.content).to.contain('【交办】问题清单 2 件').and.to.contain('第 1 号').and.to.contain('第 3 号');
    expect(t.wecom.toWebhook(ZHENJIAN)).to.have.length(1);
    const sent = groupMessages().length;

    // The same file again: nothing new, nothing sent.
    const again = await spawnCli(['import', file, '--commit', '--batch', BATCH, '--source', '督查'], env);
    expect(again.status, again.stderr).to.equal(0);
    expect(JSON.parse(again.stdout)).to.deep.include({ created: [], merged: [], already: 3, messages: [] });
    expect(await findings()).to.have.length(3);
    await t.settle();
    expect(groupMessages()).to.have.length(sent);

    // The week's 通报 as of now (the command's clock is the real one) counts them by 问题来源 and 批次.
    const report = await spawnCli(['report', '--week', '--now', new Date().toISOString()], env);
    expect(report.status, report.stderr).to.equal(0);
    expect(report.stdout).to.contain(`本周新增问题的来源：督查 2 件、巡察反馈 1 件；批次：${BATCH} 3 件。`);
  });

  it('refuses a file it cannot read, a missing file and a wrong 问题来源 in Chinese, with a non-zero exit and nothing stored', async () => {
    const before = (await findings()).length;
    const text = path.join(dir, '清单.csv');
    writeFileSync(text, '序号,村,问题描述\n1,东岭村,漏雨\n');
    const notExcel = await spawnCli(['import', text, '--commit'], env);
    expect(notExcel.status).to.equal(1);
    expect(notExcel.stdout).to.equal('');
    expect(notExcel.stderr).to.contain('无法读取该文件：请上传 Excel 工作簿（.xlsx）');

    const missing = await spawnCli(['import', path.join(dir, '没有这个文件.xlsx')], env);
    expect(missing.status).to.equal(1);
    expect(missing.stderr).to.contain('读不到文件');

    const source = await spawnCli(['import', text, '--source', '网上'], env);
    expect(source.status).to.equal(1);
    expect(source.stderr).to.contain('--source 应为 自查、巡察反馈、督查、审计、暗访、上级交办、群众反映 之一');

    const stranger = await spawnCli(['import', text, '--reporter', 'nobody'], env);
    expect(stranger.status).to.equal(1);
    expect(stranger.stderr).to.contain('组织文件中没有 nobody');

    const none = await spawnCli(['import'], env);
    expect(none.status).to.equal(1);
    expect(none.stderr).to.contain('用法：import <文件.xlsx> [--commit]');
    expect(await findings()).to.have.length(before);
  });
});

import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { FindingJson } from '../../helpers/finding-json';
import { ADMIN_TOKEN, startTestService, type TestService } from '../../helpers/service';
import { signIn } from '../../helpers/web-session';
import { fillTemplate, readXlsx, sheetRecords, type ListRow } from '../../helpers/workbook';

const KEYS = {
  农业服务站: 'EXAMPLE-NONGYE-ROBOT-KEY',
  镇建办: 'EXAMPLE-ZHENJIAN-ROBOT-KEY',
  扶贫办: 'EXAMPLE-FUPIN-ROBOT-KEY',
  人社所: 'EXAMPLE-RENSHE-ROBOT-KEY',
};

const GOOD: ListRow[] = [
  { 序号: 1, 村: '东岭村', 农户: '王某某', 身份证号: '371427196503171234', 问题描述: '王某某家自来水一周没来水了', 问题来源: '巡察反馈' },
  { 序号: 2, 村: '西岭村', 农户: '李某某', 问题描述: '危房屋顶漏雨', 任务: 8 },
  { 序号: 3, 村: '南庄村', 农户: '张某某', 问题描述: '孩子辍学在家' },
  { 序号: 4, 村: '北王村', 农户: '孙某某', 问题描述: '吃水困难，水压不够', 责任单位: '农业服务站', 整改时限: new Date(Date.UTC(2026, 11, 20)) },
  { 序号: 5, 村: '东岭村', 农户: '赵某某', 问题描述: '医保未参保', 备注: '已电话核实' },
];
const BAD: ListRow[] = [
  { 序号: 6, 村: '东山村', 问题描述: '危房屋顶漏雨' },
  { 序号: 7, 村: '西岭村', 问题描述: '危房屋顶漏雨', 责任单位: '不存在办' },
  { 序号: 8, 村: '西岭村', 农户: '周某某', 问题来源: '督查' },
  { 序号: 9, 村: '西岭村', 问题描述: '危房屋顶漏雨', 整改时限: '下周' },
  { 序号: 10, 村: '西岭村', 问题描述: '危房屋顶漏雨', 问题来源: '网上' },
  { 序号: 11, 村: '西岭村', 问题描述: '危房屋顶漏雨', 重点问题: '9.9' },
];

describe('问题清单 import (/dashboard/import with the admin token, real app, fake WeCom)', () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService({ now: '2026-12-01T09:00:00+08:00' });
  });
  afterEach(() => t.stop());

  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const post = async (fields: Record<string, string>, file?: Buffer): Promise<Response> => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    if (file) form.set('file', new Blob([file]), '清单.xlsx');
    return fetch(`${t.base}/dashboard/import`, { method: 'POST', headers: { ...auth, accept: 'text/html' }, body: form, redirect: 'manual' });
  };
  const findings = async (): Promise<FindingJson[]> => ((await (await t.api('/api/findings')).json()) as { items: FindingJson[] }).items;
  const groupMessages = () => t.wecom.received.filter((r) => r.api === 'webhook/send' || r.api === 'appchat/send');
  /** Commits the file checked before; follows the progress page until it says done. */
  const commit = async (digest: string): Promise<string> => {
    const res = await post({ action: 'commit', digest, source: '巡察反馈', batch: '2026年回头看第一轮' });
    expect(res.status).to.equal(303);
    const where = res.headers.get('location')!;
    for (let i = 0; i < 100; i++) {
      const page = await (await fetch(`${t.base}${where}`, { headers: auth })).text();
      if (page.includes('导入完成')) {
        await t.settle();
        return page;
      }
      if (page.includes('导入失败')) throw new Error(page);
      expect(page).to.contain('<progress');
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the import did not finish');
  };

  it('checks a template-made list row by row, stores nothing, then imports exactly the good rows with one message per unit; again adds nothing', async () => {
    const template = await fetch(`${t.base}/dashboard/import/template.xlsx`, { headers: auth });
    expect(template.status).to.equal(200);
    const file = await fillTemplate(await template.arrayBuffer(), [...GOOD, ...BAD]);

    const check = await post({ action: 'check', source: '巡察反馈', batch: '2026年回头看第一轮' }, file);
    expect(check.status).to.equal(200);
    const plan = await check.text();
    // Rows are numbered as Excel shows them: the header is row 1.
    const row = (n: number): string => new RegExp(`data-testid="row-${n}"[\\s\\S]*?</tr>`).exec(plan)![0];
    expect(row(2)).to.contain('交办').and.to.contain('5.2').and.to.contain('农业服务站').and.to.contain('东岭村').and.to.contain('新建农户');
    expect(row(3)).to.contain('镇建办');
    expect(row(5)).to.contain('农业服务站');
    expect(row(7)).to.contain('村：组织文件中没有“东山村”');
    expect(row(8)).to.contain('责任单位：组织文件中没有“不存在办”这一单位');
    expect(row(9)).to.contain('问题描述：问题描述为空');
    expect(row(10)).to.contain('整改时限：“下周”不是日期');
    expect(row(11)).to.contain('问题来源：“网上”不是问题来源');
    expect(row(12)).to.contain('重点问题：没有“9.9”这一重点问题');
    expect(plan).to.contain('有问题 <b data-testid="errors">6</b>');
    expect(plan).to.contain('导入人：系统导入；报告人（接收整改完成通知、验收销号）：王振（第一位镇领导）。');
    expect(await findings()).to.have.length(0);
    await t.settle();
    expect(groupMessages()).to.have.length(0);

    const digest = /name="digest" value="([0-9a-f]{64})"/.exec(plan)![1]!;
    const done = await commit(digest);
    expect(done).to.contain('新建 5 件').and.to.contain('有问题未导入 6 行');
    const made = await findings();
    expect(made.map((f) => (f as FindingJson & { text: string }).text)).to.deep.equal(['王某某家自来水一周没来水了', '危房屋顶漏雨', '孩子辍学在家', '吃水困难，水压不够', '医保未参保（备注：已电话核实）']);
    expect(made.every((f) => f.channel === 'import' && f.batch === '2026年回头看第一轮')).to.equal(true);
    expect(made.map((f) => f.source)).to.deep.equal(['巡察反馈', '巡察反馈', '巡察反馈', '巡察反馈', '巡察反馈']);
    expect(made[0]).to.include({ household: '东岭-001', householdName: '王某某', status: 'dispatched' });
    // The admin token is nobody: the rows say 系统导入, the first leader answers for them.
    expect(made.every((f) => f.reporter === 'wangzhen' && f.importedBy === '系统导入')).to.equal(true);
    expect(await (await fetch(`${t.base}/dashboard/findings/1`, { headers: auth })).text()).to.contain('<dt>导入人</dt><dd>系统导入</dd>');
    const ledger = sheetRecords((await readXlsx(await t.api('/export/ledger.xlsx'))).getWorksheet('全部')!);
    expect(ledger[0]).to.include({ 编号: 1, 备注: '报告人 王振；导入人 系统导入' });
    expect(made[3]!.deadline).to.equal('2026-12-20T09:30:00.000Z'); // 17:30 in 姚村镇 on the day the list gives

    // One message per unit, listing its new findings; names stay out of every group message.
    for (const [unit, key] of Object.entries(KEYS)) expect(t.wecom.toWebhook(key), unit).to.have.length(1);
    const nongye = t.wecom.toWebhook(KEYS.农业服务站)[0]!.content;
    expect(nongye).to.contain('【交办】问题清单 2 件').and.to.contain('第 1 号').and.to.contain('第 4 号').and.to.contain('东岭-001');
    expect(t.wecom.toWebhook(KEYS.扶贫办)[0]!.content).to.contain('第 3 号');
    const all = groupMessages().map((m) => m.content).join('\n');
    expect(all).not.to.contain('王某某').and.not.to.contain('371427');
    // The assisting units (镇中心中学 by app message, 卫生院 in its app chat) get theirs too, once each.
    expect(t.wecom.received.filter((r) => r.api === 'appchat/send')).to.have.length(1);
    const sent = groupMessages().length;

    // The same file again: every good row is known, nothing is made or sent.
    const again = await (await post({ action: 'check', source: '巡察反馈' }, file)).text();
    expect(again).to.contain('已导入过 <b>5</b>');
    const second = await commit(digest);
    expect(second).to.contain('新建 0 件').and.to.contain('已导入过 5 行');
    expect(await findings()).to.have.length(5);
    expect(groupMessages()).to.have.length(sent);
  });

  it('says in the dry run which rows join an earlier row of the same household and key problem, as the commit does', async () => {
    const template = await (await fetch(`${t.base}/dashboard/import/template.xlsx`, { headers: auth })).arrayBuffer();
    const file = await fillTemplate(template, [
      { 序号: 1, 村: '东岭村', 农户: '王某某', 身份证号: '371427196503171234', 问题描述: '自来水一周没来水了', 重点问题: '5.2' },
      { 序号: 2, 村: '东岭村', 农户: '王某某', 问题描述: '吃水要到邻村去挑', 重点问题: '5.2' },
      { 序号: 3, 村: '东岭村', 农户: '王某某', 问题描述: '屋顶漏雨', 重点问题: '8.1' },
      { 序号: 4, 村: '西岭村', 农户: '王某某', 问题描述: '吃水困难', 重点问题: '5.2' },
    ]);
    const plan = await (await post({ action: 'check', source: '巡察反馈' }, file)).text();
    const row = (n: number): string => new RegExp(`data-testid="row-${n}"[\\s\\S]*?</tr>`).exec(plan)![0];
    expect(row(2)).to.contain('交办');
    expect(row(3)).to.contain('并入（同第 2 行）');
    expect(row(4)).to.contain('交办');
    expect(row(5)).to.contain('交办'); // another village: another household
    expect(plan).to.contain('并入已有问题 <b>1</b>');

    const done = await commit(/name="digest" value="([0-9a-f]{64})"/.exec(plan)![1]!);
    expect(done).to.contain('新建 3 件').and.to.contain('并入已有问题 1 件');
    expect((await findings()).map((f) => [f.no, f.linkedTo, f.household])).to.deep.equal([
      [1, null, '东岭-001'],
      [2, 1, '东岭-001'],
      [3, null, '东岭-001'],
      [4, null, '西岭-001'],
    ]);
  });

  it('refuses what is not a list, and members who are not leaders', async () => {
    const notExcel = await post({ action: 'check' }, Buffer.from('序号,村,问题描述\n1,东岭村,漏雨\n'));
    expect(notExcel.status).to.equal(400);
    expect(await notExcel.text()).to.contain('请上传 Excel 工作簿');
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('表1').addRow(['村', '说明']);
    const noHeader = await post({ action: 'check' }, Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(await noHeader.text()).to.contain('找不到表头');
    expect(await findings()).to.have.length(0);
    // A unit member signed in: the page is for leaders only.
    const cookie = await signIn(t, 'zhengkai');
    const member = await fetch(`${t.base}/dashboard/import`, { headers: { cookie, accept: 'text/html' } });
    expect(member.status).to.equal(403);
    expect(await member.text()).to.contain('只有镇领导可以导入问题清单');
  });

  it('empties a list’s file once its import is done, and a checked list’s after a week uncommitted; the records stay and a re-import adds nothing', async () => {
    const template = await (await fetch(`${t.base}/dashboard/import/template.xlsx`, { headers: auth })).arrayBuffer();
    const checked = async (rows: ListRow[]): Promise<{ file: Buffer; digest: string }> => {
      const file = await fillTemplate(template, rows);
      const plan = await (await post({ action: 'check', source: '巡察反馈' }, file)).text();
      return { file, digest: /name="digest" value="([0-9a-f]{64})"/.exec(plan)![1]! };
    };
    const imported = await checked(GOOD.slice(0, 2));
    await commit(imported.digest);
    const waiting = await checked(GOOD.slice(2, 3));
    const db = t.service.connection.db!;
    const stored = async () => Object.fromEntries((await db.collection('import_files').find({}).toArray()).map((f) => [f._id, { name: f.name, by: f.by, kept: f.data !== null }]));
    const hour = 3600_000;
    const day = 24 * hour;
    const commitRefused = async (digest: string) => {
      const res = await post({ action: 'commit', digest, source: '巡察反馈' });
      expect(res.status).to.equal(400);
      expect(await res.text()).to.contain('找不到要导入的文件，请重新上传并检查。');
    };

    // The night after: the imported list's file goes, the one waiting for its commit stays.
    expect(await t.service.domain.housekeeping.run(new Date(t.clock.now().getTime() + 12 * hour))).to.include({ importFiles: 1, importRuns: 0 });
    expect(await stored()).to.deep.equal({
      [imported.digest]: { name: '清单.xlsx', by: '系统导入', kept: false },
      [waiting.digest]: { name: '清单.xlsx', by: '系统导入', kept: true },
    });
    await commitRefused(imported.digest);
    // A week later the one never committed goes too; nothing else changes.
    expect(await t.service.domain.housekeeping.run(new Date(t.clock.now().getTime() + 8 * day))).to.include({ importFiles: 1, importRuns: 0 });
    expect((await stored())[waiting.digest]).to.include({ kept: false });
    await commitRefused(waiting.digest);
    expect(await findings()).to.have.length(2);
    expect(await db.collection('import_runs').countDocuments({ state: 'done', digest: imported.digest })).to.equal(1);

    // Uploaded again, the imported list is known row by row.
    const again = await (await post({ action: 'check', source: '巡察反馈' }, imported.file)).text();
    expect(again).to.contain('已导入过 <b>2</b>');

    // A commit whose instance died mid-way is marked failed the next night, and its page says so.
    const id = 'stalled-run';
    await db.collection('import_runs').insertOne({ _id: id as never, digest: waiting.digest, by: 'wangzhen', at: t.clock.now(), done: 200, total: 1000, state: 'running', result: null, error: null });
    expect(await t.service.domain.housekeeping.run(new Date(t.clock.now().getTime() + 2 * hour))).to.include({ importRuns: 0 });
    expect(await t.service.domain.housekeeping.run(new Date(t.clock.now().getTime() + 2 * day))).to.include({ importRuns: 1 });
    const page = await (await fetch(`${t.base}/dashboard/import/runs/${id}`, { headers: auth })).text();
    expect(page).to.contain('导入失败').and.to.contain('导入中断').and.not.to.contain('http-equiv="refresh"');
  });
});

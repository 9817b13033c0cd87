import { expect } from 'chai';
import { collectDigest } from '../../../src/digest/digest.service';
import { leadersDigest } from '../../../src/digest/digest.messages';
import { LEDGER_COLUMNS } from '../../../src/ledger/ledger.export';
import { ADMIN_TOKEN, startTestService, type TestService } from '../../helpers/service';
import { seedFindings } from '../../helpers/seed-findings';
import { signIn } from '../../helpers/web-session';
import { readXlsx as readBack, sheetRecords as records } from '../../helpers/workbook';

const HEADERS = [
  '序号', '编号', '问题来源', '批次', '发现时间', '村', '农户', '任务', '重点问题', '反弹', '问题描述', '牵头单位', '配合单位', '责任人', '整改类型', '整改措施',
  '整改时限', '整改进展', '整改情况', '验收人', '验收意见', '销号日期', '督办等级', '超期天数', '佐证材料', '备注',
];
const SUMMARY = ['按单位汇总', '按村汇总'];

describe('the rectification ledger (整改台账) as Excel, read back with exceljs', () => {
  let t: TestService;

  before(async () => {
    // Started before the first report, as a live bot would be: the digest's counts take in every step.
    t = await startTestService({ now: '2026-11-10T09:00:00+08:00' });
    await seedFindings(t);
  });
  after(async () => {
    await t.stop();
  });

  const exportAs = (query = '', headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` }, path = '/export/ledger.xlsx') =>
    fetch(`${t.base}${path}${query}`, { headers });

  it('has 全部 and a sheet per unit, the headers frozen with widths and a filter, one row per finding', async () => {
    const res = await exportAs();
    expect(res.headers.get('content-disposition')).to.contain("filename*=UTF-8''").and.to.contain(encodeURIComponent('整改台账-姚村镇-2026-12-01.xlsx'));
    const wb = await readBack(res);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal(['全部', '扶贫办', '财政所', '经管站', '农业服务站', '镇中心中学', '民政办', '人社所', '卫生院', '镇建办', '第一管区', '第二管区', '第三管区', ...SUMMARY]);
    const all = wb.getWorksheet('全部')!;
    expect((all.getRow(1).values as unknown[]).slice(1)).to.deep.equal(HEADERS);
    expect(HEADERS).to.deep.equal(LEDGER_COLUMNS.map((c) => c.header));
    expect(all.views[0]).to.include({ state: 'frozen', ySplit: 1 });
    expect(all.getColumn(11).width).to.equal(50);
    expect(all.getColumn(5).width).to.equal(17);
    expect(all.autoFilter).to.not.equal(undefined);
    expect(all.getRow(1).font?.bold).to.equal(true);
    const rows = records(all);
    expect(rows.map((r) => r['编号'])).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(rows.map((r) => r['序号'])).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });

  it('fills each column: times as real dates in the town’s time, units lead and assisting, who answers, progress', async () => {
    const wb = await readBack(await exportAs());
    const [one, two, three, four, five, six] = records(wb.getWorksheet('全部')!);
    // Excel has no zones: the cell shows 姚村镇's wall clock.
    expect(one!['发现时间']).to.be.instanceOf(Date);
    expect((one!['发现时间'] as Date).toISOString()).to.equal('2026-11-10T10:00:00.000Z');
    expect((one!['整改时限'] as Date).toISOString()).to.equal('2026-11-19T00:00:00.000Z');
    expect(wb.getWorksheet('全部')!.getRow(2).getCell(5).numFmt).to.equal('yyyy-mm-dd hh:mm');
    expect(one).to.include({ 备注: '报告人 朱霞', 村: '西岭村', 牵头单位: '镇建办', 配合单位: null, 整改进展: '待签收，已超期', 督办等级: '红', 超期天数: 8, 佐证材料: '无', 问题来源: '自查', 批次: null, 反弹: null });
    expect(one!['农户']).to.contain('李某某 371427196503171234');
    expect(one!['任务']).to.equal('任务8 贫困户的住房是否安全');
    expect(one!['责任人']).to.equal('韩冰'); // 镇建办's member, nobody has signed yet
    expect(two).to.include({ 牵头单位: '农业服务站', 责任人: '郑凯', 整改进展: '整改中，11月12日签收，已超期' });
    expect(two!['重点问题']).to.contain('5.2');
    expect(three).to.include({ 牵头单位: '人社所', 配合单位: '卫生院', 责任人: '蒋涛', 整改情况: '已补缴', 整改类型: '限期整改', 验收人: '尤军', 整改进展: '已销号', 督办等级: null, 超期天数: null });
    expect((three!['销号日期'] as Date).toISOString()).to.equal('2026-11-30T00:00:00.000Z');
    expect(three!['问题描述']).to.contain('13812345678'); // the admin token sees numbers in full
    expect(four).to.include({ 牵头单位: '待分派', 整改进展: '待分派', 督办等级: '绿' });
    expect(four!['整改时限']).to.equal(null);
    expect(five).to.include({ 牵头单位: '第一管区', 责任人: '朱霞（包村干部）' });
    expect(six).to.include({ 备注: '报告人 朱霞；已撤销', 督办等级: null });
  });

  it('sums up by unit and by village: total, closed, open, overdue and 按期办结率 (cancelled ones left out)', async () => {
    const wb = await readBack(await exportAs());
    const units = records(wb.getWorksheet('按单位汇总')!);
    expect(Object.keys(units[0]!)).to.deep.equal(['单位', '问题总数', '已销号', '未销号', '超期', '按期办结率']);
    const unit = (name: string) => units.find((r) => r['单位'] === name);
    expect(unit('镇建办')).to.include({ 问题总数: 1, 已销号: 0, 未销号: 1, 超期: 1, 按期办结率: 0 }); // no. 6 cancelled
    expect(unit('人社所')).to.include({ 问题总数: 1, 已销号: 1, 未销号: 0, 超期: 0, 按期办结率: 1 });
    expect(unit('民政办')).to.include({ 问题总数: 0, 按期办结率: null });
    expect(units.at(-1)).to.include({ 单位: '合计', 问题总数: 5, 已销号: 1, 未销号: 4, 超期: 2 });
    expect(units.at(-1)!['按期办结率']).to.be.closeTo(1 / 3, 1e-9); // 1 on time of 3 due (1 closed, 2 overdue)
    // The leaders' digest reads the same figure off the same findings.
    expect(leadersDigest(await collectDigest(t.service.domain, t.clock.now()), 4096, 'robot')).to.contain('按期办结率 **33.3%（1/3）**');
    const villages = records(wb.getWorksheet('按村汇总')!);
    expect(villages.find((r) => r['村'] === '东岭村')).to.include({ 问题总数: 2, 未销号: 2, 超期: 1 });
    expect(villages.find((r) => r['村'] === '北王村')).to.include({ 问题总数: 1, 已销号: 1 });
  });

  it('puts a finding on the sheet of each unit that leads or assists it', async () => {
    const wb = await readBack(await exportAs());
    const nos = (name: string): unknown[] => records(wb.getWorksheet(name)!).map((r) => r['编号']);
    expect(nos('人社所')).to.deep.equal([3]);
    expect(nos('卫生院')).to.deep.equal([3]);
    expect(nos('镇建办')).to.deep.equal([1, 6]);
    expect(nos('民政办')).to.deep.equal([]);
    expect(wb.getWorksheet('民政办')!.getRow(1).getCell(1).value).to.equal('序号');
  });

  it('takes the dashboard’s filters', async () => {
    const wb = await readBack(await exportAs(`?status=open&department=${encodeURIComponent('镇建办')}`));
    expect(records(wb.getWorksheet('全部')!).map((r) => r['编号'])).to.deep.equal([1]);
    const dated = await readBack(await exportAs('?from=2026-11-27&to=2026-11-30'));
    expect(records(dated.getWorksheet('全部')!).map((r) => r['编号'])).to.deep.equal([3, 4]);
    expect((await exportAs('?status=nonsense')).status).to.equal(400);
  });

  it('from the dashboard (a session) personal numbers are masked, and members get their own scope', async () => {
    const leader = await signIn(t, 'wangzhen');
    const wb = await readBack(await exportAs('', { cookie: leader }, '/dashboard/ledger.xlsx'));
    const rows = records(wb.getWorksheet('全部')!);
    expect(rows).to.have.length(6);
    expect(rows[0]!['农户']).to.contain('李某某 371427**********34');
    expect(rows[2]!['问题描述']).to.contain('138****5678').and.not.to.contain('13812345678');
    const zhengkai = await signIn(t, 'zhengkai');
    const own = await readBack(await exportAs('', { cookie: zhengkai }, '/dashboard/ledger.xlsx'));
    expect(records(own.getWorksheet('全部')!).map((r) => r['编号'])).to.deep.equal([2]);
  });
});

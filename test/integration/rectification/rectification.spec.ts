import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { runReminders } from '../../../src/reminders/reminder.service';
import type { FindingJson } from '../../helpers/finding-json';
import { startTestService, type TestService } from '../../helpers/service';

// config/org.example.yaml: 镇建办 (hanbing) on robot EXAMPLE-ZHENJIAN-ROBOT-KEY; leaders wangzhen and
// liuhong, their group EXAMPLE-LEADERS-ROBOT-KEY; 东岭村 lies in 第一管区 (yangfan), its 包村干部 zhuxia.
const ZHENJIAN = 'EXAMPLE-ZHENJIAN-ROBOT-KEY';
const LEADERS = 'EXAMPLE-LEADERS-ROBOT-KEY';
const ROOF = '东岭村李某某家危房，屋顶漏雨，墙体裂缝';

type Rectified = FindingJson & { kind: string | null; measure: string | null; grade: string | null; checkedBy: string | null; checkNote: string | null; extension: { deadline: string } | null };

describe('rectification as townships run it: kinds at 签收, 进展, 延期, 验收销号', () => {
  let t: TestService;

  afterEach(async () => {
    await t?.stop();
  });

  async function finding(no: number): Promise<Rectified> {
    return (await (await t.api(`/api/findings/${no}`)).json()) as Rectified;
  }
  async function sayAt(local: string, from: string, text: string): Promise<string> {
    t.clock.set(`${local}+08:00`);
    await t.say(from, text);
    await t.settle();
    return t.wecom.toUser(from).at(-1)?.content ?? '';
  }
  /** The reminder job as if it were that Shanghai time; what the unit's group and the leaders' group received. */
  async function remindAt(local: string): Promise<{ group: string[]; leaders: string[] }> {
    t.clock.set(`${local}+08:00`);
    const before = { group: t.wecom.toWebhook(ZHENJIAN).length, leaders: t.wecom.toWebhook(LEADERS).length };
    await runReminders(t.service.domain, t.clock.now());
    await t.settle();
    return { group: t.wecom.toWebhook(ZHENJIAN).slice(before.group).map((r) => r.content), leaders: t.wecom.toWebhook(LEADERS).slice(before.leaders).map((r) => r.content) };
  }
  async function reportRoof(): Promise<void> {
    t = await startTestService({ now: '2026-12-01T09:00:00+08:00' }); // a Tuesday
    await t.say('zhuxia', ROOF);
    await t.settle();
    expect((await finding(1)).departments).to.deep.equal(['镇建办']);
  }

  it('立行立改: 3 working days, 黄 on the last, 红 and on the leaders\' 督办 list after it', async () => {
    await reportRoof();
    expect(await sayAt('2026-12-01T10:00', 'hanbing', '签收 1 立行立改 措施：先用彩钢瓦临时封顶')).to.contain('立行立改').and.to.contain('12月4日');
    let f = await finding(1);
    expect(f).to.include({ status: 'accepted', kind: '立行立改', measure: '先用彩钢瓦临时封顶', grade: 'green' });
    expect(f.deadline).to.equal(new Date('2026-12-04T17:30:00+08:00').toISOString());

    expect(await remindAt('2026-12-03T10:00')).to.deep.equal({ group: [], leaders: [] });
    t.clock.set('2026-12-04T09:00:00+08:00');
    expect((await finding(1)).grade).to.equal('yellow');
    const due = await remindAt('2026-12-04T09:00');
    expect(due.group).to.have.length(1);
    expect(due.group[0]).to.contain('第 1 号').and.to.contain('到期');
    expect(due.leaders).to.deep.equal([]);

    // Monday 7 Dec: overdue over the weekend; red goes to the leaders at once.
    const over = await remindAt('2026-12-07T08:30');
    expect((await finding(1)).grade).to.equal('red');
    expect(over.group[0]).to.contain('已超期');
    expect(over.leaders).to.have.length(1);
    expect(over.leaders[0]).to.contain('【督办】').and.to.contain('第 1 号').and.to.contain('镇建办');
    f = await finding(1);
    expect(await sayAt('2026-12-07T09:00', 'zhuxia', '查询 1')).to.contain('督办等级：红').and.to.contain('整改类型：立行立改').and.to.contain('先用彩钢瓦临时封顶');
    expect(f.status).to.equal('accepted');
  });

  it('限期整改 with a committed date; a date beyond 20 working days or unreadable is refused and changes nothing', async () => {
    await reportRoof();
    expect(await sayAt('2026-12-01T10:00', 'hanbing', '签收 1 限期 2027-01-30 措施：翻修')).to.contain('最长 20 个工作日');
    expect(await sayAt('2026-12-01T10:01', 'hanbing', '签收 1 限期 明天')).to.contain('没看懂');
    expect((await finding(1)).status).to.equal('dispatched');

    expect(await sayAt('2026-12-01T10:02', 'hanbing', '签收 1 限期 12月20日 措施：更换屋面瓦，加固墙体')).to.contain('12月20日');
    const f = await finding(1);
    expect(f).to.include({ status: 'accepted', kind: '限期整改', measure: '更换屋面瓦，加固墙体' });
    expect(f.deadline).to.equal(new Date('2026-12-20T17:30:00+08:00').toISOString());
    expect(f.history.at(-1)).to.include({ by: 'hanbing', action: '签收' });

    // A plain 签收 keeps the dispatch's deadline (7 working days) as 限期整改.
    await t.say('zhuxia', '西岭村赵某某家屋顶漏雨，墙体开裂');
    await t.settle();
    await sayAt('2026-12-01T11:00', 'hanbing', '签收 2');
    const plain = await finding(2);
    expect(plain).to.include({ kind: '限期整改', measure: null });
    expect(plain.deadline).to.equal(new Date('2026-12-10T17:30:00+08:00').toISOString());
  });

  it('持续整改: asked for progress every 10 working days and never reminded daily; 进展 starts the count again', async () => {
    await reportRoof();
    await sayAt('2026-12-01T10:00', 'hanbing', '签收 1 持续 2027-03-31 措施：纳入明年危房改造计划');
    expect(await finding(1)).to.include({ kind: '持续整改', measure: '纳入明年危房改造计划' });

    for (const day of ['2026-12-02T10:30', '2026-12-08T10:30', '2026-12-14T10:00']) expect(await remindAt(day)).to.deep.equal({ group: [], leaders: [] });
    const ask = await remindAt('2026-12-15T10:00'); // 10 working days after 签收
    expect(ask.group).to.have.length(1);
    expect(ask.group[0]).to.contain('未报告进展').and.to.contain('进展 1');
    expect(await remindAt('2026-12-16T10:00')).to.deep.equal({ group: [], leaders: [] });

    expect(await sayAt('2026-12-16T11:00', 'hanbing', '进展 1 已完成预算申报')).to.contain('已记录');
    expect(await sayAt('2026-12-16T11:01', 'zhuxia', '进展 1 我看看')).to.contain('只有责任单位');
    const f = await finding(1);
    expect(f.history.at(-1)).to.include({ by: 'hanbing', action: '进展' });
    expect(await remindAt('2026-12-29T10:00')).to.deep.equal({ group: [], leaders: [] }); // 9 working days after the 进展
    expect((await remindAt('2026-12-30T11:00')).group[0]).to.contain('进展 1');
  });

  it('限期整改 quiet for 5 working days turns 黄: the unit is asked for progress once, and again 5 quiet days after a 进展', async () => {
    await reportRoof();
    await sayAt('2026-12-01T10:00', 'hanbing', '签收 1 限期 12月25日 措施：更换屋顶瓦片');
    expect(await remindAt('2026-12-08T09:59')).to.deep.equal({ group: [], leaders: [] });
    const quiet = await remindAt('2026-12-08T10:00'); // 5 working days after 签收
    expect(quiet.leaders).to.deep.equal([]);
    expect(quiet.group).to.have.length(1);
    expect(quiet.group[0]).to.contain('没有新进展').and.to.contain('时限 12月25日').and.to.contain('进展 1');
    expect((await finding(1)).grade).to.equal('yellow');
    expect(await remindAt('2026-12-09T10:00')).to.deep.equal({ group: [], leaders: [] });

    expect(await sayAt('2026-12-09T11:00', 'hanbing', '进展 1 瓦片已到货')).to.contain('已记录');
    expect((await finding(1)).grade).to.equal('green');
    expect(await remindAt('2026-12-16T10:59')).to.deep.equal({ group: [], leaders: [] });
    expect((await remindAt('2026-12-16T11:00')).group[0]).to.contain('没有新进展');
  });

  it('持续整改 past its target date goes to the leaders\' 督办 list at once, not with the next ask', async () => {
    await reportRoof();
    await sayAt('2026-12-01T10:00', 'hanbing', '签收 1 持续 2026-12-10 措施：纳入危房改造计划');
    expect(await remindAt('2026-12-10T17:00')).to.deep.equal({ group: [], leaders: [] });
    const passed = await remindAt('2026-12-11T08:30');
    expect(passed.leaders).to.have.length(1);
    expect(passed.leaders[0]).to.contain('【督办】').and.to.contain('持续整改已过目标日期 12月10日');
    expect(passed.group).to.have.length(1);
    expect(passed.group[0]).to.contain('已过目标日期 12月10日').and.to.contain('延期 1');
    expect((await finding(1)).grade).to.equal('red');
    expect(await sayAt('2026-12-11T09:00', 'hanbing', '进展 1 已开工')).to.contain('已记录');
    expect(await remindAt('2026-12-11T10:00')).to.deep.equal({ group: [], leaders: [] }); // once, whatever 进展 follow
  });

  it('持续整改 whose target passed unnoticed until its progress ask: the leaders read it once in that run', async () => {
    await reportRoof();
    await sayAt('2026-12-01T10:00', 'hanbing', '签收 1 持续 2026-12-10 措施：纳入危房改造计划');
    // No run between the target (10 Dec) and the first progress ask (10 working days: 15 Dec 10:00).
    const late = await remindAt('2026-12-15T10:00');
    expect(late.leaders).to.have.length(1);
    expect(late.leaders[0]!.match(/第 1 号/g)).to.have.length(1);
    expect(late.group).to.have.length(1);
    expect(late.group[0]!.match(/第 1 号/g)).to.have.length(1);
  });

  it('延期: the deadline changes only when a leader approves; a refusal tells the unit why', async () => {
    await reportRoof();
    await sayAt('2026-12-01T10:00', 'hanbing', '签收 1');
    expect(await sayAt('2026-12-02T10:00', 'hanbing', '延期 1 12月30日')).to.contain('原因');
    expect(await sayAt('2026-12-02T10:01', 'zhuxia', '延期 1 12月30日 想晚点')).to.contain('只有责任单位');
    expect(await sayAt('2026-12-02T10:02', 'hanbing', '延期 1 12月30日 瓦片厂家缺货')).to.contain('审批前时限仍为 12月10日');
    let f = await finding(1);
    expect(f.deadline).to.equal(new Date('2026-12-10T17:30:00+08:00').toISOString());
    expect(f.extension?.deadline).to.equal(new Date('2026-12-30T17:30:00+08:00').toISOString());
    expect(f.history.map((h) => h.action)).to.deep.equal(['报告', '签收']);
    const card = t.wecom.toUser('wangzhen').at(-1)!;
    expect(card.body.msgtype).to.equal('template_card');
    expect(JSON.stringify(card.body)).to.contain('extend-yes:1').and.to.contain('瓦片厂家缺货');

    expect(await sayAt('2026-12-02T11:00', 'hanbing', '同意延期 1')).to.contain('只有镇领导');
    expect(await sayAt('2026-12-02T11:01', 'wangzhen', '不同意延期 1 群众住房安全等不得')).to.contain('仍为 12月10日');
    expect(t.wecom.toWebhook(ZHENJIAN).at(-1)!.content).to.contain('不同意').and.to.contain('群众住房安全等不得');
    f = await finding(1);
    expect(f.deadline).to.equal(new Date('2026-12-10T17:30:00+08:00').toISOString());
    expect(f.extension).to.equal(null);
    expect(f.history.map((h) => h.action)).to.deep.equal(['报告', '签收']);

    await sayAt('2026-12-03T10:00', 'hanbing', '延期 1 12月18日 雨雪天气无法施工');
    t.clock.set('2026-12-03T11:00:00+08:00');
    await t.click('liuhong', 'extend-yes:1');
    await t.settle();
    f = await finding(1);
    expect(f.deadline).to.equal(new Date('2026-12-18T17:30:00+08:00').toISOString());
    expect(f.history.at(-1)).to.include({ by: 'liuhong', action: '同意延期' });
    expect(t.wecom.toWebhook(ZHENJIAN).at(-1)!.content).to.contain('同意').and.to.contain('12月18日');
    expect(await sayAt('2026-12-03T11:05', 'wangzhen', '同意延期 1')).to.contain('没有待审批的延期申请');
  });

  it('验收销号: refused to the responsible unit, accepted from the reporter with 验收意见; for tasks 3-8 the village\'s 管区 may check too', async () => {
    await reportRoof();
    await sayAt('2026-12-01T10:00', 'hanbing', '签收 1');
    await sayAt('2026-12-03T10:00', 'hanbing', '整改完成 1 已更换屋面瓦');
    expect(await sayAt('2026-12-03T10:05', 'hanbing', '销号 1')).to.contain('责任单位不能自己销号');
    expect((await finding(1)).status).to.equal('rectified');

    expect(await sayAt('2026-12-03T15:00', 'zhuxia', '销号 1 经现场查看屋顶已不漏雨')).to.contain('已销号');
    const f = await finding(1);
    expect(f).to.include({ status: 'closed', checkedBy: 'zhuxia', checkNote: '经现场查看屋顶已不漏雨', grade: null });
    expect(t.wecom.toWebhook(ZHENJIAN).at(-1)!.content).to.contain('朱霞 验收销号').and.to.contain('验收意见：经现场查看屋顶已不漏雨');

    // 第一管区's yangfan checks a 镇建办 finding in 东岭村; 农业服务站's zhengkai may not.
    await sayAt('2026-12-03T16:00', 'zhuxia', '东岭村孙某某家屋顶漏雨');
    await sayAt('2026-12-03T16:10', 'hanbing', '签收 2');
    await sayAt('2026-12-03T16:20', 'hanbing', '整改完成 2 已修补');
    expect(await sayAt('2026-12-03T16:30', 'zhengkai', '销号 2')).to.contain('只有报告人');
    expect(await sayAt('2026-12-03T16:40', 'yangfan', '销号 2')).to.contain('已销号');
    expect((await finding(2)).checkedBy).to.equal('yangfan');
  });

  it('keeps all of it in the ledger row inspectors check: 整改类型, 措施, 进展, 整改情况, 验收人, 验收意见, 佐证材料', async () => {
    await reportRoof();
    await sayAt('2026-12-01T10:00', 'hanbing', '签收 1 限期 12月11日 措施：更换屋面瓦');
    await sayAt('2026-12-03T10:00', 'hanbing', '进展 1 瓦片已到货');
    await sayAt('2026-12-04T10:00', 'hanbing', '整改完成 1 屋面瓦已全部更换');
    await t.service.domain.evidence.add({ findingNo: 1, kind: 'rectification', by: 'hanbing', source: 'page', at: t.clock.now(), contentType: 'image/png', filename: 'roof.png', buffer: Buffer.from('png') });
    await t.service.domain.evidence.add({ findingNo: 1, kind: 'problem', by: 'zhuxia', source: 'page', at: t.clock.now(), contentType: 'image/png', filename: 'leak.png', buffer: Buffer.from('png') });
    await sayAt('2026-12-04T15:00', 'zhuxia', '销号 1 现场查看已不漏雨');

    // The finding page: problem and rectification photos side by side (整改前 / 整改后), and the check.
    const page = await (await t.api('/dashboard/findings/1')).text();
    const column = (id: string): string => page.split(`data-testid="${id}"`)[1]!.split('</div></div>')[0]!;
    expect(column('before')).to.contain('整改前（1）').and.to.contain('<img');
    expect(column('after')).to.contain('整改后（1）').and.to.contain('<img');
    expect(page).to.contain('<dt>整改类型</dt><dd>限期整改</dd>').and.to.contain('<dt>整改措施</dt><dd>更换屋面瓦</dd>').and.to.contain('<dt>验收</dt><dd>朱霞：现场查看已不漏雨</dd>');

    const res = await t.api('/export/ledger.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('全部')!;
    const headers = (ws.getRow(1).values as string[]).slice(1);
    const row = Object.fromEntries(headers.map((h, i) => [h, ws.getRow(2).getCell(i + 1).value]));
    expect(row).to.include({ 整改类型: '限期整改', 整改措施: '更换屋面瓦', 整改情况: '屋面瓦已全部更换', 验收人: '朱霞', 验收意见: '现场查看已不漏雨', 督办等级: null, 超期天数: null });
    expect(row['整改进展']).to.contain('12月3日 瓦片已到货');
    expect(row['佐证材料']).to.deep.equal({ text: '2 张', hyperlink: 'https://bot.example.gov.cn/dashboard/findings/1' });
  });
});

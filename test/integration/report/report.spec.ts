import { expect } from 'chai';
import JSZip from 'jszip';
import { collectDigest } from '../../../src/digest/digest.service';
import { leadersDigest } from '../../../src/digest/digest.messages';
import { act } from '../../../src/findings/finding.service';
import { commitImport } from '../../../src/import/list-import.service';
import { listTemplate } from '../../../src/import/list-workbook';
import { runWeeklyReportJob, weeklyReport } from '../../../src/report/weekly-report';
import { ADMIN_TOKEN, startTestService, type TestService } from '../../helpers/service';
import { seedFindings, SEED_NOW } from '../../helpers/seed-findings';
import { signIn } from '../../helpers/web-session';
import { fillTemplate } from '../../helpers/workbook';

const LEADERS = 'EXAMPLE-LEADERS-ROBOT-KEY';

/** The paragraphs' text and the tables (rows of cell texts) of a .docx, read back from word/document.xml. */
async function readDocx(buffer: Buffer): Promise<{ text: string; tables: string[][][] }> {
  const zip = await JSZip.loadAsync(buffer);
  const xml = await zip.file('word/document.xml')!.async('string');
  const texts = (s: string): string => [...s.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('');
  const tables = [...xml.matchAll(/<w:tbl>([\s\S]*?)<\/w:tbl>/g)].map((t) =>
    [...t[1]!.matchAll(/<w:tr[ >]([\s\S]*?)<\/w:tr>/g)].map((r) => [...r[1]!.matchAll(/<w:tc>([\s\S]*?)<\/w:tc>/g)].map((c) => texts(c[1]!))),
  );
  const paragraphs = [...xml.replace(/<w:tbl>[\s\S]*?<\/w:tbl>/g, '').matchAll(/<w:p[ >]([\s\S]*?)<\/w:p>/g)].map((p) => texts(p[1]!));
  return { text: paragraphs.join('\n'), tables };
}

describe('the weekly 通报 and the written 整改报告 (.docx), from a seeded database', () => {
  let t: TestService;

  before(async () => {
    t = await startTestService({ now: SEED_NOW });
    await seedFindings(t);
    // 第一管区 returns no. 5 (a 退回 this week); 人社所's no. 3 was closed on time on Monday.
    t.clock.set('2026-12-01T09:30:00+08:00');
    const returned = await act(t.service.domain, 5, 'return', 'yangfan', '不属于管区职责', '退回 5 不属于管区职责');
    expect(returned.ok, returned.message).to.equal(true);
    await t.settle();
  });
  after(async () => {
    await t.stop();
  });

  it('counts the week per unit and goes to the leaders once, on the last working day at 17:00', async () => {
    const { content } = await weeklyReport(t.service.domain, new Date('2026-12-04T17:00:00+08:00'));
    expect(content).to.contain('【每周通报】').and.to.contain('11月30日—12月4日');
    expect(content).to.contain('本周新增 3 件，销号 1 件（按期 1 件），按期办结率 33.3%；目前超期 2 件；本周退回 1 件，驳回 0 件。');
    expect(content).to.contain('人社所：新增 0，销号 1，按期办结率 100.0%，超期 0，退回 0，驳回 0');
    expect(content).to.contain('镇建办：新增 1，销号 0，按期办结率 0.0%，超期 1');
    // No. 5 went back to triage: counted where it was returned, not as received.
    expect(content).to.contain('第一管区：新增 0，销号 0，按期办结率 —，超期 0，退回 1');
    expect(content).to.match(/督办等级：红 2 件，黄 \d+ 件，绿 \d+ 件/);
    // Units, never people.
    for (const person of ['朱霞', '郑凯', '韩冰', '杨帆', '蒋涛', '尤军']) expect(content).not.to.contain(person);

    const domain = t.service.domain;
    expect(await runWeeklyReportJob(domain, new Date('2026-12-03T17:30:00+08:00'))).to.include({ sent: false, reason: 'not the last working day of the week' });
    expect(await runWeeklyReportJob(domain, new Date('2026-12-04T16:59:00+08:00'))).to.include({ sent: false, reason: 'before report time' });
    const before = t.wecom.toWebhook(LEADERS).length;
    expect(await runWeeklyReportJob(domain, new Date('2026-12-04T17:00:00+08:00'))).to.include({ sent: true });
    expect(await runWeeklyReportJob(domain, new Date('2026-12-04T17:05:00+08:00'))).to.include({ sent: false, reason: 'already sent' });
    await t.settle();
    const sent = t.wecom.toWebhook(LEADERS).slice(before);
    expect(sent).to.have.length(1);
    expect(sent[0]!.content).to.contain('【每周通报】').and.to.contain('人社所');
  });

  it('writes the 整改报告 as Word: title, sections 一二三, totals by task and status, per unit, the unresolved list', async () => {
    const res = await fetch(`${t.base}/export/report.docx?from=2026-11-01&to=2026-12-01`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(res.headers.get('content-disposition')).to.contain(encodeURIComponent('整改报告-姚村镇-2026-11-01至2026-12-01.docx'));
    const doc = await readDocx(Buffer.from(await res.arrayBuffer()));
    expect(doc.text).to.contain('姚村镇脱贫攻坚“回头看”问题整改情况报告').and.to.contain('（2026年11月1日—2026年12月1日）');
    expect(doc.text).to.contain('一、总体情况').and.to.contain('二、各责任单位整改情况').and.to.contain('三、未整改到位问题清单');
    expect(doc.text).to.contain('共发现问题 6 个，其中已销号 1 个，未销号 4 个，撤销 1 个');

    const [byTask, byUnit, unresolved] = doc.tables;
    expect(byTask![0]).to.deep.equal(['任务', '待分派', '待签收', '整改中', '待销号', '已销号', '已撤销', '合计']);
    expect(byTask!.find((r) => r[0]!.startsWith('任务8'))).to.deep.equal(['任务8 住房安全', '0', '1', '0', '0', '0', '1', '2']);
    expect(byTask!.find((r) => r[0]!.startsWith('任务7'))).to.deep.equal(['任务7 医保扶贫', '0', '0', '0', '0', '1', '0', '1']);
    expect(byTask!.at(-1)).to.deep.equal(['合计', '2', '1', '1', '0', '1', '1', '6']);

    expect(byUnit![0]).to.deep.equal(['责任单位', '交办', '已销号', '按期销号', '未销号', '超期', '退回', '驳回', '按期办结率', '持续整改']);
    expect(byUnit!.find((r) => r[0] === '人社所')).to.deep.equal(['人社所', '1', '1', '1', '0', '0', '0', '0', '100.0%', '0']);
    expect(byUnit!.find((r) => r[0] === '农业服务站')).to.deep.equal(['农业服务站', '1', '0', '0', '1', '1', '0', '0', '0.0%', '0']);
    expect(byUnit!.find((r) => r[0] === '第一管区')!.slice(0, 7)).to.deep.equal(['第一管区', '0', '0', '0', '0', '0', '1']);

    expect(unresolved![0]).to.deep.equal(['编号', '村', '问题', '责任单位', '整改类型', '整改时限', '状态', '超期（工作日）', '情况说明']);
    expect(unresolved!.slice(1).map((r) => r[0])).to.deep.equal(['1', '2', '4', '5']);
    const two = unresolved!.find((r) => r[0] === '2')!;
    expect(two).to.include.members(['东岭村', '农业服务站', '限期整改', '11月23日', '整改中（红）', '6']);
    expect(unresolved!.find((r) => r[0] === '5')![8]).to.equal('退回：不属于管区职责');
  });

  it('lets leaders download it from a session, refuses other members and bad dates, and asks for a token otherwise', async () => {
    expect((await fetch(`${t.base}/export/report.docx`)).status).to.equal(401);
    const member = await signIn(t, 'zhengkai');
    expect((await fetch(`${t.base}/export/report.docx`, { headers: { cookie: member } })).status).to.equal(403);
    const leader = await signIn(t, 'wangzhen');
    const res = await fetch(`${t.base}/export/report.docx?from=2026-11-01`, { headers: { cookie: leader } });
    expect(res.status).to.equal(200);
    expect((await readDocx(Buffer.from(await res.arrayBuffer()))).text).to.contain('（2026年11月1日—2026年12月1日）');
    const typed = await fetch(`${t.base}/export/report.docx?from=${encodeURIComponent('2026年11月2日')}&to=2026/11/30`, { headers: { cookie: leader } });
    expect(typed.status).to.equal(200);
    expect((await readDocx(Buffer.from(await typed.arrayBuffer()))).text).to.contain('（2026年11月2日—2026年11月30日）');
    const bad = await fetch(`${t.base}/export/report.docx?from=2026-12-05&to=2026-12-01`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(bad.status).to.equal(400);
    expect(await bad.text()).to.contain('开始日期不能晚于结束日期');
    expect((await fetch(`${t.base}/export/report.docx?from=2026-13-01`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).to.equal(400);
  });

  it('shows 三色督办 on the dashboard with counts and a filter, in the ledger filter, and in the digest', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    // Nos. 1 and 2 are past their deadlines (红); 4 and 5 wait in triage, moved today or yesterday (绿).
    const page = await (await fetch(`${t.base}/dashboard`, { headers: admin })).text();
    const tile = (grade: string): string => new RegExp(`data-grade="${grade}"[^>]*>.*?<b>(\\d+)</b>`).exec(page)?.[1] ?? '';
    expect([tile('red'), tile('yellow'), tile('green')]).to.deep.equal(['2', '0', '2']);
    const red = await (await fetch(`${t.base}/dashboard?grade=red`, { headers: admin })).text();
    const listed = (html: string): string[] => [...(html.split('data-testid="list"')[1] ?? '').matchAll(/href="\/dashboard\/findings\/(\d+)"/g)].map((m) => m[1]!);
    expect([...new Set(listed(red))].sort()).to.deep.equal(['1', '2']);
    expect((await fetch(`${t.base}/dashboard?grade=purple`, { headers: admin })).status).to.equal(400);

    const ledger = await fetch(`${t.base}/export/ledger.xlsx?grade=green`, { headers: admin });
    expect(ledger.status).to.equal(200);
    const zip = await JSZip.loadAsync(Buffer.from(await ledger.arrayBuffer()));
    const sheet = await zip.file('xl/worksheets/sheet1.xml')!.async('string');
    expect((sheet.match(/<row /g) ?? []).length).to.equal(3); // the header, nos. 4 and 5

    const digest = leadersDigest(await collectDigest(t.service.domain, t.clock.now()), 4096, 'robot');
    expect(digest).to.contain('督办等级：红 <font color="warning">**2**</font> 件，黄 **0** 件，绿 **2** 件');
  });

  it('counts the week’s new findings by 问题来源 and 批次, and the 反弹 among them, in the 通报 and the Word report', async () => {
    t.clock.set('2026-12-02T10:00:00+08:00');
    const report = async (body: Record<string, unknown>): Promise<number> => {
      const res = await t.api('/api/findings', { method: 'POST', body: JSON.stringify({ reporter: 'zhuxia', village: '东岭村', item: '5.2', ...body }) });
      expect(res.status, await res.clone().text()).to.equal(201);
      await t.settle();
      return ((await res.json()) as { no: number }).no;
    };
    const say = async (from: string, text: string) => {
      expect(await t.say(from, text)).to.equal(200);
      await t.settle();
    };
    const batch = '2026年回头看第一轮';
    // A household's water fixed and closed, then back in a 督查 list: 反弹.
    const first = await report({ text: '王某某家自来水一周没来水了', household: { name: '王某某' } });
    await say('zhengkai', `签收 ${first}`);
    await say('zhengkai', `整改完成 ${first} 已修复入户管道`);
    await say('zhuxia', `销号 ${first}`);
    const list = await fillTemplate(await listTemplate(), [
      { 村: '东岭村', 农户: '王某某', 问题描述: '王某某家又停水了', 重点问题: '5.2' },
      { 村: '西岭村', 问题描述: '危房，屋顶漏雨', 重点问题: '8.1', 问题来源: '巡察反馈' },
    ]);
    const imported = await commitImport(t.service.domain, list, { reporter: 'wangzhen', importedBy: 'wangzhen', source: '督查', batch });
    expect(imported.created).to.have.length(2);
    await t.settle();
    expect(((await (await t.api(`/api/findings/${imported.created[0]}`)).json()) as { relapse: boolean }).relapse).to.equal(true);

    // The week: the seed's three and the one reported here (自查, no batch), the list's two.
    const { content } = await weeklyReport(t.service.domain, new Date('2026-12-04T17:00:00+08:00'));
    expect(content).to.contain(`本周新增问题的来源：自查 4 件、督查 1 件、巡察反馈 1 件；批次：未定批次 4 件、${batch} 2 件；其中反弹 1 件。`);
    expect(content).not.to.contain('王某某');

    const res = await fetch(`${t.base}/export/report.docx?from=2026-11-30&to=2026-12-04`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const doc = await readDocx(Buffer.from(await res.arrayBuffer()));
    expect(doc.text).to.contain(`发现问题的来源：自查 4 个、督查 1 个、巡察反馈 1 个；批次：未定批次 4 个、${batch} 2 个；其中反弹 1 个。`);
  });
});

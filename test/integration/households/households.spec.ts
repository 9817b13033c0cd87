import { expect } from 'chai';
import { leadersDigest } from '../../../src/digest/digest.messages';
import { collectDigest } from '../../../src/digest/digest.service';
import type { FindingJson } from '../../helpers/finding-json';
import { ADMIN_TOKEN, startTestService, type TestService } from '../../helpers/service';
import { signIn } from '../../helpers/web-session';
import { readXlsx, sheetRecords } from '../../helpers/workbook';

const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';
const ID_WANG = '371427196503171234';

describe('households: one record per household, named by its code in groups; duplicates and relapses', () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService({ now: '2026-12-01T09:00:00+08:00' });
  });
  afterEach(() => t.stop());

  const report = async (body: Record<string, unknown>): Promise<FindingJson & { relapse: boolean }> => {
    const res = await t.api('/api/findings', { method: 'POST', body: JSON.stringify({ reporter: 'zhuxia', ...body }) });
    expect(res.status, await res.clone().text()).to.equal(201);
    await t.settle();
    return (await res.json()) as FindingJson & { relapse: boolean };
  };
  const water = (village: string, household: Record<string, string> | null, extra: Record<string, unknown> = {}) =>
    report({ text: `${household?.name ?? ''}家自来水一周没来水了`, village, item: '5.2', ...(household ? { household } : {}), ...extra });
  const say = async (from: string, text: string): Promise<string> => {
    const before = t.wecom.toUser(from).length;
    expect(await t.say(from, text)).to.equal(200);
    await t.settle();
    return t.wecom.toUser(from).slice(before).map((m) => m.content).join('\n');
  };
  /** The ledger's 全部 sheet, a record per finding. */
  const ledger = async (): Promise<Record<string, unknown>[]> => sheetRecords((await readXlsx(await t.api('/export/ledger.xlsx'))).getWorksheet('全部')!);
  const groupTexts = (): string => t.wecom.received.filter((r) => r.api === 'webhook/send').map((r) => r.content).join('\n');

  it('matches on the ID number, else name and village; none without either; codes per village', async () => {
    const a = await water('东岭村', { name: '王某某', idNumber: ID_WANG });
    expect(a).to.include({ household: '东岭-001', householdName: '王某某', householdIdNumber: '371427**********34' });
    // Same ID under another name: the same household.
    const b = await report({ text: '危房，屋顶漏雨', village: '东岭村', item: '8.1', household: { name: '王大某', idNumber: ID_WANG } });
    expect(b.household).to.equal('东岭-001');
    // Name and village, no ID: the same household; the same name in another village: another.
    const c = await report({ text: '孩子辍学在家', village: '东岭村', household: { name: '王某某' } });
    expect(c.household).to.equal('东岭-001');
    const d = await water('西岭村', { name: '王某某' });
    expect(d.household).to.equal('西岭-001');
    const e = await water('东岭村', { name: '李某某' });
    expect(e.household).to.equal('东岭-002');
    // A name first, its ID number later: the record takes the number, and the number alone finds it.
    await water('南庄村', { name: '赵某某' });
    const g = await report({ text: '危房，墙体开裂', village: '南庄村', item: '8.1', household: { name: '赵某某', idNumber: '37142719700101002X' } });
    const h = await report({ text: '医保未参保', village: '南庄村', household: { idNumber: '37142719700101002x' } });
    expect([g.household, h.household]).to.deep.equal(['南庄-001', '南庄-001']);
    // Neither name nor ID number: no household.
    const none = await water('东岭村', null);
    expect(none).to.include({ household: null, householdName: null });
  });

  it('groups read the village and code, never the name or ID number; the reporter and the page show them', async () => {
    await water('东岭村', { name: '王某某', idNumber: ID_WANG });
    const group = t.wecom.toWebhook(NONGYE).map((m) => m.content).join('\n');
    expect(group).to.contain('【交办】第 1 号问题').and.to.contain('农户：东岭村 东岭-001').and.to.contain('东岭-001家自来水');
    expect(groupTexts()).not.to.contain('王某某').and.not.to.contain('371427');
    const page = await (await t.api('/dashboard/findings/1')).text();
    expect(page).to.contain('王某某').and.to.contain('东岭-001');
  });

  it('a second report of the same household and key problem while one is open is merged; a leader splits it', async () => {
    await water('东岭村', { name: '王某某', idNumber: ID_WANG });
    const groupBefore = t.wecom.toWebhook(NONGYE).length;
    const receiptsBefore = t.wecom.toUser('zhuxia').length;
    const dup = await report({ text: '王某某家还是没有自来水', village: '东岭村', item: '5.2', household: { idNumber: ID_WANG } });
    expect(dup).to.include({ no: 2, linkedTo: 1, status: 'cancelled', household: '东岭-001' });
    expect(t.wecom.toUser('zhuxia').slice(receiptsBefore).map((m) => m.content).join('\n')).to.contain('已并入第 1 号');
    expect(t.wecom.toWebhook(NONGYE)).to.have.length(groupBefore); // the unit gets nothing new
    // Another key problem of the same household is not a duplicate.
    const roof = await report({ text: '危房，屋顶漏雨', village: '东岭村', item: '8.1', household: { idNumber: ID_WANG } });
    expect(roof.linkedTo).to.equal(null);
    expect((await ledger())[1]).to.include({ 编号: 2, 备注: '报告人 朱霞；已并入第 1 号（同一农户同一问题）' });

    expect(await say('zhuxia', '拆分 2')).to.contain('只有镇领导可以拆分');
    expect(await say('wangzhen', '拆分 1')).to.contain('没有并入其他问题');
    expect(await say('wangzhen', '拆分 2')).to.contain('第 2 号问题已从第 1 号拆出');
    const split = (await (await t.api('/api/findings/2')).json()) as FindingJson;
    expect(split).to.include({ status: 'dispatched', linkedTo: null });
    expect(t.wecom.toWebhook(NONGYE).at(-1)!.content).to.contain('【交办】第 2 号问题');
    expect(await say('zhengkai', '签收 2')).to.contain('已签收第 2 号问题');
  });

  it('flags 反弹 when the household had the same key problem closed before; 销号 names the same problem open elsewhere', async () => {
    await water('东岭村', { name: '王某某', idNumber: ID_WANG });
    await water('西岭村', { name: '李某某' });
    await say('zhengkai', '签收 1');
    await say('zhengkai', '整改完成 1 已修复入户管道');
    const closed = await say('zhuxia', '销号 1');
    expect(closed).to.contain('第 1 号问题已销号').and.to.contain('举一反三').and.to.contain('第 2 号（西岭村）');

    const page = await (await t.api('/dashboard/findings/1')).text();
    expect(page).to.contain('举一反三').and.to.contain('第 2 号</a>（西岭村）');

    const again = await report({ text: '又停水了', village: '东岭村', item: '5.2', household: { name: '王某某' } });
    expect(again).to.include({ no: 3, relapse: true, linkedTo: null, status: 'dispatched' });
    expect(t.wecom.toWebhook(NONGYE).at(-1)!.content).to.contain('【交办】第 3 号问题').and.to.contain('反弹');
    const other = await water('东岭村', { name: '李某某' });
    expect(other.relapse).to.equal(false);
    // The ledger marks it in its 反弹 column.
    expect((await ledger()).map((r) => [r['编号'], r['反弹']])).to.deep.equal([
      [1, null],
      [2, null],
      [3, '是'],
      [4, null],
    ]);
    // The leaders' digest counts it, with the open findings by 问题来源, and names nobody.
    const digest = leadersDigest(await collectDigest(t.service.domain, t.clock.now()), 4096, 'robot');
    expect(digest).to.contain('按来源和批次（未办结）：自查 3').and.to.match(/反弹 .*1.* 件/);
    expect(digest).not.to.contain('王某某').and.not.to.contain('李某某');
  });

  it('/dashboard/villages counts per village and 管区 with 清零; the household page shows name and ID only to those who may see them', async () => {
    await water('东岭村', { name: '王某某', idNumber: ID_WANG });
    await report({ text: '危房，屋顶漏雨', village: '东岭村', item: '8.1', household: { name: '王某某' } });
    await water('西岭村', { name: '李某某' });
    const villages = await (await t.api('/dashboard/villages', { headers: { accept: 'text/html' } })).text();
    const row = (v: string): string => new RegExp(`data-testid="village-${v}"[\\s\\S]*?</tr>`).exec(villages)![0];
    expect(row('东岭村')).to.match(/>2<\/a><\/td><td class="num">0<\/td><td class="num">1<\/td>/).and.not.to.contain('清零');
    expect(row('南庄村')).to.contain('清零');
    expect(villages).to.contain('第一管区：未办结 3 件');

    const page = async (cookie: string | null): Promise<string> =>
      (await fetch(`${t.base}/dashboard/households/${encodeURIComponent('东岭-001')}`, { headers: cookie ? { cookie } : { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    const admin = await page(null);
    expect(admin).to.contain('农户 东岭-001').and.to.contain('王某某').and.to.contain('371427**********34').and.to.contain('data-testid="finding-1"').and.to.contain('data-testid="finding-2"');
    expect(await page(await signIn(t, 'zhengkai'))).to.contain('王某某'); // the unit of finding 1
    const other = await page(await signIn(t, 'jiangtao')); // 人社所: nothing to do with this household
    expect(other).to.contain('农户 东岭-001').and.not.to.contain('王某某').and.not.to.contain('371427');
  });

  it('批次: a leader names the current batch; new findings carry it and their 问题来源', async () => {
    expect(await say('zhuxia', '批次 2026年回头看第一轮')).to.contain('只有镇领导可以设定批次');
    expect(await say('wangzhen', '批次')).to.contain('尚未设定批次');
    expect(await say('wangzhen', '批次 2026年回头看第一轮')).to.contain('当前批次已设为“2026年回头看第一轮”');
    expect(await say('zhuxia', '批次')).to.contain('当前批次：2026年回头看第一轮');
    const f = await water('东岭村', null);
    expect(f).to.include({ batch: '2026年回头看第一轮', source: '自查', channel: 'api' });
    expect(t.wecom.toWebhook(NONGYE).at(-1)!.content).to.contain('问题来源：自查 · 2026年回头看第一轮');
    expect((await ledger())[0]).to.include({ 编号: 1, 问题来源: '自查', 批次: '2026年回头看第一轮' });
  });
});

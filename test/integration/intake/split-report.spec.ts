import { expect } from 'chai';
import { reportFinding } from '../../../src/findings/finding.service';
import type { FindingJson } from '../../helpers/finding-json';
import { startTestService, type TestService } from '../../helpers/service';
import { signIn } from '../../helpers/web-session';

// config/org.example.yaml: each unit's group robot; 东岭村's 包村干部 is zhuxia.
const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';
const RENSHE = 'EXAMPLE-RENSHE-ROBOT-KEY';
const MINZHENG = 'EXAMPLE-MINZHENG-ROBOT-KEY';
const ZHENJIAN = 'EXAMPLE-ZHENJIAN-ROBOT-KEY';
const FUPIN = 'EXAMPLE-FUPIN-ROBOT-KEY';

const VISIT = '东岭村王某某家入户走访发现三个问题：一是饮水不安全，井水浑浊；二是医保今年没交；三是低保该纳未纳';

describe('a report with several problems: one finding each, one receipt (real app, fake WeCom)', () => {
  let t: TestService;

  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(async () => {
    await t.stop();
  });

  const finding = async (no: number): Promise<FindingJson> => (await (await t.api(`/api/findings/${no}`)).json()) as FindingJson;
  const count = async (): Promise<number> => ((await (await t.api('/api/findings')).json()) as { items: unknown[] }).items.length;
  const receipts = (userid: string) => t.wecom.toUser(userid).filter((m) => m.content.includes('已收到'));

  it('chat: each problem goes to its own unit, and the reporter gets one receipt naming every number', async () => {
    await t.say('zhuxia', VISIT, '7300000000000000042');
    await t.settle();

    expect(await count()).to.equal(3);
    const [water, insurance, welfare] = [await finding(1), await finding(2), await finding(3)];
    expect(water).to.include({ status: 'dispatched', task: 5, item: '5.2', village: '东岭村', text: '东岭村王某某家：饮水不安全，井水浑浊' });
    expect(insurance).to.include({ status: 'dispatched', task: 7, item: '7.1', village: '东岭村', text: '东岭村王某某家：医保今年没交' });
    expect(welfare).to.include({ status: 'dispatched', task: 6, item: '6.1', village: '东岭村' });
    expect(t.wecom.toWebhook(NONGYE).map((m) => m.content).join()).to.contain('【交办】第 1 号问题').and.to.contain('井水浑浊');
    expect(t.wecom.toWebhook(RENSHE).map((m) => m.content).join()).to.contain('【交办】第 2 号问题').and.to.contain('医保今年没交');
    expect(t.wecom.toWebhook(MINZHENG).map((m) => m.content).join()).to.contain('【交办】第 3 号问题');
    // No unit hears of another unit's problem.
    expect(t.wecom.toWebhook(NONGYE).map((m) => m.content).join()).not.to.contain('医保');

    const receipt = receipts('zhuxia');
    expect(receipt).to.have.length(1);
    expect(receipt[0]!.content)
      .to.contain('共 3 个问题')
      .and.to.contain('第 1 号').and.to.contain('农业服务站')
      .and.to.contain('第 2 号').and.to.contain('人社所')
      .and.to.contain('第 3 号').and.to.contain('民政办');

    // WeCom retries the delivery: nothing more is made or sent.
    const before = t.wecom.received.length;
    await t.say('zhuxia', VISIT, '7300000000000000042');
    await t.settle();
    expect(await count()).to.equal(3);
    expect(t.wecom.received.length).to.equal(before);
  });

  it('chat: a household’s second problem after a comma becomes its own finding', async () => {
    await t.say('zhuxia', '东岭村李某某家孩子初中辍学在家，他家房子也是危房');
    await t.settle();
    expect(await count()).to.equal(2);
    expect(await finding(1)).to.include({ item: '5.3', text: '东岭村李某某家孩子初中辍学在家' });
    expect(await finding(2)).to.include({ item: '8.1', village: '东岭村', text: '东岭村李某某家：他家房子也是危房' });
    expect(t.wecom.toWebhook(FUPIN)).to.have.length(1);
    expect(t.wecom.toWebhook(ZHENJIAN)).to.have.length(1);
    expect(receipts('zhuxia')).to.have.length(1);
  });

  it('chat: a clause that only adds detail stays in one finding', async () => {
    await t.say('zhuxia', '东岭村王某某家房顶漏雨，西屋墙上也裂了一道大缝，下雨天不敢住');
    await t.settle();
    expect(await count()).to.equal(1);
    expect(receipts('zhuxia')[0]!.content).to.contain('编号 1').and.not.to.contain('共');
  });

  it('POST /api/findings answers 201 with the first finding as before, plus every part', async () => {
    const res = await t.api('/api/findings', { method: 'POST', body: JSON.stringify({ text: VISIT, reporter: 'zhuxia' }) });
    expect(res.status).to.equal(201);
    const body = (await res.json()) as FindingJson & { parts: FindingJson[] };
    expect(body).to.include({ no: 1, item: '5.2' });
    expect(body.history).to.have.length(1);
    expect(body.parts.map((p) => [p.no, p.item, p.departments[0]])).to.deep.equal([
      [1, '5.2', '农业服务站'],
      [2, '7.1', '人社所'],
      [3, '6.1', '民政办'],
    ]);
    const single = await t.api('/api/findings', { method: 'POST', body: JSON.stringify({ text: '东岭村李某某家危房，屋顶漏雨', reporter: 'zhuxia' }) });
    expect(await single.json()).not.to.have.property('parts');
  });

  it('the form splits too, and its page lists the other numbers', async () => {
    const cookie = await signIn(t, 'zhuxia', '/form');
    const html = await (await fetch(`${t.base}/form`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]*)"/.exec(html)![1]!;
    const submission = /name="submission" value="([^"]+)"/.exec(html)![1]!;
    const fd = new FormData();
    for (const [k, v] of Object.entries({ csrf, submission, village: '东岭村', text: '王某某家：1.房顶漏雨 2.自来水一周没来水' })) fd.set(k, v);
    const res = await fetch(`${t.base}/form`, { method: 'POST', body: fd, redirect: 'manual', headers: { cookie } });
    expect(res.status).to.equal(303);
    expect(res.headers.get('location')).to.equal('/dashboard/findings/1?sent=1&also=2');
    const page = await (await fetch(`${t.base}${res.headers.get('location')}`, { headers: { cookie } })).text();
    expect(page).to.contain('含 2 个问题').and.to.contain('href="/dashboard/findings/2"');
    await t.settle();
    expect(await finding(1)).to.include({ item: '8.1', village: '东岭村' });
    expect(await finding(2)).to.include({ item: '5.2', village: '东岭村', channel: 'form' });
  });

  it('a caller that asks for one finding (a ledger row) gets one, whatever the text lists', async () => {
    const { parts } = await reportFinding(t.service.domain, { text: VISIT, reporter: 'zhuxia', channel: 'api', sourceKey: 'row:1', split: false });
    expect(parts).to.have.length(1);
    expect(await count()).to.equal(1);
  });
});

import { expect } from 'chai';
import type { Connection } from 'mongoose';
import { ADMIN_TOKEN, startTestService, type TestService } from '../../helpers/service';
import { seedFindings, SEED_NOW } from '../../helpers/seed-findings';
import { signIn } from '../../helpers/web-session';

/** The text of an HTML fragment, tags dropped and spaces squeezed, for assertions that read like the page. */
const textOf = (html: string): string => html.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ');
const section = (html: string, testId: string): string => {
  const start = html.indexOf(`data-testid="${testId}"`);
  if (start < 0) throw new Error(`no section ${testId}`);
  return html.slice(start, html.indexOf('</section>', start));
};
const tile = (html: string, id: string): string => /<b>([^<]*)<\/b>/.exec(html.slice(html.indexOf(`data-tile="${id}"`)))![1]!;
const row = (html: string, testId: string, name: string): string[] => {
  const tr = section(html, testId)
    .split('<tr>')
    .find((r) => textOf(r).trim().startsWith(name));
  if (!tr) throw new Error(`no row ${name} in ${testId}`);
  return [...tr.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => textOf(m[1]!).trim());
};

describe('the dashboard: totals, 办结率, overdue, trend and filters', () => {
  let t: TestService;
  let leader: string;

  before(async () => {
    t = await startTestService({ now: SEED_NOW });
    await seedFindings(t);
    leader = await signIn(t, 'wangzhen');
  });
  after(async () => {
    await t.stop();
  });

  const get = async (path: string, cookie = leader): Promise<{ status: number; html: string }> => {
    const res = await fetch(`${t.base}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, html: await res.text() };
  };

  it('shows a leader the totals by status, overdue and 办结率 (closed / not cancelled)', async () => {
    const { status, html } = await get('/dashboard');
    expect(status).to.equal(200);
    expect(html).to.contain('姚村镇“回头看”问题整改进度').and.to.contain('王振（领导）');
    expect(html).not.to.contain('仅显示本单位');
    const tiles = Object.fromEntries(['total', 'triage', 'dispatched', 'accepted', 'rectified', 'closed', 'cancelled', 'overdue', 'rate'].map((id) => [id, tile(html, id)]));
    expect(tiles).to.deep.equal({ total: '6', triage: '1', dispatched: '2', accepted: '1', rectified: '0', closed: '1', cancelled: '1', overdue: '2', rate: '20.0%' });
  });

  it('counts by lead unit, by 管区 of the village and by task', async () => {
    const { html } = await get('/dashboard');
    // 名称 | 总数 | 未办结 | 超期 | 已销号 | 办结率
    expect(row(html, 'by-unit', '镇建办')).to.deep.equal(['镇建办', '2', '1', '1', '0', '0.0%']);
    expect(row(html, 'by-unit', '农业服务站')).to.deep.equal(['农业服务站', '1', '1', '1', '0', '0.0%']);
    expect(row(html, 'by-unit', '人社所')).to.deep.equal(['人社所', '1', '0', '0', '1', '100.0%']);
    expect(row(html, 'by-unit', '卫生院')).to.deep.equal(['卫生院', '0', '0', '0', '0', '—']);
    expect(row(html, 'by-unit', '第一管区')).to.deep.equal(['第一管区', '1', '1', '0', '0', '0.0%']);
    expect(row(html, 'by-unit', '（未分派）')).to.deep.equal(['（未分派）', '1', '1', '0', '0', '0.0%']);
    expect(row(html, 'by-district', '第一管区')).to.deep.equal(['第一管区', '4', '3', '2', '0', '0.0%']);
    expect(row(html, 'by-district', '第二管区')).to.deep.equal(['第二管区', '2', '1', '0', '1', '50.0%']);
    expect(row(html, 'by-task', '任务8')).to.deep.equal(['任务8 住房安全', '2', '1', '1', '0', '0.0%']);
    expect(row(html, 'by-task', '任务7')).to.deep.equal(['任务7 医保扶贫', '1', '0', '0', '1', '100.0%']);
    // Names link to the same page filtered by them.
    expect(section(html, 'by-unit')).to.contain('href="/dashboard?department=%E9%95%87%E5%BB%BA%E5%8A%9E"');
  });

  it('lists what is overdue, most overdue first, and draws new vs closed per day as SVG', async () => {
    const { html } = await get('/dashboard');
    const overdue = section(html, 'overdue');
    expect(textOf(overdue)).to.contain('超期未办（2）');
    expect(overdue.indexOf('/dashboard/findings/1"')).to.be.greaterThan(-1).and.lessThan(overdue.indexOf('/dashboard/findings/2"'));
    const trend = section(html, 'trend');
    expect(trend).to.contain('<svg viewBox="0 0 340 210" role="img"');
    expect(textOf(trend)).to.contain('11月2日至12月1日（30 天）').and.to.contain('存量 4');
    expect(textOf(trend)).to.contain('新增 6').and.to.contain('销号 1');
    expect(trend).to.contain('<title>11/30 销号 1</title>').and.to.contain('<title>12/1 新增 2</title>').and.to.contain('<title>11/10 新增 1</title>');
    expect(trend.match(/<circle /g)).to.have.length(60); // 30 days, two series
  });

  it('filters by status, department, task, village and date range, keeping the filters in the links', async () => {
    const total = async (q: string): Promise<string> => tile((await get(`/dashboard?${q}`)).html, 'total');
    expect(await total('department=%E9%95%87%E5%BB%BA%E5%8A%9E')).to.equal('2'); // 镇建办
    expect(await total('department=%E5%8D%AB%E7%94%9F%E9%99%A2')).to.equal('1'); // 卫生院 assists on 3
    expect(await total('status=overdue')).to.equal('2');
    expect(await total('status=open')).to.equal('4');
    expect(await total('status=closed')).to.equal('1');
    expect(await total('task=8')).to.equal('2');
    expect(await total(`village=${encodeURIComponent('东岭村')}`)).to.equal('3');
    expect(await total('from=2026-11-27&to=2026-11-30')).to.equal('2');
    expect(await total('from=2026-12-01')).to.equal('2');
    // Typed as people type them, with the page's script off: the same range.
    for (const [from, to] of [['2026/11/27', '2026/11/30'], ['2026年11月27日', '2026.11.30'], ['20261127', ' 2026-11-30 ']]) {
      expect(await total(`from=${encodeURIComponent(from!)}&to=${encodeURIComponent(to!)}`), `${from} ${to}`).to.equal('2');
    }
    const { html } = await get('/dashboard?task=8&status=open');
    expect(html).to.contain('href="/dashboard/ledger.xlsx?status=open&amp;task=8"');
    expect(html).to.match(/<option value="8" selected>/);
  });

  it('says what is wrong with a bad filter', async () => {
    const bad = await get('/dashboard?task=9');
    expect(bad.status).to.equal(400);
    expect(bad.html).to.contain('任务应为 1-8');
    for (const day of ['2026-02-30', '2026/13/1', '明天', '2026-1']) {
      const wrong = await get(`/dashboard?from=${encodeURIComponent(day)}`);
      expect(wrong.status, day).to.equal(400);
      expect(wrong.html, day).to.contain('日期应为“年-月-日”');
    }
    const range = await get('/dashboard?from=2026-12-01&to=2026-11-01');
    expect(range.status).to.equal(400);
    expect(range.html).to.contain('开始日期不能晚于结束日期');
  });

  it('shows other members only their units’ findings and their own reports', async () => {
    const zhengkai = await signIn(t, 'zhengkai'); // 农业服务站
    const { html } = await get('/dashboard', zhengkai);
    expect(html).to.contain('仅显示本单位负责及本人上报的问题');
    expect(tile(html, 'total')).to.equal('1');
    expect(section(html, 'list')).to.contain('/dashboard/findings/2"').and.not.to.contain('/dashboard/findings/1"');
    const youjun = await signIn(t, 'youjun'); // 第二管区, reported 3
    expect(tile((await get('/dashboard', youjun)).html, 'total')).to.equal('1');
  });

  it('a finding’s page (the link in every message) has its facts, history with names, and masked numbers', async () => {
    const { status, html } = await get('/dashboard/findings/3');
    expect(status).to.equal(200);
    const text = textOf(html);
    expect(text).to.contain('第 3 号问题').and.to.contain('人社所（牵头）；卫生院（配合）').and.to.contain('已销号');
    expect(text).to.contain('138****5678').and.not.to.contain('13812345678');
    expect(text).to.contain('蒋涛 签收').and.to.contain('蒋涛 整改完成 ：已补缴').and.to.contain('尤军 销号');
    expect(text).to.contain('11月30日 16:00');
    const one = textOf((await get('/dashboard/findings/1')).html);
    expect(one).to.contain('李某某 371427**********34').and.not.to.contain('196503171234');
    // Overdue as the list marks it, with how long: deadline Thu 19 Nov 17:30, now Tue 1 Dec 09:00.
    expect(one).to.contain('11月19日 超期 8 个工作日');
    expect(textOf((await get('/dashboard/findings/2')).html)).to.contain('超期 6 个工作日');
    expect(text).not.to.contain('超期');
    expect((await get('/dashboard/findings/99')).status).to.equal(404);
    expect(t.service.domain.links.finding(3)).to.equal('https://bot.example.gov.cn/dashboard/findings/3');
  });

  it('the admin token sees the dashboard too', async () => {
    const res = await fetch(`${t.base}/dashboard`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(tile(await res.text(), 'total')).to.equal('6');
  });

  it('counts without loading findings: one $group for the totals, projections for the rest', async () => {
    const connection = t.service.connection as Connection & { set(k: string, v: unknown): void };
    const seen: { method: string; args: unknown[] }[] = [];
    connection.set('debug', (collection: string, method: string, ...args: unknown[]) => {
      if (collection === 'findings') seen.push({ method, args });
    });
    try {
      await get('/dashboard');
    } finally {
      connection.set('debug', false);
    }
    const aggregates = seen.filter((s) => s.method === 'aggregate');
    expect(aggregates).to.have.length(2);
    for (const a of aggregates) {
      const stages = (a.args[0] as Record<string, unknown>[]).map((s) => Object.keys(s)[0]);
      expect(stages).to.deep.equal(['$match', '$group']);
    }
    const finds = seen.filter((s) => s.method === 'find');
    expect(finds.length).to.be.within(4, 6); // rows, overdue, dates made, closed and cancelled (the stock), open numbers
    for (const f of finds) {
      const projection = (f.args[1] as { projection?: Record<string, number> } | undefined)?.projection;
      expect(projection, JSON.stringify(f.args)).to.be.an('object');
      expect(projection).not.to.have.property('history');
    }
  });
});

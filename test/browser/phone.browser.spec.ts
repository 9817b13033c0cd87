import { expect } from 'chai';
import { seedFindings, SEED_NOW } from '../helpers/seed-findings';
import { startTestService, type TestService } from '../helpers/service';
import { startSimService, type SimService } from '../helpers/sim-service';
import { signIn } from '../helpers/web-session';
import { openChromium, skipWithoutChromium, type OpenBrowser } from '../helpers/browser';

// What a leader and a cadre see on a phone (390×844, Debian's Chromium): the dashboard's numbers
// first and readable, a finding's 超期, and cards that never keep a button the bot would refuse.
const PHONE = { width: 390, height: 844 };

// No DOM types here (the project compiles for Node): the page's globals are described where used.
interface Rect {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}
interface El {
  getBoundingClientRect(): Rect;
  textContent: string | null;
  innerText: string;
  ownerSVGElement?: { viewBox: { baseVal: { width: number } }; getBoundingClientRect(): Rect } | null;
}
type Doc = { querySelectorAll(s: string): Iterable<El> };
type Win = { document: Doc; getComputedStyle(e: El): { fontSize: string; paddingLeft: string; paddingRight: string; display: string; visibility: string } };

/** A phone-sized Chromium; the pages must not depend on the browser's language. */
const phone = (): Promise<OpenBrowser> => openChromium({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-US' });

describe('in a real browser on a phone: the dashboard and a finding', function () {
  this.timeout(120_000);
  let t: TestService;
  let b: OpenBrowser;

  before(async function () {
    skipWithoutChromium(this);
    t = await startTestService({ now: SEED_NOW });
    await seedFindings(t);
    const cookie = await signIn(t, 'wangzhen');
    b = await phone();
    const [name, value] = cookie.split('=');
    await b.context.addCookies([{ name: name!, value: value!, url: t.base }]);
  });
  after(async () => {
    await b?.close();
    await t?.stop();
  });

  /** Table cells with two or more characters that are narrower than two characters. */
  const slimCells = (): Promise<string[]> =>
    b.page.evaluate(() => {
      const w = globalThis as unknown as Win;
      const out: string[] = [];
      for (const cell of w.document.querySelectorAll('table td, table th')) {
        const style = w.getComputedStyle(cell);
        const text = cell.innerText.trim();
        if (style.display === 'none' || text.length < 2) continue;
        const inner = cell.getBoundingClientRect().width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        if (inner < 1.9 * parseFloat(style.fontSize)) out.push(`${text.slice(0, 12)} (${Math.round(inner)} px)`);
      }
      return out;
    });

  /** The chart's labels as drawn: their size on the screen and whether any two overlap. */
  const chartLabels = (): Promise<{ text: string; px: number; rect: Rect }[]> =>
    b.page.evaluate(() => {
      const w = globalThis as unknown as Win;
      return [...w.document.querySelectorAll('[data-testid="trend"] svg text')].map((el) => {
        const svg = el.ownerSVGElement!;
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const r = el.getBoundingClientRect();
        return { text: el.textContent ?? '', px: parseFloat(w.getComputedStyle(el).fontSize) * scale, rect: { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height } };
      });
    });

  it('shows the numbers first, folds the filters behind a button, and has no column one character wide', async () => {
    await b.page.goto(`${t.base}/dashboard`);
    const total = b.page.locator('[data-tile="total"]');
    expect(await total.locator('b').textContent()).to.equal('6');
    // Every tile is on the first screen, above the fold.
    for (const box of await b.page.locator('[data-testid="totals"] .tile').evaluateAll((els) => els.map((e) => (e as unknown as El).getBoundingClientRect().bottom))) {
      expect(box).to.be.at.most(PHONE.height);
    }
    expect(await b.page.locator('#f-department').isVisible()).to.equal(false);
    await b.page.click('[data-testid="filters-toggle"]');
    expect(await b.page.locator('#f-department').isVisible()).to.equal(true);
    expect(await slimCells(), JSON.stringify(await slimCells())).to.deep.equal([]);
    expect(b.problems).to.deep.equal([]);
  });

  it('draws the chart with labels of 12 px or more that do not overlap, says its window, shows the stock, and follows the filters', async () => {
    await b.page.goto(`${t.base}/dashboard`);
    expect(await b.page.textContent('[data-testid="trend-window"]')).to.contain('11月2日至12月1日（30 天）');
    expect(await b.page.textContent('[data-testid="trend"] .legend')).to.contain('新增 6').and.to.contain('销号 1').and.to.contain('存量 4');
    const labels = await chartLabels();
    expect(labels.length).to.be.greaterThan(6);
    for (const l of labels) expect(l.px, `label “${l.text}”`).to.be.at.least(12);
    for (const [i, a] of labels.entries()) {
      for (const c of labels.slice(i + 1)) {
        const overlap = a.rect.left < c.rect.right && c.rect.left < a.rect.right && a.rect.top < c.rect.bottom && c.rect.top < a.rect.bottom;
        expect(overlap, `“${a.text}” and “${c.text}” overlap`).to.equal(false);
      }
    }

    await b.page.click('[data-testid="filters-toggle"]');
    await b.page.selectOption('#f-department', '镇建办');
    await Promise.all([b.page.waitForURL(/department=/), b.page.click('[data-testid="filters"] button[type="submit"]')]);
    expect(await b.page.textContent('[data-tile="total"] b')).to.equal('2');
    expect(await b.page.textContent('[data-testid="filters-toggle"]')).to.contain('责任单位：镇建办');
    expect(await b.page.textContent('[data-testid="trend-window"]')).to.contain('责任单位：镇建办');
    expect(await b.page.textContent('[data-testid="trend"] .legend')).to.contain('新增 2').and.to.contain('存量 1');
    expect(b.problems).to.deep.equal([]);
  });

  it('shows 超期 and by how many working days on a finding’s page, as the list marks it', async () => {
    await b.page.goto(`${t.base}/dashboard?status=overdue`);
    expect(await b.page.locator('[data-testid="list"] .badge.overdue').count()).to.equal(2);
    await b.page.goto(`${t.base}/dashboard/findings/1`);
    const overdue = b.page.locator('[data-testid="overdue"]');
    expect(await overdue.isVisible()).to.equal(true);
    expect(await overdue.innerText()).to.equal('超期 8 个工作日');
    await b.page.goto(`${t.base}/dashboard/findings/3`); // closed: not overdue
    expect(await b.page.locator('[data-testid="overdue"]').count()).to.equal(0);
    expect(b.problems).to.deep.equal([]);
  });
});

describe('in a real browser on a phone: /sim cards never keep a button that would be refused', function () {
  this.timeout(120_000);
  let t: SimService;
  let b: OpenBrowser;

  before(async function () {
    skipWithoutChromium(this);
    t = await startSimService();
    b = await phone();
  });
  after(async () => {
    await b?.close();
    await t?.stop();
  });

  /** What a member's conversation shows now: each card's title and its live buttons. */
  async function cardsOf(userid: string): Promise<{ title: string; buttons: string[] }[]> {
    await b.page.goto(`${t.base}/sim`);
    await b.page.click(`.conv[data-conv="u:${userid}"]`);
    const pane = b.page.locator(`.pane[data-conv="u:${userid}"]`);
    return pane.locator('.card').evaluateAll((cards) =>
      cards.map((c) => {
        const el = c as unknown as { querySelector(s: string): El | null; querySelectorAll(s: string): Iterable<El> };
        return { title: el.querySelector('.card-title')?.innerText ?? '', buttons: [...el.querySelectorAll('button.card-btn')].map((x) => x.innerText) };
      }),
    );
  }

  it('after 签收, 整改完成 and 销号 typed in chat, each card shows the state then and has no button left', async () => {
    await t.say('zhuxia', '东岭村王某某家吃水困难，自来水一周没来水了');
    await t.settle();
    expect(await cardsOf('fenglei')).to.deep.equal([{ title: '第 1 号问题 待签收', buttons: ['签收', '签收·立行立改', '退回'] }]);

    await t.say('zhengkai', '签收 1'); // another person, by command
    await t.settle();
    expect(await cardsOf('fenglei')).to.deep.equal([{ title: '第 1 号问题 整改中', buttons: [] }]);
    expect(await b.page.locator('.pane[data-conv="u:fenglei"] .card').innerText()).to.contain('郑凯 签收');

    await t.say('zhengkai', '整改完成 1 已修复入户管道');
    await t.settle();
    expect((await cardsOf('zhuxia')).at(-1)).to.deep.equal({ title: '第 1 号问题 待销号', buttons: ['销号'] });

    await t.say('zhuxia', '销号 1'); // typed, not clicked
    await t.settle();
    const cards = await cardsOf('zhuxia');
    expect(cards.at(-1)).to.deep.equal({ title: '第 1 号问题 已销号', buttons: [] });
    expect(cards.flatMap((c) => c.buttons)).to.deep.equal([]);
    expect(b.problems).to.deep.equal([]);
  });

  it('says what kind each message is in words, counts what is typed, and refuses empty and over-long messages plainly', async () => {
    await t.say('zhuxia', '东岭村李某某家危房，屋顶漏雨');
    await t.settle();
    await b.page.goto(`${t.base}/sim`);
    await b.page.click('.conv[data-conv="u:zhuxia"]');
    const pane = b.page.locator('.pane[data-conv="u:zhuxia"]');
    const meta = pane.locator('.msg.out .meta').first();
    expect(await meta.innerText()).to.contain('应用消息');
    expect(await meta.locator('small.api').innerText()).to.equal('message/send');
    const box = pane.locator('textarea[name=text]');
    await box.fill('查询 1');
    expect(await pane.locator('.count').innerText()).to.equal('4/2000');
    await box.fill('');
    await pane.locator('button[type=submit]').click();
    expect(await b.page.locator('#toast').innerText()).to.equal('请先输入消息内容');
    await box.fill('水'.repeat(2001));
    expect(await pane.locator('.count').innerText()).to.equal('2001/2000');
    await pane.locator('button[type=submit]').click();
    const refusal = await b.page.locator('#toast').innerText();
    expect(refusal).to.equal('消息过长：最多 2000 字，现在 2001 字');
    // The server says the same without naming a field, should a script send it.
    const res = await fetch(`${t.base}/sim/say`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'zhuxia', text: '' }) });
    const body = (await res.json()) as { error: { message: string } };
    expect(res.status).to.equal(400);
    expect(body.error.message).to.equal('消息不能为空').and.not.to.contain('text:');
    expect(b.problems).to.deep.equal([]);
  });
});

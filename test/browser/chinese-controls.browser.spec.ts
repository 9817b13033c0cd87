import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { openChromium, skipWithoutChromium, type OpenBrowser } from '../helpers/browser';
import { seedFindings, SEED_NOW } from '../helpers/seed-findings';
import { startTestService, type TestService } from '../helpers/service';
import { signIn, TINY_PNG } from '../helpers/web-session';

// Debian's Chromium in English (--lang=en-US, locale en-US) on a phone: a native file input says
// "Choose File / No file chosen" and a native date input "mm/dd/yyyy" there. Every word of the
// pages' file and date controls must be Chinese all the same, and they must still send what the
// server reads.
const PHONE = { width: 390, height: 844 };

/** Words an English browser puts into native file and date controls. */
const ENGLISH = /choose|no file|file chosen|mm\/dd|yyyy|\bmm\b|\bdd\b|date picker/i;

interface AXNode {
  ignored: boolean;
  role?: { value?: string };
  name?: { value?: unknown };
  value?: { value?: unknown };
  description?: { value?: unknown };
}
type Doc = { body: { innerText: string }; querySelectorAll(s: string): Iterable<{ getAttribute(n: string): string | null }> };

describe('in an English browser: the file and date controls speak Chinese', function () {
  this.timeout(120_000);
  let t: TestService;
  let b: OpenBrowser;
  let page: Page;

  before(async function () {
    skipWithoutChromium(this);
    t = await startTestService({ now: SEED_NOW });
    await seedFindings(t);
    const [name, value] = (await signIn(t, 'wangzhen')).split('=');
    b = await openChromium({ args: ['--lang=en-US'], locale: 'en-US', viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, acceptDownloads: true });
    await b.context.addCookies([{ name: name!, value: value!, url: t.base }]);
    page = b.page;
    // File choosers are caught from the start: Playwright turns the catching on without waiting,
    // and a key press can open the chooser before it is on.
    page.on('filechooser', () => {});
  });

  after(async () => {
    await b?.close();
    await t?.stop();
  });

  /**
   * What the browser shows and reads out: the page's text, every placeholder, and the accessibility
   * tree (the only place the text inside native controls, "No file chosen" and "mm/dd/yyyy", appears).
   */
  async function shownTexts(): Promise<string[]> {
    const cdp = await b.context.newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AXNode[] };
    await cdp.detach();
    const fromTree = nodes.filter((n) => !n.ignored).flatMap((n) => [n.name?.value, n.value?.value, n.description?.value]);
    const fromPage = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: Doc }).document;
      return [d.body.innerText, ...[...d.querySelectorAll('[placeholder]')].map((e) => e.getAttribute('placeholder'))];
    });
    return [...fromTree, ...fromPage].filter((x): x is string => typeof x === 'string' && x.trim() !== '');
  }

  const english = async (): Promise<string[]> => (await shownTexts()).filter((x) => ENGLISH.test(x));

  it('shows no English on the form, the dashboard’s filters, a finding’s upload and the import page', async () => {
    await page.goto(`${t.base}/form`);
    expect(await page.textContent('[data-testid="photos-button"]')).to.equal('选择照片');
    expect(await page.textContent('#photos-picked')).to.equal('未选择文件');
    expect(await shownTexts()).to.include('选择照片'); // the tree is read at all
    expect(await english(), '/form').to.deep.equal([]);

    await page.goto(`${t.base}/dashboard`);
    await page.click('[data-testid="filters-toggle"]');
    expect(await page.getAttribute('#f-from', 'placeholder')).to.equal('年-月-日');
    expect(await page.locator('#r-to').isVisible()).to.equal(true);
    expect(await english(), '/dashboard').to.deep.equal([]);

    await page.goto(`${t.base}/dashboard/findings/1`);
    expect(await page.textContent('[data-testid="more-photos-button"]')).to.equal('选择照片');
    expect(await english(), 'finding page').to.deep.equal([]);

    await page.goto(`${t.base}/dashboard/import`);
    expect(await page.textContent('[data-testid="file-button"]')).to.equal('选择文件');
    expect(await english(), 'import page').to.deep.equal([]);
    expect(b.problems).to.deep.equal([]);
  });

  it('sends the photos chosen with 选择照片 with the report, saying how many in Chinese', async () => {
    await page.goto(`${t.base}/form`);
    await page.fill('#text', '南岭村孙某某家房屋漏雨，墙体开裂');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('[data-testid="photos-button"]')]);
    await chooser.setFiles([
      { name: 'a.png', mimeType: 'image/png', buffer: TINY_PNG },
      { name: 'b.png', mimeType: 'image/png', buffer: TINY_PNG },
    ]);
    expect(await page.textContent('#photos-picked')).to.equal('已选 2 张');
    expect(await english()).to.deep.equal([]);
    await Promise.all([page.waitForURL(/\/dashboard\/findings\/7\?sent=1$/), page.click('#submit')]);
    expect(await page.locator('[data-testid="photos"] img').count()).to.equal(2);
    expect(b.problems).to.deep.equal([]);
  });

  it('on a finding page, says 请先选择照片 for an empty upload and uploads a chosen photo', async () => {
    await page.goto(`${t.base}/dashboard/findings/2`);
    expect(await page.locator('[data-testid="photos"] img').count()).to.equal(0);
    await page.click('[data-testid="photos"] button[type="submit"]');
    expect(await page.textContent('#more-photos-picked')).to.equal('请先选择照片');
    expect(page.url()).to.equal(`${t.base}/dashboard/findings/2`);
    expect(await english()).to.deep.equal([]); // nor the browser's own "Please select a file"

    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('[data-testid="more-photos-button"]')]);
    await chooser.setFiles([{ name: '修好了.png', mimeType: 'image/png', buffer: TINY_PNG }]);
    expect(await page.textContent('#more-photos-picked')).to.equal('已选 1 张');
    await Promise.all([page.waitForLoadState('load'), page.click('[data-testid="photos"] button[type="submit"]')]);
    await page.waitForSelector('[data-testid="photos"] img');
    expect(await page.locator('[data-testid="photos"] img').count()).to.equal(1);
    expect(b.problems).to.deep.equal([]);
  });

  it('reads dates typed as people type them, refuses a day that does not exist in Chinese, and fills ranges from the shortcuts', async () => {
    await page.goto(`${t.base}/dashboard`);
    await page.click('[data-testid="filters-toggle"]');
    await page.fill('#f-from', '2026/11/1');
    await page.fill('#f-to', '2026年11月30日');
    await Promise.all([page.waitForURL(/\/dashboard\?/), page.click('[data-testid="filters"] button[type="submit"]')]);
    expect(new URL(page.url()).searchParams.get('from')).to.equal('2026-11-01');
    expect(new URL(page.url()).searchParams.get('to')).to.equal('2026-11-30');
    expect(await page.textContent('[data-testid="filters-toggle"]')).to.contain('发现日期：2026-11-01 至 2026-11-30');
    expect(await page.textContent('[data-tile="total"] b')).to.equal('4'); // nos. 1-4 were found in November

    await page.click('[data-testid="filters-toggle"]');
    const before = page.url();
    await page.fill('#f-from', '2026-02-30');
    await page.click('[data-testid="filters"] button[type="submit"]');
    expect(await page.textContent('#f-from-error')).to.contain('“2026-02-30”不是有效日期，请按“年-月-日”填写');
    expect(page.url()).to.equal(before);

    // SEED_NOW is 2026-12-01 in the town: 近7天 is 11-25 to 12-01.
    await page.click('[data-testid="filters"] .shortcuts button:text-is("近7天")');
    expect([await page.inputValue('#f-from'), await page.inputValue('#f-to')]).to.deep.equal(['2026-11-25', '2026-12-01']);
    expect(await page.locator('#f-from-error').isVisible()).to.equal(false);
    await Promise.all([page.waitForURL(/from=2026-11-25/), page.click('[data-testid="filters"] button[type="submit"]')]);
    expect(new URL(page.url()).searchParams.get('to')).to.equal('2026-12-01');

    await page.click('[data-testid="filters-toggle"]');
    await page.click('[data-testid="report-form"] .shortcuts button:text-is("上月")');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="report-docx"]')]);
    expect(download.suggestedFilename()).to.equal('整改报告-姚村镇-2026-11-01至2026-11-30.docx');
    expect(b.problems).to.deep.equal([]);
  });

  it('says 请先选择 Excel 清单文件 when 检查 is pressed without a file, and names the file chosen from the keyboard', async () => {
    await page.goto(`${t.base}/dashboard/import`);
    await page.click('button:text-is("检查")');
    expect(await page.textContent('#file-picked')).to.equal('请先选择 Excel 清单文件');
    expect(page.url()).to.equal(`${t.base}/dashboard/import`);
    // The button works from the keyboard too (the input itself is out of reach: its words are English).
    await page.focus('[data-testid="file-button"]');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
    await chooser.setFiles([{ name: '巡察清单.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: Buffer.from('x') }]);
    expect(await page.textContent('#file-picked')).to.equal('已选：巡察清单.xlsx');
    expect(await english()).to.deep.equal([]);
    expect(b.problems).to.deep.equal([]);
  });
});

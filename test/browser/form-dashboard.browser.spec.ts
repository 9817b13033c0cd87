import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import type { FakeWeCom } from '../helpers/fake-wecom';
import type { TestService } from '../helpers/service';
import { TINY_PNG } from '../helpers/web-session';
import { serviceInBrowser, skipWithoutChromium, type ServiceInBrowser } from '../helpers/browser';

// Real headless Chromium (Debian's /usr/bin/chromium; .ci/run installs it) on a phone-sized
// screen, signed in through the whole WeCom OAuth round trip (the fake WeCom plays the OAuth page).
const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';

describe('in a real browser: the report form and the dashboard', function () {
  this.timeout(90_000);
  let run: ServiceInBrowser;
  let wecom: FakeWeCom;
  let t: TestService;
  let context: BrowserContext;
  let page: Page;

  before(async function () {
    skipWithoutChromium(this);
    run = await serviceInBrowser({}, { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    ({ wecom, t } = run);
    ({ context, page } = run.b);
  });

  after(() => run?.stop());

  // No DOM types here (the project compiles for Node): the page's globals are described where used.
  type Win = { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
  type Img = { complete: boolean; naturalWidth: number };
  const fitsTheScreen = (): Promise<boolean> =>
    page.evaluate(() => {
      const w = globalThis as unknown as Win;
      return w.document.documentElement.scrollWidth <= w.innerWidth;
    });

  it('signs in through WeCom OAuth, fills the form with a photo, and the finding is dispatched to the group', async () => {
    wecom.signInAs('zhuxia');
    await page.goto(`${t.base}/form`);
    // Browsers keep the OAuth URL's #wechat_redirect across the redirects back; it is harmless.
    expect(page.url().split('#')[0]).to.equal(`${t.base}/form`);
    expect(wecom.oauthRequests.at(-1)!.get('state')).to.match(/^[A-Za-z0-9_-]{16,}$/);
    expect(await page.title()).to.equal('姚村镇“回头看”问题上报');
    expect(await page.textContent('header.top')).to.contain('朱霞');
    expect(await fitsTheScreen()).to.equal(true);

    // Nothing typed yet: the page says so and stays.
    await page.click('#submit');
    expect(await page.textContent('#form-error')).to.contain('请填写问题描述');

    await page.selectOption('#village', '东岭村');
    await page.fill('#household_name', '王某某');
    await page.fill('#text', '王某某家自来水一周没来水了，还在挑水吃');
    // The live suggestion: the same routing as chat.
    await page.waitForSelector('#suggest:not([hidden])');
    expect(await page.textContent('#suggest')).to.contain('5.2').and.to.contain('农业服务站');
    await page.click('#suggest button');
    expect(await page.inputValue('#category')).to.equal('5.2');
    await page.setInputFiles('#photos', [{ name: '水缸.png', mimeType: 'image/png', buffer: TINY_PNG }]);
    await page.waitForSelector('#preview img');
    await page.check('input[name="urgency"][value="urgent"]');

    await Promise.all([page.waitForURL(`${t.base}/dashboard/findings/1?sent=1`), page.click('#submit')]);
    const sent = await page.textContent('[data-testid="sent"]');
    expect(sent).to.contain('已提交，编号 1').and.to.contain('农业服务站（牵头）');
    const photo = page.locator('[data-testid="photos"] img');
    expect(await photo.count()).to.equal(1);
    expect(await photo.evaluate((img: Img) => img.complete && img.naturalWidth)).to.equal(1);
    expect(await fitsTheScreen()).to.equal(true);

    await t.settle();
    const group = wecom.toWebhook(NONGYE);
    expect(group).to.have.length(1);
    expect(group[0]!.content).to.contain('【交办】第 1 号问题').and.to.contain('5.2');
    const f = (await (await t.api('/api/findings/1')).json()) as { channel: string; source: string; reporter: string; urgency: string; item: string };
    expect(f).to.include({ channel: 'form', source: '自查', reporter: 'zhuxia', urgency: 'urgent', item: '5.2' });
    expect(run.b.problems).to.deep.equal([]);
  });

  it('opens the dashboard as a leader: totals, the trend chart, filters and a finding with its photo', async () => {
    await context.clearCookies();
    wecom.signInAs('wangzhen');
    await page.goto(`${t.base}/dashboard`);
    expect(page.url().split('#')[0]).to.equal(`${t.base}/dashboard`);
    expect(await page.textContent('header.top')).to.contain('王振');
    expect(await page.textContent('[data-tile="total"] b')).to.equal('1');
    expect(await page.textContent('[data-tile="rate"] b')).to.equal('0.0%');
    expect(await page.locator('[data-testid="trend"] svg').isVisible()).to.equal(true);
    expect(await fitsTheScreen()).to.equal(true);

    await page.click('[data-testid="filters-toggle"]'); // folded on a phone
    await page.selectOption('#f-department', '镇建办');
    await Promise.all([page.waitForURL(/department=/), page.click('[data-testid="filters"] button[type="submit"]')]);
    expect(await page.textContent('[data-tile="total"] b')).to.equal('0');
    await page.goto(`${t.base}/dashboard`);
    await Promise.all([page.waitForURL(`${t.base}/dashboard/findings/1`), page.click('[data-testid="list"] a[href="/dashboard/findings/1"] >> nth=0')]);
    expect(await page.textContent('[data-testid="history"]')).to.contain('朱霞').and.to.contain('报告');
    expect(await page.locator('[data-testid="photos"] img').evaluate((img: Img) => img.naturalWidth)).to.equal(1);
    expect(run.b.problems).to.deep.equal([]);
  });
});

import { expect } from 'chai';
import JSZip from 'jszip';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { FakeWeCom } from '../helpers/fake-wecom';
import { seedFindings, SEED_NOW } from '../helpers/seed-findings';
import type { TestService } from '../helpers/service';
import { serviceInBrowser, skipWithoutChromium, type ServiceInBrowser } from '../helpers/browser';

// Real headless Chromium (Debian's /usr/bin/chromium; .ci/run installs it), a leader signed in
// through the WeCom OAuth round trip (the fake WeCom plays the OAuth page).

describe('in a real browser: a leader downloads the 整改报告 from the dashboard', function () {
  this.timeout(90_000);
  let run: ServiceInBrowser;
  let wecom: FakeWeCom;
  let t: TestService;
  let page: Page;

  before(async function () {
    skipWithoutChromium(this);
    run = await serviceInBrowser({ now: SEED_NOW }, { acceptDownloads: true, locale: 'zh-CN' });
    ({ wecom, t } = run);
    page = run.b.page;
    await seedFindings(t);
  });

  after(() => run?.stop());

  it('picks the dates, clicks 下载整改报告, and gets a Word file with the report in it', async () => {
    wecom.signInAs('wangzhen');
    await page.goto(`${t.base}/dashboard`);
    await page.click('[data-testid="filters-toggle"]'); // the forms are folded behind 筛选
    await page.fill('#r-from', '2026-11-01');
    await page.fill('#r-to', '2026-11-30');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="report-docx"]')]);
    expect(download.suggestedFilename()).to.equal('整改报告-姚村镇-2026-11-01至2026-11-30.docx');
    const file = await download.path();
    const zip = await JSZip.loadAsync(readFileSync(file));
    const xml = await zip.file('word/document.xml')!.async('string');
    const text = [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('');
    expect(text).to.contain('姚村镇脱贫攻坚“回头看”问题整改情况报告').and.to.contain('2026年11月1日—2026年11月30日');
    expect(text).to.contain('共发现问题 4 个'); // nos. 1-4 were found in November
    expect(text).to.contain('三、未整改到位问题清单');
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { FakeWeCom } from '../helpers/fake-wecom';
import type { FindingJson } from '../helpers/finding-json';
import type { TestService } from '../helpers/service';
import { serviceInBrowser, skipWithoutChromium, type ServiceInBrowser } from '../helpers/browser';
import { fillTemplate } from '../helpers/workbook';

// Real headless Chromium (Debian's /usr/bin/chromium; .ci/run installs it), a leader signed in
// through the WeCom OAuth round trip; the list is the page's own template, filled in as a clerk
// would fill it.

const BATCH = '2026年回头看第一轮';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('in a real browser: a leader imports a 问题清单 on /dashboard/import', function () {
  this.timeout(120_000);
  let run: ServiceInBrowser;
  let wecom: FakeWeCom;
  let t: TestService;
  let page: Page;

  before(async function () {
    skipWithoutChromium(this);
    run = await serviceInBrowser({}, { acceptDownloads: true, locale: 'zh-CN' });
    ({ wecom, t } = run);
    page = run.b.page;
  });

  after(() => run?.stop());

  const findings = async (): Promise<(FindingJson & { text: string })[]> => ((await (await t.api('/api/findings')).json()) as { items: (FindingJson & { text: string })[] }).items;
  const cellsOf = async (row: number): Promise<string> => (await page.textContent(`[data-testid="row-${row}"]`)) ?? '';

  it('downloads the template, checks a filled-in list, commits it, and finds the rows in the list', async () => {
    wecom.signInAs('wangzhen');
    await page.goto(`${t.base}/dashboard/import`);
    expect(page.url().split('#')[0]).to.equal(`${t.base}/dashboard/import`);
    expect(await page.textContent('header.top')).to.contain('王振');

    // The template from the page, filled in: three good rows, three bad ones.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="template"]')]);
    expect(download.suggestedFilename()).to.equal('问题清单模板.xlsx');
    const file = await fillTemplate(readFileSync(await download.path()), [
      { 序号: 1, 村: '东岭村', 农户: '王某某', 问题描述: '王某某家自来水一周没来水了' },
      { 序号: 2, 村: '西岭村', 农户: '李某某', 问题描述: '危房屋顶漏雨', 任务: 8 },
      { 序号: 3, 村: '东山村', 问题描述: '危房屋顶漏雨' },
      { 序号: 4, 村: '南庄村', 农户: '张某某', 问题描述: '孩子辍学在家', 问题来源: '督查' },
      { 序号: 5, 村: '西岭村', 农户: '周某某' },
      { 序号: 6, 村: '北王村', 问题描述: '吃水困难', 整改时限: '下周' },
    ]);
    await page.setInputFiles('#file', { name: '巡察反馈问题清单.xlsx', mimeType: XLSX, buffer: file });
    await page.selectOption('#source', '巡察反馈');
    await page.fill('#batch', BATCH);
    await Promise.all([page.waitForSelector('[data-testid="plan"]'), page.click('form button[type="submit"]')]);

    // The dry run: rows as Excel numbers them (the header is row 1), problems by column.
    expect(await page.textContent('[data-testid="plan"] h2')).to.contain('巡察反馈问题清单.xlsx');
    expect(await cellsOf(2)).to.contain('交办').and.to.contain('5.2').and.to.contain('农业服务站').and.to.contain('新建农户');
    expect(await cellsOf(3)).to.contain('镇建办');
    expect(await cellsOf(4)).to.contain('有问题，不导入').and.to.contain('村：组织文件中没有“东山村”');
    expect(await cellsOf(5)).to.contain('扶贫办').and.to.contain('督查');
    expect(await cellsOf(6)).to.contain('问题描述：问题描述为空');
    expect(await cellsOf(7)).to.contain('整改时限：“下周”不是日期');
    expect(await page.textContent('[data-testid="errors"]')).to.equal('3');
    expect(await page.textContent('[data-testid="plan"]')).to.contain('尚未保存任何内容');
    expect(await page.textContent('[data-testid="importer"]')).to.equal('导入人：王振；报告人（接收整改完成通知、验收销号）：王振。');
    // Nothing stored: no finding, no household, no message.
    expect(await findings()).to.have.length(0);
    expect(await t.service.domain.findings.model.db.collection('households').countDocuments()).to.equal(0);
    await t.settle();
    expect(wecom.received.filter((r) => r.api === 'webhook/send' || r.api === 'appchat/send')).to.have.length(0);

    // Commit: the progress page refreshes itself until the import is done.
    expect(await page.textContent('[data-testid="commit"]')).to.contain('确认导入 3 行');
    await Promise.all([page.waitForURL(/\/dashboard\/import\/runs\//), page.click('[data-testid="commit"]')]);
    await page.waitForSelector('[data-testid="summary"]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid="run"] h2')).to.equal('导入完成');
    expect(await page.getAttribute('progress', 'value')).to.equal(await page.getAttribute('progress', 'max'));
    expect(await page.textContent('[data-testid="summary"]')).to.contain('新建 3 件').and.to.contain('有问题未导入 3 行');

    // Meanwhile a report of the same batch comes by another way: the list of what was imported leaves it out.
    expect(await t.say('wangzhen', `批次 ${BATCH}`)).to.equal(200);
    await t.settle();
    const other = (await (await t.api('/api/findings', { method: 'POST', body: JSON.stringify({ reporter: 'zhuxia', village: '北王村', text: '北王村危房屋顶漏雨', item: '8.1' }) })).json()) as FindingJson;
    expect(other).to.include({ channel: 'api', batch: BATCH });
    await Promise.all([page.waitForURL(/\/dashboard\?channel=import&batch=/), page.click('[data-testid="list"]')]);
    const list = (await page.textContent('[data-testid="list"]')) ?? '';
    expect(list).to.contain('东岭村').and.to.contain('西岭村').and.to.contain('南庄村');
    expect(list).not.to.contain('东山村').and.not.to.contain('北王村');
    const made = (await findings()).filter((f) => f.channel === 'import');
    expect(made.map((f) => f.text)).to.deep.equal(['王某某家自来水一周没来水了', '危房屋顶漏雨', '孩子辍学在家']);
    for (const f of made) expect(await page.locator(`[data-testid="list"] a[href="/dashboard/findings/${f.no}"]`).count(), `no. ${f.no}`).to.be.greaterThan(0);
    expect(made.map((f) => [f.source, f.batch, f.reporter, f.importedBy])).to.deep.equal([
      ['巡察反馈', BATCH, 'wangzhen', 'wangzhen'],
      ['巡察反馈', BATCH, 'wangzhen', 'wangzhen'],
      ['督查', BATCH, 'wangzhen', 'wangzhen'],
    ]);
    expect(run.b.problems).to.deep.equal([]);
  });
});

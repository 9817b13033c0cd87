import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { startSimService, type SimService } from '../helpers/sim-service';
import { openChromium, skipWithoutChromium, type OpenBrowser } from '../helpers/browser';

// The /sim page in headless Chromium (Debian's, never a downloaded one): a cadre types a report,
// it arrives in the department's group, a department member clicks 签收 on the card.

describe('e2e: the /sim page in Chromium', function () {
  this.timeout(90_000);
  let t: SimService;
  let b: OpenBrowser;
  let page: Page;

  before(function () {
    skipWithoutChromium(this);
  });

  beforeEach(async () => {
    t = await startSimService();
    b = await openChromium({ viewport: { width: 1200, height: 800 } });
    page = b.page;
  });
  afterEach(async () => {
    await b?.close();
    await t?.stop();
  });

  const pane = (conv: string) => page.locator(`.pane[data-conv="${conv}"]`);

  it('a cadre reports, the department group sees it, and 签收 on the card replaces the buttons', async () => {
    await page.goto(`${t.base}/sim`);
    expect(await page.title()).to.contain('企业微信模拟器');
    expect(await page.locator('.banner').innerText()).to.contain('模拟模式');

    // 朱霞 (包村干部 of 东岭村) writes to the app
    await page.click('.conv[data-conv="u:zhuxia"]');
    const zhuxia = pane('u:zhuxia');
    await zhuxia.locator('textarea[name=text]').fill('东岭村王某某家吃水困难，自来水一周没来水了，还在挑水吃');
    await zhuxia.locator('button[type=submit]').click();
    await zhuxia.locator('.msg.out', { hasText: '已收到，编号 1' }).waitFor({ timeout: 15_000 });
    expect(await zhuxia.locator('.msg.in').last().innerText()).to.contain('东岭村王某某家吃水困难');

    // It arrives in 农业服务站's group, rendered: bold title, quote, mentions
    await page.click('.conv[data-conv="g:webhook:EXAMPLE-NONGYE-ROBOT-KEY"]');
    const group = pane('g:webhook:EXAMPLE-NONGYE-ROBOT-KEY');
    const dispatch = group.locator('.msg.out', { hasText: '【交办】第 1 号问题' });
    await dispatch.waitFor({ timeout: 15_000 });
    expect(await dispatch.locator('strong').first().innerText()).to.equal('【交办】第 1 号问题');
    expect(await dispatch.locator('.mention').allInnerTexts()).to.include.members(['@郑凯', '@冯磊']);
    expect(await dispatch.locator('blockquote').innerText()).to.contain('5.2');

    // 郑凯 clicks 签收 on his card
    await page.click('.conv[data-conv="u:zhengkai"]');
    const zhengkai = pane('u:zhengkai');
    const accept = zhengkai.locator('button.card-btn', { hasText: /^签收$/ });
    await accept.waitFor({ timeout: 15_000 });
    await accept.click();
    await zhengkai.locator('.card-title', { hasText: '第 1 号问题 整改中' }).waitFor({ timeout: 15_000 });
    await zhengkai.locator('.msg.out', { hasText: '已签收第 1 号问题' }).waitFor({ timeout: 15_000 });
    expect(await zhengkai.locator('button.card-btn').count()).to.equal(0);

    const f = (await (await t.api('/api/findings/1')).json()) as { status: string };
    expect(f.status).to.equal('accepted');
    expect(b.problems).to.deep.equal([]);
  });

  it('works on a phone: the list first, then one conversation with a way back; @bot from the group composer', async () => {
    await page.setViewportSize({ width: 390, height: 780 });
    await t.say('zhuxia', '东岭村李某某家危房，屋顶漏雨，墙体裂缝');
    await t.settle();
    await page.goto(`${t.base}/sim`);
    expect(await page.locator('#list').isVisible()).to.equal(true);
    expect(await page.locator('#chat').isVisible()).to.equal(false);

    await page.click('.conv[data-conv="g:webhook:EXAMPLE-ZHENJIAN-ROBOT-KEY"]');
    const group = pane('g:webhook:EXAMPLE-ZHENJIAN-ROBOT-KEY');
    expect(await group.isVisible()).to.equal(true);
    expect(await page.locator('#list').isVisible()).to.equal(false);
    await group.locator('select[name=from]').selectOption('hanbing');
    await group.locator('textarea[name=text]').fill('签收 1');
    await group.locator('button[type=submit]').click();
    await group.locator('.msg.out', { hasText: '已签收第 1 号问题' }).waitFor({ timeout: 15_000 });
    expect(await group.locator('.msg.in').last().innerText()).to.contain('@回头看助手 签收 1');

    // The way back clears the hash; the page shows the list on the hashchange that follows.
    await group.locator('.back').click();
    await page.locator('#list').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await group.isVisible()).to.equal(false);
    expect(b.problems).to.deep.equal([]);
  });
});

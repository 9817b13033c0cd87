import { expect } from 'chai';
import type { Context } from 'koa';
import { loadOrgConfig } from '../../../config/org';
import { dateRange, findingQuery, parseFindingFilter } from '../../../src/dashboard/finding-filter';
import { evidenceRequiredBeforeClose } from '../../../src/evidence/evidence.policy';
import { looksLikeHeic, sniffImage } from '../../../src/evidence/image-type';
import { safeNext, siteOrigin } from '../../../src/http/session';
import { html, jsonForScript, raw } from '../../../src/web/html';
import { trendChart } from '../../../src/web/trend-chart.template';
import { TINY_JPEG, TINY_PNG } from '../../helpers/web-session';

describe('web helpers', () => {
  it('html escapes every value unless it is markup already', () => {
    const name = '<img src=x onerror=alert(1)>"\'&';
    expect(html`<p title="${name}">${name}</p>`.value).to.equal('<p title="&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;">&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;</p>');
    expect(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.value).to.equal('<ul>&lt;a&gt;<li>ok</li></ul>');
    expect(html`${null}${undefined}${false}${0}`.value).to.equal('0');
    expect(html`${raw('<b>x</b>')}`.value).to.equal('<b>x</b>');
    expect(jsonForScript({ t: '</script><!--\u2028' }).value).to.equal('{"t":"\\u003c/script\\u003e\\u003c!--\\u2028"}');
  });

  it('knows images by their first bytes only', () => {
    expect(sniffImage(TINY_PNG)?.contentType).to.equal('image/png');
    expect(sniffImage(TINY_JPEG)?.contentType).to.equal('image/jpeg');
    expect(sniffImage(Buffer.from('GIF89a....'))?.contentType).to.equal('image/gif');
    expect(sniffImage(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]))?.contentType).to.equal('image/webp');
    expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).to.equal(null);
    expect(sniffImage(Buffer.from('%PDF-1.7'))).to.equal(null);
    expect(sniffImage(Buffer.alloc(0))).to.equal(null);
    expect(looksLikeHeic(Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic')]))).to.equal(true);
  });

  it('only ever goes back to a path on this site after sign-in', () => {
    expect(safeNext('/dashboard?task=5')).to.equal('/dashboard?task=5');
    for (const bad of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'dashboard', '', undefined, ['/form']]) {
      expect(safeNext(bad), String(bad)).to.equal('/dashboard');
    }
  });

  it('takes the scheme from PUBLIC_BASE_URL when the request comes in under its host', () => {
    const ctx = (host: string, protocol = 'http') => ({ host, protocol }) as unknown as Context;
    expect(siteOrigin(ctx('bot.example.gov.cn'), 'https://bot.example.gov.cn')).to.equal('https://bot.example.gov.cn');
    expect(siteOrigin(ctx('127.0.0.1:3000'), 'https://bot.example.gov.cn')).to.equal('http://127.0.0.1:3000');
    expect(siteOrigin(ctx('bot.example.gov.cn', 'https'))).to.equal('https://bot.example.gov.cn');
  });

  it('asks for evidence before 销号 town-wide or for a lead unit that wants it, and not by default', () => {
    const org = loadOrgConfig('config/org.example.yaml');
    expect(evidenceRequiredBeforeClose(org, ['镇建办'])).to.equal(false);
    org.departments.find((d) => d.name === '镇建办')!.evidenceBeforeClose = true;
    expect(evidenceRequiredBeforeClose(org, ['镇建办'])).to.equal(true);
    expect(evidenceRequiredBeforeClose(org, ['农业服务站', '镇建办'])).to.equal(false); // 镇建办 only assists
    expect(evidenceRequiredBeforeClose(org, [])).to.equal(false);
    org.evidence.requiredBeforeClose = true;
    expect(evidenceRequiredBeforeClose(org, ['农业服务站'])).to.equal(true);
  });

  it('reads the dashboard’s filters, with both ends of a date range in the town’s days', () => {
    const f = parseFindingFilter({ status: 'overdue', department: '镇建办', task: '8', village: '', from: '2026-11-01', to: '2026-11-30', page: '2' });
    expect(f).to.deep.equal({ status: 'overdue', department: '镇建办', task: 8, village: undefined, from: '2026-11-01', to: '2026-11-30', page: 2, grade: undefined, source: undefined, batch: undefined, channel: undefined });
    const { start, end } = dateRange(f, 'Asia/Shanghai');
    expect(start!.toISOString()).to.equal('2026-10-31T16:00:00.000Z');
    expect(end!.toISOString()).to.equal('2026-11-30T16:00:00.000Z');
    const now = new Date('2026-12-01T01:00:00Z');
    expect(findingQuery(f, { now, timeZone: 'Asia/Shanghai' })).to.deep.equal({
      status: { $in: ['dispatched', 'accepted'] },
      deadline: { $lt: now },
      departments: '镇建办',
      task: 8,
      createdAt: { $gte: start, $lt: end },
    });
    expect(findingQuery({}, { now, timeZone: 'Asia/Shanghai', scope: { reporter: 'x' } })).to.deep.equal({ $and: [{}, { reporter: 'x' }] });
    expect(() => parseFindingFilter({ from: '2026-02-30' })).to.throw('日期应为“年-月-日”');
    expect(() => parseFindingFilter({ status: 'done' })).to.throw('状态无效');
  });

  it('draws the trend with a point per day and a readable scale', () => {
    const svg = trendChart({ days: ['2026-11-30', '2026-12-01'], created: [3, 0], closed: [1, 7], open: [12, 5] }).value;
    expect(svg.match(/<circle /g)).to.have.length(4);
    expect(svg).to.contain('<title>12/1 销号 7</title>').and.to.contain('>10</text>'); // the scale rounds 7 up to 10
    expect(svg).to.contain('class="axis-stock"').and.to.contain('>20</text>'); // the stock on its own scale, 12 up to 20
  });

  it('spaces the day labels so that they cannot overlap, counting back from the last day', () => {
    const days = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
    const zeros = days.map(() => 0);
    const svg = trendChart({ days, created: zeros, closed: zeros, open: zeros }).value;
    const xs = [...svg.matchAll(/<text class="axis-x" x="([\d.]+)"[^>]*>([^<]*)</g)].map((m) => ({ x: Number(m[1]), label: m[2] }));
    expect(xs.at(-1)!.label).to.equal('11/30');
    for (let i = 1; i < xs.length; i++) expect(xs[i]!.x - xs[i - 1]!.x).to.be.at.least(48);
  });
});

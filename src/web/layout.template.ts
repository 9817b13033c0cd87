import { CONTROLS_CSS, CONTROLS_SCRIPT } from './controls.template';
import { html, raw, type SafeHtml } from './html';

/** The page shell every page shares: inline CSS, no external files, made for a phone first. */

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.55 -apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1f2329;background:#f2f3f5}
header.top{background:#1d5fd1;color:#fff;padding:12px 16px;display:flex;align-items:center;justify-content:space-between;gap:8px;flex-wrap:wrap}
header.top h1{font-size:18px;margin:0;font-weight:600}
header.top .who{font-size:14px;opacity:.9}
header.top a{color:#fff}
main{max-width:980px;margin:0 auto;padding:12px}
section.card{background:#fff;border-radius:10px;padding:14px 16px;margin:0 0 12px;box-shadow:0 1px 2px rgba(0,0,0,.05)}
section.card h2{font-size:17px;margin:0 0 10px}
label{display:block;font-weight:600;margin:14px 0 6px}
label .hint,.hint{font-weight:400;color:#8f959e;font-size:14px}
input[type=text],select,textarea{width:100%;font:inherit;padding:12px;border:1px solid #c9cdd4;border-radius:8px;background:#fff;min-height:48px}
textarea{min-height:140px;resize:vertical}
input:focus,select:focus,textarea:focus{outline:2px solid #1d5fd1;border-color:#1d5fd1}
button,.button{display:inline-flex;align-items:center;justify-content:center;min-height:48px;padding:10px 18px;font:inherit;font-weight:600;border-radius:8px;border:1px solid #1d5fd1;background:#1d5fd1;color:#fff;text-decoration:none;cursor:pointer}
button.secondary,.button.secondary{background:#fff;color:#1d5fd1}
button.block{width:100%;font-size:18px;margin-top:18px}
button:disabled{opacity:.6}
.radios{display:flex;gap:10px}
.radios label{flex:1;margin:0;font-weight:400;border:1px solid #c9cdd4;border-radius:8px;padding:12px;display:flex;align-items:center;gap:8px;min-height:48px}
.radios input{width:22px;height:22px}
.error{background:#fdecea;color:#b3261e;border-radius:8px;padding:10px 12px;margin:10px 0}
.ok{background:#e8f5e9;color:#1b5e20;border-radius:8px;padding:12px 14px;margin:0 0 12px}
.suggest{background:#eef4ff;border-radius:8px;padding:10px 12px;margin-top:8px;font-size:15px}
.suggest button{min-height:36px;padding:4px 12px;margin-left:6px;font-size:14px}
.photos{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}
.photos img{width:96px;height:96px;object-fit:cover;border-radius:6px;border:1px solid #e5e6eb}
.muted{color:#8f959e}
.small{font-size:14px}
table{width:100%;border-collapse:collapse;font-size:14px}
th,td{text-align:left;padding:8px 6px;border-bottom:1px solid #eceef1;vertical-align:top}
th{color:#646a73;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{overflow-x:auto}
progress{width:100%;height:18px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(120px,1fr));gap:8px}
.tile{background:#f7f8fa;border-radius:8px;padding:10px}
.tile b{display:block;font-size:24px}
.tile.warn b{color:#b3261e}
.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;align-items:end}
.filters label{margin:0 0 4px;font-size:14px}
.filters select,.filters input{min-height:44px;padding:8px}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:13px;background:#eef0f3;color:#3c4043;white-space:nowrap}
.badge.urgent,.badge.overdue{background:#fdecea;color:#b3261e}
.badge.closed{background:#e8f5e9;color:#1b5e20}
.history{list-style:none;margin:0;padding:0}
.history li{padding:8px 0;border-bottom:1px solid #eceef1}
dl.facts{display:grid;grid-template-columns:7em 1fr;gap:6px 10px;margin:0}
dl.facts dt{color:#646a73}
dl.facts dd{margin:0}
.chart svg{width:100%;max-width:560px;height:auto;display:block}
details.filters-box>summary{cursor:pointer;font-weight:600;min-height:44px;display:flex;align-items:center;color:#1d5fd1}
details.filters-box[open]>summary{margin-bottom:8px}
p.links{margin:0 0 12px}
th,td{min-width:3em}
td.village{min-width:3.6em}
td.text{min-width:9em}
.legend{font-size:14px;display:flex;gap:14px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.pager{display:flex;gap:8px;justify-content:space-between;margin-top:10px}
@media (max-width:600px){main{padding:8px}section.card{padding:12px}dl.facts{grid-template-columns:5.5em 1fr}.hide-narrow{display:none}}
`;

export interface PageOptions {
  title: string;
  /** The per-response CSP nonce that inline scripts carry. */
  nonce: string;
  /** Shown at the right of the header, e.g. "赵丽 · 退出". */
  who?: SafeHtml | string | null;
  body: SafeHtml;
  script?: SafeHtml | null;
  /** Reload every so many seconds (a progress page that needs no script). */
  refreshSeconds?: number;
}

export function page(o: PageOptions): string {
  return html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">${o.refreshSeconds ? html`<meta http-equiv="refresh" content="${o.refreshSeconds}">` : ''}
<title>${o.title}</title>
<style nonce="${o.nonce}">${raw(CSS + CONTROLS_CSS)}</style>
</head><body>
<header class="top"><h1>${o.title}</h1>${o.who ? html`<span class="who">${o.who}</span>` : ''}</header>
<main>${o.body}</main>
<script nonce="${o.nonce}">${CONTROLS_SCRIPT}${o.script ?? ''}</script>
</body></html>`.value;
}

/** A short page that says one thing: done, refused, or what went wrong. */
export function noticePage(o: { title: string; message: string; nonce: string; links?: { href: string; text: string }[]; tone?: 'error' | 'ok' }): string {
  return page({
    title: o.title,
    nonce: o.nonce,
    body: html`<section class="card"><div class="${o.tone === 'ok' ? 'ok' : 'error'}">${o.message}</div>
${(o.links ?? []).map((l) => html`<p><a class="button secondary" href="${l.href}">${l.text}</a></p>`)}</section>`,
  });
}

import { html, type SafeHtml } from './html';

/** New vs closed per day, drawn here as SVG (no chart library, no CDN). */

export const SERIES_COLORS = { created: '#1d5fd1', closed: '#2e9d52' } as const;

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= n) return m * step;
  return 10 * step;
}

const dayLabel = (iso: string): string => `${Number(iso.slice(5, 7))}/${Number(iso.slice(8, 10))}`;

export function trendChart(trend: { days: string[]; created: number[]; closed: number[] }): SafeHtml {
  const W = 480;
  const H = 200;
  const left = 36;
  const right = 10;
  const top = 12;
  const bottom = 28;
  const n = trend.days.length;
  const max = niceMax(Math.max(0, ...trend.created, ...trend.closed));
  const x = (i: number): number => left + (n <= 1 ? (W - left - right) / 2 : (i * (W - left - right)) / (n - 1));
  const y = (v: number): number => top + (H - top - bottom) * (1 - v / max);
  const fmt = (v: number): string => v.toFixed(1);
  const line = (values: number[]): string => values.map((v, i) => `${i === 0 ? 'M' : 'L'}${fmt(x(i))},${fmt(y(v))}`).join(' ');
  const ticks = [0, max / 2, max];
  const labelEvery = Math.max(1, Math.ceil(n / 8));

  const series = (name: keyof typeof SERIES_COLORS, label: string, values: number[]) => html`
<g class="series-${name}"><path d="${line(values)}" fill="none" stroke="${SERIES_COLORS[name]}" stroke-width="2"/>
${values.map((v, i) => html`<circle cx="${fmt(x(i))}" cy="${fmt(y(v))}" r="${n > 45 ? 1.5 : 3}" fill="${SERIES_COLORS[name]}"><title>${dayLabel(trend.days[i] ?? '')} ${label} ${v}</title></circle>`)}</g>`;

  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="每日新增与销号趋势" xmlns="http://www.w3.org/2000/svg" font-size="12" font-family="sans-serif">
<title>每日新增与销号趋势（${trend.days[0] ?? ''} 至 ${trend.days.at(-1) ?? ''}）</title>
${ticks.map((t) => html`<line x1="${left}" x2="${W - right}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" stroke="#e5e6eb"/><text x="${left - 4}" y="${fmt(y(t) + 4)}" text-anchor="end" fill="#8f959e">${Number.isInteger(t) ? t : t.toFixed(1)}</text>`)}
${trend.days.map((d, i) => (i % labelEvery === 0 || i === n - 1 ? html`<text x="${fmt(x(i))}" y="${H - 8}" text-anchor="middle" fill="#8f959e">${dayLabel(d)}</text>` : ''))}
${series('created', '新增', trend.created)}
${series('closed', '销号', trend.closed)}
</svg>`;
}

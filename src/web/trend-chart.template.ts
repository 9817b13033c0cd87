import { html, type SafeHtml } from './html';

/**
 * New and closed per day, with the open stock (存量) behind them on its own scale, drawn here as
 * SVG (no chart library, no CDN). The drawing is sized for a phone (the leaders' main device):
 * about as wide as the card there, so 13-unit labels show at 12 px or more, and day labels are
 * spaced so that they never overlap.
 */

export const SERIES_COLORS = { created: '#1d5fd1', closed: '#2e9d52', open: '#f0a020' } as const;

const W = 340;
const H = 210;
const FONT = 13;
/** Room a day label ("12/31") takes, with a gap, in drawing units. */
const DAY_LABEL_SPACE = 48;

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= n) return m * step;
  return 10 * step;
}

const dayLabel = (iso: string): string => `${Number(iso.slice(5, 7))}/${Number(iso.slice(8, 10))}`;
const tickLabel = (t: number): string => (Number.isInteger(t) ? String(t) : t.toFixed(1));

export function trendChart(trend: { days: string[]; created: number[]; closed: number[]; open: number[] }): SafeHtml {
  const left = 30;
  const right = 36;
  const top = 12;
  const bottom = 26;
  const n = trend.days.length;
  const max = niceMax(Math.max(0, ...trend.created, ...trend.closed));
  const stockMax = niceMax(Math.max(0, ...trend.open));
  const plot = W - left - right;
  const x = (i: number): number => left + (n <= 1 ? plot / 2 : (i * plot) / (n - 1));
  const yOf = (top_: number) => (v: number): number => top + (H - top - bottom) * (1 - v / top_);
  const y = yOf(max);
  const yStock = yOf(stockMax);
  const fmt = (v: number): string => v.toFixed(1);
  const line = (values: number[], at: (v: number) => number): string => values.map((v, i) => `${i === 0 ? 'M' : 'L'}${fmt(x(i))},${fmt(at(v))}`).join(' ');
  const ticks = [0, max / 2, max];
  // Day labels counted back from the last day, as far apart as a label needs.
  const perLabel = n <= 1 ? 1 : plot / (n - 1);
  const labelEvery = Math.max(1, Math.ceil(DAY_LABEL_SPACE / perLabel));
  const area =
    n === 0 ? '' : `${line(trend.open, yStock)} L${fmt(x(n - 1))},${fmt(yStock(0))} L${fmt(x(0))},${fmt(yStock(0))} Z`;

  const series = (name: 'created' | 'closed', label: string, values: number[]) => html`
<g class="series-${name}"><path d="${line(values, y)}" fill="none" stroke="${SERIES_COLORS[name]}" stroke-width="2"/>
${values.map((v, i) => html`<circle cx="${fmt(x(i))}" cy="${fmt(y(v))}" r="${n > 45 ? 1.5 : 2.5}" fill="${SERIES_COLORS[name]}"><title>${dayLabel(trend.days[i] ?? '')} ${label} ${v}</title></circle>`)}</g>`;

  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="每日新增、销号与存量趋势" xmlns="http://www.w3.org/2000/svg" font-size="${FONT}" font-family="sans-serif">
<title>每日新增、销号与存量（${trend.days[0] ?? ''} 至 ${trend.days.at(-1) ?? ''}）</title>
<path class="series-open" d="${area}" fill="${SERIES_COLORS.open}" fill-opacity="0.18" stroke="${SERIES_COLORS.open}" stroke-width="1.5"><title>存量（左轴为每日数，右轴为存量）</title></path>
${ticks.map((t) => html`<line x1="${left}" x2="${W - right}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" stroke="#e5e6eb"/><text class="axis-y" x="${left - 4}" y="${fmt(y(t) + 4)}" text-anchor="end" fill="#646a73">${tickLabel(t)}</text>`)}
${[0, stockMax / 2, stockMax].map((t) => html`<text class="axis-stock" x="${W - right + 4}" y="${fmt(yStock(t) + 4)}" text-anchor="start" fill="#b7791f">${tickLabel(t)}</text>`)}
${trend.days.map((d, i) => ((n - 1 - i) % labelEvery === 0 ? html`<text class="axis-x" x="${fmt(x(i))}" y="${H - 7}" text-anchor="middle" fill="#646a73">${dayLabel(d)}</text>` : ''))}
${series('created', '新增', trend.created)}
${series('closed', '销号', trend.closed)}
</svg>`;
}

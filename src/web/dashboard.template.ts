import type { CountRow, Counts, DashboardData, FindingRow } from '../dashboard/dashboard.query';
import { filterQueryString, type FindingFilterParams } from '../dashboard/finding-filter';
import { GRADE_LABEL, SOURCES, STATUS_LABEL, type FindingStatus, type Grade } from '../findings/finding.model';
import { formatDate, formatTime, itemLabel, summary } from '../findings/messages';
import { maskPersonalNumbers } from '../privacy/mask';
import { dateField, dateShortcuts } from './controls.template';
import { html, type SafeHtml } from './html';
import { page } from './layout.template';
import { SERIES_COLORS, trendChart } from './trend-chart.template';

export interface DashboardView {
  town: string;
  nonce: string;
  who: SafeHtml | string;
  /** Only their own units' findings are shown (a member who is not a leader). */
  scoped: boolean;
  filter: FindingFilterParams;
  data: DashboardData;
  now: Date;
  /** The town's date today (YYYY-MM-DD), for the date shortcuts. */
  today: string;
  options: { units: string[]; villages: { name: string; district: string }[]; batches: string[] };
  /** Why WeCom refuses messages now (they wait), shown as a banner; null when it accepts them. */
  wecomFault?: string | null;
  /** Members WeCom could not reach (leaders only), by name with the reason. */
  unreachable?: { name: string; why: string }[];
}

const STATUS_OPTIONS: { value: string; label: string }[] = [
  { value: 'open', label: '未办结' },
  { value: 'overdue', label: '已超期' },
  ...(Object.entries(STATUS_LABEL) as [FindingStatus, string][]).map(([value, label]) => ({ value, label })),
];

/** "11月2日至12月1日（30 天）": the days the chart covers. */
function trendWindowText(days: string[]): string {
  const md = (iso: string): string => `${Number(iso.slice(5, 7))}月${Number(iso.slice(8, 10))}日`;
  return days.length ? `${md(days[0]!)}至${md(days.at(-1)!)}（${days.length} 天）` : '';
}

const percent = (rate: number | null): string => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);
const openCount = (c: Counts): number => c.byStatus.triage + c.byStatus.dispatched + c.byStatus.accepted + c.byStatus.rectified;

function select(name: string, label: string, current: string | number | undefined, options: { value: string; label: string }[]): SafeHtml {
  return html`<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">全部</option>${options.map(
    (o) => html`<option value="${o.value}"${String(current ?? '') === o.value ? html` selected` : ''}>${o.label}</option>`,
  )}</select></div>`;
}

function countTable(title: string, rows: CountRow[], link: ((row: CountRow) => string) | null, testId: string): SafeHtml {
  return html`<section class="card" data-testid="${testId}"><h2>${title}</h2><div class="scroll"><table>
<thead><tr><th>名称</th><th class="num">总数</th><th class="num">未办结</th><th class="num">超期</th><th class="num">已销号</th><th class="num">办结率</th></tr></thead>
<tbody>${rows.map(
    (r) => html`<tr><td>${link ? html`<a href="${link(r)}">${r.label}</a>` : r.label}</td><td class="num">${r.counts.total}</td><td class="num">${openCount(r.counts)}</td>
<td class="num">${r.counts.overdue ? html`<span class="badge overdue">${r.counts.overdue}</span>` : '0'}</td><td class="num">${r.counts.byStatus.closed}</td><td class="num">${percent(r.counts.rate)}</td></tr>`,
  )}</tbody></table></div></section>`;
}

export function statusBadge(status: FindingStatus): SafeHtml {
  return html`<span class="badge${status === 'closed' ? ' closed' : ''}">${STATUS_LABEL[status]}</span>`;
}

function findingRows(items: FindingRow[], now: Date): SafeHtml {
  return html`${items.map((f) => {
    const late = f.deadline && new Date(f.deadline) < now && (f.status === 'dispatched' || f.status === 'accepted');
    return html`<tr><td class="num"><a href="/dashboard/findings/${f.no}">${f.no}</a></td><td>${statusBadge(f.status)}${late ? html` <span class="badge overdue">超期</span>` : ''}${f.urgency === 'urgent' ? html` <span class="badge urgent">紧急</span>` : ''}</td>
<td class="village">${f.village ?? '—'}</td><td class="text"><a href="/dashboard/findings/${f.no}">${maskPersonalNumbers(summary(f.text, 40))}</a><div class="muted small">${itemLabel(f.task, f.item)}</div></td>
<td class="hide-narrow">${f.departments[0] ?? '待分派'}</td><td class="num hide-narrow">${formatDate(f.createdAt)}</td><td class="num">${formatDate(f.deadline)}</td></tr>`;
  })}`;
}

const FINDING_HEAD = html`<thead><tr><th class="num">编号</th><th>状态</th><th>村</th><th>问题</th><th class="hide-narrow">牵头单位</th><th class="num hide-narrow">发现</th><th class="num">时限</th></tr></thead>`;

export function dashboardPage(v: DashboardView): string {
  const { data, filter } = v;
  const t = data.totals;
  const keep = (extra: Record<string, string | number | undefined>): string => `/dashboard${filterQueryString(filter, extra)}`;
  const tiles: { label: string; value: string | number; warn?: boolean; id: string }[] = [
    { id: 'total', label: '问题总数', value: t.total },
    { id: 'triage', label: '待分派', value: t.byStatus.triage },
    { id: 'dispatched', label: '待签收', value: t.byStatus.dispatched },
    { id: 'accepted', label: '整改中', value: t.byStatus.accepted },
    { id: 'rectified', label: '待销号', value: t.byStatus.rectified },
    { id: 'closed', label: '已销号', value: t.byStatus.closed },
    { id: 'cancelled', label: '已撤销', value: t.byStatus.cancelled },
    { id: 'overdue', label: '超期未办', value: t.overdue, warn: t.overdue > 0 },
    { id: 'rate', label: '办结率', value: percent(t.rate) },
  ];
  const grades: { grade: Grade; label: string }[] = [
    { grade: 'red', label: '红色督办' },
    { grade: 'yellow', label: '黄色' },
    { grade: 'green', label: '绿色' },
  ];

  // What the filters narrow the page to, in words (the chart follows all but 状态 and the dates, which set its window).
  const named = (key: string, value: string | number | undefined): string | null => (value === undefined || value === '' ? null : `${key}：${value}`);
  const active = [
    named('状态', filter.status ? (STATUS_OPTIONS.find((o) => o.value === filter.status)?.label ?? filter.status) : undefined),
    named('责任单位', filter.department),
    named('任务', filter.task !== undefined ? itemLabel(Number(filter.task), null) : undefined),
    named('村', filter.village),
    named('督办等级', filter.grade ? GRADE_LABEL[filter.grade] : undefined),
    named('发现日期', filter.from || filter.to ? `${filter.from ?? '…'} 至 ${filter.to ?? '…'}` : undefined),
  ].filter((x): x is string => x !== null);
  const scopeText = active.filter((a) => !a.startsWith('状态') && !a.startsWith('发现日期')).join('，');
  const unreachable = v.unreachable ?? [];
  const body = html`
${v.wecomFault ? html`<div class="card warn-banner" role="alert" data-testid="wecom-fault"><b>企业微信暂不接受本应用的消息。</b> ${v.wecomFault}</div>` : ''}
${unreachable.length ? html`<div class="card warn-banner" data-testid="unreachable"><b>收不到应用消息的成员：</b>${unreachable.map((u, i) => html`${i ? '、' : ''}${u.name}（${u.why}）`)}</div>` : ''}
${v.scoped ? html`<div class="ok small">仅显示本单位负责及本人上报的问题。</div>` : ''}
<section class="card" data-testid="totals"><h2>总体情况</h2><div class="tiles">${tiles.map(
    (x) => html`<div class="tile${x.warn ? ' warn' : ''}" data-tile="${x.id}"><span class="muted small">${x.label}</span><b>${x.value}</b></div>`,
  )}</div></section>

<section class="card" data-testid="grades"><h2>三色督办（未办结）</h2><div class="tiles">${grades.map(
    (g) => html`<a class="tile grade-${g.grade}${filter.grade === g.grade ? ' selected' : ''}" data-grade="${g.grade}" href="${keep({ grade: filter.grade === g.grade ? undefined : g.grade, page: undefined })}"><span class="muted small">${g.label}</span><b>${data.grades[g.grade]}</b></a>`,
  )}</div><p class="muted small">红：已超期；黄：一个工作日内到期，或多日无进展；绿：正常推进。</p></section>

<details class="card filters-box"${active.length ? html` data-active="${active.length}"` : ''}><summary data-testid="filters-toggle">筛选${active.length ? html`（已选 ${active.join('、')}）` : ''}</summary>
<form method="get" action="/dashboard" class="filters" data-testid="filters">
${select('status', '状态', filter.status, STATUS_OPTIONS)}
${select('department', '责任单位', filter.department, v.options.units.map((u) => ({ value: u, label: u })))}
${select('task', '任务', filter.task, [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ value: String(n), label: itemLabel(n, null) })))}
${select('village', '村', filter.village, v.options.villages.map((x) => ({ value: x.name, label: `${x.name}（${x.district}）` })))}
${select('grade', '督办等级', filter.grade, grades.map((g) => ({ value: g.grade, label: GRADE_LABEL[g.grade] })))}
${select('source', '问题来源', filter.source, SOURCES.map((x) => ({ value: x, label: x })))}
${select('batch', '批次', filter.batch, v.options.batches.map((x) => ({ value: x, label: x })))}
${dateField({ id: 'f-from', name: 'from', label: '发现日期从', value: filter.from })}
${dateField({ id: 'f-to', name: 'to', label: '至', value: filter.to })}
${dateShortcuts({ from: 'f-from', to: 'f-to', today: v.today, kinds: ['today', 'last7', 'last30', 'thisMonth'] })}
<div><button type="submit">筛选</button> <a class="button secondary" href="/dashboard">清除</a></div>
</form>
${v.scoped ? '' : html`<form method="get" action="/export/report.docx" class="filters" data-testid="report-form">
${dateField({ id: 'r-from', name: 'from', label: '整改报告从', value: filter.from })}
${dateField({ id: 'r-to', name: 'to', label: '至', value: filter.to })}
${dateShortcuts({ from: 'r-from', to: 'r-to', today: v.today, kinds: ['thisMonth', 'lastMonth'] })}
<div><button type="submit" data-testid="report-docx">下载整改报告（Word）</button></div>
</form>`}
</details>
<p class="small links"><a href="/dashboard/ledger.xlsx${filterQueryString(filter)}">导出整改台账（Excel，按当前筛选）</a> · <a href="/form">上报问题</a></p>



<section class="card chart" data-testid="trend"><h2>每日新增、销号与存量</h2>
<p class="small muted" data-testid="trend-window">${trendWindowText(data.trend.days)}${scopeText ? html` · ${scopeText}` : ''}</p>
<div class="legend"><span><i class="dot-created"></i>新增 ${data.trend.created.reduce((a, b) => a + b, 0)}</span><span><i class="dot-closed"></i>销号 ${data.trend.closed.reduce((a, b) => a + b, 0)}</span><span><i class="dot-open"></i>存量 ${data.trend.open.at(-1) ?? 0}（右轴）</span></div>
${trendChart(data.trend)}</section>

${countTable('按责任单位（牵头）', data.byUnit, (r) => keep({ department: r.key, page: undefined }), 'by-unit')}
${countTable('按管区（问题所在村）', data.byDistrict, null, 'by-district')}
${countTable('按任务', data.byTask, (r) => (/^\d$/.test(r.key) ? keep({ task: r.key, page: undefined }) : keep({})), 'by-task')}

<section class="card" data-testid="overdue"><h2>超期未办（${data.overdue.total}）</h2>
${data.overdue.items.length === 0 ? html`<p class="muted">没有超期的问题。</p>` : html`<div class="scroll"><table>${FINDING_HEAD}<tbody>${findingRows(data.overdue.items, v.now)}</tbody></table></div>
${data.overdue.total > data.overdue.items.length ? html`<p class="small"><a href="${keep({ status: 'overdue', page: undefined })}">查看全部超期问题</a></p>` : ''}`}
</section>

<section class="card" data-testid="list"><h2>问题清单（${data.list.total}）</h2>
${data.list.items.length === 0 ? html`<p class="muted">没有符合条件的问题。</p>` : html`<div class="scroll"><table>${FINDING_HEAD}<tbody>${findingRows(data.list.items, v.now)}</tbody></table></div>`}
<div class="pager">${data.list.page > 1 ? html`<a class="button secondary" href="${keep({ page: data.list.page - 1 })}">上一页</a>` : html`<span></span>`}
<span class="muted small">第 ${data.list.page} / ${data.list.pages} 页</span>
${data.list.page < data.list.pages ? html`<a class="button secondary" href="${keep({ page: data.list.page + 1 })}">下一页</a>` : html`<span></span>`}</div>
</section>`;

  return page({
    title: `${v.town}“回头看”问题整改进度`,
    nonce: v.nonce,
    who: v.who,
    body: html`${body}<style nonce="${v.nonce}">.warn-banner{border-left:4px solid #c0392b;background:#fdf0ee}.grade-red{border-left:4px solid #c0392b}.grade-yellow{border-left:4px solid #d4a017}.grade-green{border-left:4px solid #2e8b57}.tile.selected{outline:2px solid #333}.dot-created{background:${SERIES_COLORS.created}}.dot-closed{background:${SERIES_COLORS.closed}}.dot-open{background:${SERIES_COLORS.open}}</style>`,
  });
}

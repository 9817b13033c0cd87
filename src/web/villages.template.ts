import type { Finding } from '../findings/finding.repository';
import { formatDate, itemLabel, sourceLine } from '../findings/messages';
import type { Household } from '../households/household.repository';
import { maskIdNumber } from '../privacy/mask';
import { statusBadge } from './dashboard.template';
import { html, type SafeHtml } from './html';
import { page } from './layout.template';

export interface VillageRow {
  village: string;
  district: string;
  open: number;
  closed: number;
  /** Households with an open finding. */
  households: number;
  overdue: number;
}

/** /dashboard/villages: per village, grouped by 管区; 清零 where nothing is open. */
export function villagesPage(v: { town: string; nonce: string; who: SafeHtml | string; rows: VillageRow[] }): string {
  const districts = [...new Set(v.rows.map((r) => r.district))];
  const sum = (rows: VillageRow[], k: 'open' | 'closed' | 'households' | 'overdue') => rows.reduce((n, r) => n + r[k], 0);
  const line = (r: VillageRow) => html`<tr data-testid="village-${r.village}"><td>${r.village}${r.open === 0 ? html` <span class="badge closed" data-testid="cleared">清零</span>` : ''}</td>
<td class="num"><a href="/dashboard?village=${encodeURIComponent(r.village)}&amp;status=open">${r.open}</a></td><td class="num">${r.closed}</td><td class="num">${r.households}</td><td class="num">${r.overdue}</td></tr>`;
  const body = html`${districts.map((d) => {
    const rows = v.rows.filter((r) => r.district === d);
    const cleared = rows.filter((r) => r.open === 0).length;
    return html`<section class="card" data-testid="district-${d}"><h2>${d}：未办结 ${sum(rows, 'open')} 件，已销号 ${sum(rows, 'closed')} 件，清零 ${cleared}/${rows.length} 个村</h2>
<div class="scroll"><table><thead><tr><th>村</th><th class="num">未办结</th><th class="num">已销号</th><th class="num">涉及农户</th><th class="num">超期</th></tr></thead><tbody>${rows.map(line)}</tbody></table></div></section>`;
  })}
<p><a class="button secondary" href="/dashboard">返回进度总览</a></p>`;
  return page({ title: `各村进度 · ${v.town}“回头看”`, nonce: v.nonce, who: v.who, body });
}

/** /dashboard/households/:code: every finding of the household across batches; name and ID number only for those who may see them. */
export function householdPage(v: { town: string; nonce: string; who: SafeHtml | string; household: Household; findings: Finding[]; personal: boolean }): string {
  const h = v.household;
  const body = html`<section class="card" data-testid="household"><h2>农户 ${h.code}</h2><dl class="facts">
<dt>村</dt><dd>${h.village}</dd>
${v.personal ? html`<dt>姓名</dt><dd data-testid="name">${h.name ?? '—'}</dd><dt>身份证号</dt><dd>${h.idNumber ? maskIdNumber(h.idNumber) : '—'}</dd>` : ''}
<dt>问题</dt><dd>${v.findings.length} 件，未办结 ${v.findings.filter((f) => !['closed', 'cancelled'].includes(f.status)).length} 件</dd></dl></section>
<section class="card"><h2>历次问题</h2><div class="scroll"><table><thead><tr><th class="num">编号</th><th>状态</th><th>归类</th><th>责任单位</th><th>来源 · 批次</th><th>发现</th><th>销号</th></tr></thead><tbody>
${v.findings.map((f) => html`<tr data-testid="finding-${f.no}"><td class="num"><a href="/dashboard/findings/${f.no}">${f.no}</a></td><td>${statusBadge(f.status)}${f.relapse ? html` <span class="badge urgent">反弹</span>` : ''}${f.linkedTo ? html`<div class="small muted">并入第 ${f.linkedTo} 号</div>` : ''}</td>
<td>${itemLabel(f.task, f.item)}</td><td>${f.departments.join('、') || '—'}</td><td>${sourceLine(f)}</td><td>${formatDate(f.createdAt)}</td><td>${formatDate(f.closedAt)}</td></tr>`)}
</tbody></table></div></section>
<p><a class="button secondary" href="/dashboard/villages">各村进度</a> <a class="button secondary" href="/dashboard">返回进度总览</a></p>`;
  return page({ title: `农户 ${h.code} · ${v.town}“回头看”`, nonce: v.nonce, who: v.who, body });
}

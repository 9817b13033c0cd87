import { SOURCES } from '../findings/finding.model';
import { itemLabel } from '../findings/messages';
import type { ImportRunView } from '../import/import-store';
import type { ImportPlan, PlannedRow } from '../import/list-import.service';
import { filePicker } from './controls.template';
import { html, type SafeHtml } from './html';
import { page } from './layout.template';

/** /dashboard/import: upload a 问题清单, see the dry run, commit, watch the progress. */

interface Shell {
  town: string;
  nonce: string;
  who: SafeHtml | string;
  csrf: string;
}

const OUTCOME: Record<PlannedRow['outcome'], string> = {
  ok: '交办',
  triage: '待分派',
  merge: '并入',
  done: '已导入',
  error: '有问题，不导入',
};

function sourceOptions(selected: string): SafeHtml {
  return html`${SOURCES.map((s) => html`<option value="${s}"${s === selected ? html` selected` : ''}>${s}</option>`)}`;
}

export function importUploadPage(v: Shell & { batch: string | null; error?: string }): string {
  const body = html`${v.error ? html`<div class="error" data-testid="error">${v.error}</div>` : ''}
<section class="card"><h2>导入问题清单</h2>
<p class="small">巡察、督查、审计等反馈的问题清单，按模板整理成 Excel 后上传。先检查：列出每一行将如何归类交办、哪一格有问题；确认后才导入。同一文件再次导入不会重复。</p>
<p><a class="button secondary" href="/dashboard/import/template.xlsx" data-testid="template">下载模板</a></p>
<form method="post" action="/dashboard/import" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="action" value="check">
<label for="file">清单文件 <span class="hint">（.xlsx，最多 5,000 行）</span></label>
${filePicker({ id: 'file', name: 'file', accept: '.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', required: true, button: '选择文件', missing: '请先选择 Excel 清单文件' })}
<label for="source">问题来源 <span class="hint">（表中“问题来源”为空的行）</span></label>
<select id="source" name="source">${sourceOptions('巡察反馈')}</select>
<label for="batch">批次 <span class="hint">（空则用当前批次${v.batch ? `：${v.batch}` : ''}）</span></label>
<input id="batch" type="text" name="batch" maxlength="50" value="">
<button type="submit" class="block">检查</button>
</form></section>
<p><a class="button secondary" href="/dashboard">返回进度总览</a></p>`;
  return page({ title: `导入问题清单 · ${v.town}“回头看”`, nonce: v.nonce, who: v.who, body });
}

export function importPlanPage(v: Shell & { plan: ImportPlan; filename: string; source: string; name: (userid: string) => string }): string {
  const p = v.plan;
  const importable = p.counts.ok + p.counts.triage + p.counts.merge;
  const row = (r: PlannedRow) => html`<tr data-testid="row-${r.row}" class="${r.outcome}"><td class="num">${r.row}</td><td>${OUTCOME[r.outcome]}${r.existing ? html`（第 ${r.existing} 号）` : r.sameAsRow ? html`（同第 ${r.sameAsRow} 行）` : ''}</td>
<td>${r.village ?? '—'}</td><td>${r.household ? (r.householdCode ?? '新建农户') : '—'}</td><td>${r.task !== null ? itemLabel(r.task, r.item) : '—'}</td><td>${r.departments.join('、') || '—'}</td><td>${r.source}</td>
<td>${r.problems.map((x) => html`<div class="problem">${x.column}：${x.message}</div>`)}</td></tr>`;
  const body = html`<section class="card" data-testid="plan"><h2>检查结果：${v.filename}</h2>
<p>共 ${p.rows.length} 行：将交办 <b>${p.counts.ok}</b>，待分派 <b>${p.counts.triage}</b>，并入已有问题 <b>${p.counts.merge}</b>，已导入过 <b>${p.counts.done}</b>，有问题 <b data-testid="errors">${p.counts.error}</b>（不导入）。批次：${p.batch ?? '未设定'}。尚未保存任何内容。</p>
<p class="small" data-testid="importer">导入人：${v.name(p.importedBy)}；报告人（接收整改完成通知、验收销号）：${v.name(p.reporter)}${p.importedBy === p.reporter ? '' : '（第一位镇领导）'}。</p>
${importable > 0 ? html`<form method="post" action="/dashboard/import" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="action" value="commit"><input type="hidden" name="digest" value="${p.digest}">
<input type="hidden" name="source" value="${v.source}"><input type="hidden" name="batch" value="${p.batch ?? ''}">
<button type="submit" class="block" data-testid="commit">确认导入 ${importable} 行</button></form>` : html`<p class="muted">没有可导入的行。</p>`}
<div class="scroll"><table><thead><tr><th class="num">行</th><th>处理</th><th>村</th><th>农户</th><th>归类</th><th>责任单位</th><th>来源</th><th>问题</th></tr></thead>
<tbody>${p.rows.map(row)}</tbody></table></div></section>
<p><a class="button secondary" href="/dashboard/import">重新上传</a></p>`;
  return page({ title: `导入问题清单 · ${v.town}“回头看”`, nonce: v.nonce, who: v.who, body });
}


export function importRunPage(v: Omit<Shell, 'csrf'> & { run: ImportRunView }): string {
  const r = v.run;
  const result = r.result;
  const body = html`<section class="card" data-testid="run"><h2>${r.state === 'running' ? '正在导入…' : r.state === 'done' ? '导入完成' : '导入失败'}</h2>
<progress max="${Math.max(r.total, 1)}" value="${r.state === 'done' ? Math.max(r.total, 1) : r.done}"></progress>
<p class="small muted">${r.done}/${r.total} 行</p>
${r.error ? html`<div class="error">${r.error}</div>` : ''}
${result
  ? html`<div class="ok" data-testid="summary">新建 ${result.created.length} 件（其中待分派 ${result.triage.length} 件），并入已有问题 ${result.merged.length} 件，已导入过 ${result.already} 行，有问题未导入 ${result.skipped.length} 行。已通知 ${result.messages.length} 个单位，每个单位一条消息。</div>
<p><a class="button" href="/dashboard?channel=import${result.batch ? `&batch=${encodeURIComponent(result.batch)}` : ''}" data-testid="list">查看导入的问题</a></p>`
  : ''}</section>
<p><a class="button secondary" href="/dashboard/import">继续导入</a> <a class="button secondary" href="/dashboard">返回进度总览</a></p>`;
  return page({ title: `导入问题清单 · ${v.town}“回头看”`, nonce: v.nonce, who: v.who, body, ...(r.state === 'running' ? { refreshSeconds: 1 } : {}) });
}

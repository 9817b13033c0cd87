import type { EvidenceFile } from '../evidence/evidence.repository';
import { MAX_PHOTO_BYTES, MAX_PHOTOS_PER_UPLOAD } from '../evidence/evidence.policy';
import type { OpenFinding } from '../findings/finding-views';
import { GRADE_LABEL, type Grade } from '../findings/finding.model';
import type { Finding } from '../findings/finding.repository';
import { formatDate, formatTime, itemLabel, sourceLine } from '../findings/messages';
import { maskIdNumber, maskPersonalNumbers } from '../privacy/mask';
import { filePicker } from './controls.template';
import { statusBadge } from './dashboard.template';
import { html, type SafeHtml } from './html';
import { page } from './layout.template';

export interface FindingView {
  town: string;
  nonce: string;
  who: SafeHtml | string;
  finding: Finding;
  photos: EvidenceFile[];
  name(userid: string): string;
  /** Just submitted from the form: say so, with where it went. */
  sent: boolean;
  /** The other findings the same submission was split into (numbers). */
  siblings?: number[];
  /** Set when the viewer may add photos here: the form's CSRF token. */
  upload: { csrf: string; kind: '整改照片' | '问题照片' } | null;
  evidenceRequired: boolean;
  /** Past its deadline and not yet rectified, as the list marks it: how far, e.g. "2 个工作日"; null otherwise. */
  overdue: string | null;
  /** 举一反三 on a closed finding: the same key problem still open in other villages. */
  alike: Pick<OpenFinding, 'no' | 'village' | 'status'>[];
  /** 三色督办, for an open finding. */
  grade?: Grade | null;
}

function units(f: Finding): string {
  if (f.departments.length === 0) return '待分派';
  const [lead, ...assist] = f.departments;
  return assist.length ? `${lead}（牵头）；${assist.join('、')}（配合）` : `${lead}（牵头）`;
}

function sentBanner(f: Finding): SafeHtml {
  if (f.status === 'triage') {
    return html`<div class="ok" data-testid="sent">已提交，编号 <b>${f.no}</b>。暂未能自动确定归属，已请镇领导分派，分派后会通知您。</div>`;
  }
  return html`<div class="ok" data-testid="sent">已提交，编号 <b>${f.no}</b>。已交办：${units(f)}，整改时限 ${formatDate(f.deadline)}。办理进展会在企业微信里通知您。</div>`;
}

export function findingPage(v: FindingView): string {
  const f = v.finding;
  const facts: [string, SafeHtml | string][] = [
    ['状态', v.overdue ? html`${statusBadge(f.status)} <span class="badge overdue">超期</span>` : statusBadge(f.status)],
    ['归类', itemLabel(f.task, f.item)],
    ['责任单位', units(f)],
    ['村', f.village ? `${f.village}${f.cadre ? `（包村干部 ${v.name(f.cadre)}）` : ''}` : '—'],
    ...(f.household && (f.household.code || f.household.name || f.household.idNumber)
      ? ([
          [
            '农户',
            html`${f.household.code ? html`<a href="/dashboard/households/${encodeURIComponent(f.household.code)}">${f.household.code}</a> ` : ''}${f.household.name ?? ''}${f.household.idNumber ? ` ${maskIdNumber(f.household.idNumber)}` : ''}${f.relapse ? html` <span class="badge urgent">反弹</span>` : ''}`,
          ],
        ] as [string, SafeHtml][])
      : []),
    ['问题来源', sourceLine(f)],
    ...(f.linkedTo ? ([['并入', html`已并入 <a href="/dashboard/findings/${f.linkedTo}">第 ${f.linkedTo} 号</a>（同一农户同一问题）`]] as [string, SafeHtml][]) : []),
    ['紧急程度', f.urgency === 'urgent' ? html`<span class="badge urgent">紧急</span>` : '一般'],
    ['报告人', v.name(f.reporter)],
    ...(f.importedBy ? ([['导入人', v.name(f.importedBy)]] as [string, string][]) : []),
    ['发现时间', formatTime(f.createdAt)],
    ['整改时限', v.overdue ? html`${formatDate(f.deadline)} <span class="badge overdue" data-testid="overdue">超期 ${v.overdue}</span>` : formatDate(f.deadline)],
    ...(v.grade ? ([['督办等级', html`<span class="badge grade-${v.grade}" data-testid="grade">${GRADE_LABEL[v.grade]}</span>`]] as [string, SafeHtml][]) : []),
    ...(f.kind ? ([['整改类型', f.kind]] as [string, string][]) : []),
    ...(f.measure ? ([['整改措施', maskPersonalNumbers(f.measure)]] as [string, string][]) : []),
    ...(f.extension ? ([['延期申请', `至 ${formatDate(f.extension.deadline)}（${maskPersonalNumbers(f.extension.reason)}），待镇领导审批`]] as [string, string][]) : []),
    ...(f.rectifyNote ? ([['整改情况', maskPersonalNumbers(f.rectifyNote)]] as [string, string][]) : []),
    ...(f.checkedBy ? ([['验收', `${v.name(f.checkedBy)}${f.checkNote ? `：${maskPersonalNumbers(f.checkNote)}` : ''}`]] as [string, string][]) : []),
    ...(f.closedAt ? ([['销号时间', formatTime(f.closedAt)]] as [string, string][]) : []),
  ];

  const photoBlock = html`<section class="card" data-testid="photos"><h2>照片（${v.photos.length}）</h2>
${v.evidenceRequired && !v.photos.some((p) => p.kind === 'rectification') && f.status !== 'closed' && f.status !== 'cancelled' ? html`<p class="small muted">本问题销号前须有整改照片。</p>` : ''}
${v.photos.length === 0 ? html`<p class="muted">暂无照片。</p>` : html`<div class="before-after">${(
    [
      ['before', '整改前', v.photos.filter((p) => p.kind !== 'rectification')],
      ['after', '整改后', v.photos.filter((p) => p.kind === 'rectification')],
    ] as const
  ).map(
    ([id, label, list]) => html`<div data-testid="${id}"><h3>${label}（${list.length}）</h3>${list.length === 0 ? html`<p class="muted small">暂无</p>` : html`<div class="photos">${list.map(
      (p) => html`<a href="/dashboard/findings/${f.no}/photos/${p.id}" target="_blank" rel="noopener"><img src="/dashboard/findings/${f.no}/photos/${p.id}" alt="${label}（${v.name(p.by)} ${formatTime(p.at)}）" loading="lazy"></a>`,
    )}</div>
<p class="small muted">${list.map((p, i) => `${i + 1}. ${v.name(p.by)}，${formatTime(p.at)}`).join('；')}</p>`}</div>`,
  )}</div>`}
${v.upload ? html`<form method="post" action="/dashboard/findings/${f.no}/photos" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="${v.upload.csrf}">
<label for="more-photos">上传${v.upload.kind} <span class="hint">（最多 ${MAX_PHOTOS_PER_UPLOAD} 张，每张不超过 ${MAX_PHOTO_BYTES / 1024 / 1024} MB）</span></label>
${filePicker({ id: 'more-photos', name: 'photos', accept: 'image/*', multiple: true, required: true, button: '选择照片', unit: '张', missing: '请先选择照片' })}
<button type="submit" class="secondary">上传</button></form>` : ''}
</section>`;

  const siblings = v.sent && v.siblings?.length
    ? html`<div class="ok" data-testid="split">这次上报含 ${v.siblings.length + 1} 个问题，另外的已分别编号：${v.siblings.map((no, i) => html`${i ? '、' : ''}<a href="/dashboard/findings/${no}">第 ${no} 号</a>`)}。</div>`
    : '';
  const body = html`${v.sent ? sentBanner(f) : ''}${siblings}
<section class="card" data-testid="facts"><h2>第 ${f.no} 号问题</h2><dl class="facts">${facts.map(([k, val]) => html`<dt>${k}</dt><dd>${val}</dd>`)}</dl></section>
<section class="card"><h2>问题描述</h2><p data-testid="text">${maskPersonalNumbers(f.text)}</p></section>
${v.alike.length ? html`<section class="card" data-testid="alike"><h2>举一反三</h2><p>其他村还有 ${v.alike.length} 件“${itemLabel(f.task, f.item)}”问题未销号：${v.alike.map((o, i) => html`${i ? '、' : ''}<a href="/dashboard/findings/${o.no}">第 ${o.no} 号</a>（${o.village ?? '村未知'}）`)}</p></section>` : ''}
${photoBlock}
<section class="card" data-testid="history"><h2>办理记录</h2><ul class="history">${f.history.map(
    (h) => html`<li><span class="muted small">${formatTime(h.at)}</span> ${h.by === 'system' ? '系统' : v.name(h.by)} <b>${h.action}</b>${h.note ? html`：${maskPersonalNumbers(h.note)}` : ''}</li>`,
  )}</ul></section>
<p><a class="button secondary" href="/dashboard">返回进度总览</a> <a class="button secondary" href="/form">继续上报</a></p>`;

  // 整改前 and 整改后 side by side, as inspectors compare them; one above the other on a narrow phone.
  const style = html`<style nonce="${v.nonce}">.before-after{display:grid;grid-template-columns:1fr 1fr;gap:12px}.before-after h3{font-size:1rem;margin:.2rem 0}@media (max-width:360px){.before-after{grid-template-columns:1fr}}.grade-red{background:#c0392b;color:#fff}.grade-yellow{background:#d4a017;color:#fff}.grade-green{background:#2e8b57;color:#fff}</style>`;
  return page({ title: `第 ${f.no} 号问题 · ${v.town}“回头看”`, nonce: v.nonce, who: v.who, body: html`${body}${style}` });
}

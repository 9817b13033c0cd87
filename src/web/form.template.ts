import { DIVISION_TABLE } from '../../config/division-table';
import { MAX_PHOTO_BYTES, MAX_PHOTOS_PER_UPLOAD } from '../evidence/evidence.policy';
import { MAX_REPORT_CHARS } from '../findings/finding.service';
import { itemLabel, summary } from '../findings/messages';
import { filePicker } from './controls.template';
import { html, jsonForScript, raw, type SafeHtml } from './html';
import { page } from './layout.template';

export interface FormView {
  town: string;
  nonce: string;
  who: SafeHtml | string;
  csrf: string;
  /** Unique per rendering: a double tap or a retried post makes one finding. */
  submission: string;
  districts: { name: string; villages: string[] }[];
  /** The admin token has no WeCom identity: it picks the reporter. */
  reporters: { userid: string; name: string }[] | null;
}

function categoryOptions(): SafeHtml {
  return html`${DIVISION_TABLE.map(
    (t) => html`<optgroup label="${itemLabel(t.no, null)}"><option value="#${t.no}">${itemLabel(t.no, null)}（不细分）</option>${t.subAreas.flatMap((a) =>
      a.problems.map((p) => html`<option value="${p.code}">${p.code} ${summary(p.text.replace(/[；;。.]+$/, ''), 26)}</option>`),
    )}</optgroup>`,
  )}`;
}

export function formPage(v: FormView): string {
  const body = html`<form id="report" method="post" action="/form" enctype="multipart/form-data" novalidate>
<section class="card">
<div id="form-error" class="error" role="alert" hidden></div>
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="submission" value="${v.submission}">
${v.reporters ? html`<label for="reporter">报告人 <span class="hint">（管理员代报）</span></label>
<select id="reporter" name="reporter" required><option value="">请选择</option>${v.reporters.map((r) => html`<option value="${r.userid}">${r.name}（${r.userid}）</option>`)}</select>` : ''}
<label for="village">村 <span class="hint">（可不选，系统会从描述中识别）</span></label>
<select id="village" name="village"><option value="">请选择</option>${v.districts.map(
    (d) => html`<optgroup label="${d.name}">${d.villages.map((name) => html`<option value="${name}">${name}</option>`)}</optgroup>`,
  )}</select>
<label for="household_name">农户姓名 <span class="hint">（可选）</span></label>
<input type="text" id="household_name" name="household_name" maxlength="50" autocomplete="off">
<label for="id_number">身份证号 <span class="hint">（可选，页面和台账中只显示部分号码）</span></label>
<input type="text" id="id_number" name="id_number" maxlength="18" inputmode="text" autocomplete="off" pattern="\\d{17}[\\dXx]">
<label for="text">问题描述 <span class="hint">（必填：哪户、什么问题、现在什么情况）</span></label>
<textarea id="text" name="text" maxlength="${MAX_REPORT_CHARS}" required placeholder="例如：东岭村王某某家自来水一周没来水，还在挑水吃"></textarea>
<div id="suggest" class="suggest" aria-live="polite" hidden></div>
<label for="category">任务和重点问题 <span class="hint">（可不选，按描述自动归类）</span></label>
<select id="category" name="category"><option value="">自动识别（按问题描述）</option>${categoryOptions()}</select>
<label for="photos">照片 <span class="hint">（最多 ${MAX_PHOTOS_PER_UPLOAD} 张，每张不超过 ${MAX_PHOTO_BYTES / 1024 / 1024} MB）</span></label>
${filePicker({ id: 'photos', name: 'photos', accept: 'image/*', multiple: true, button: '选择照片', unit: '张' })}
<div id="preview" class="photos"></div>
<label>紧急程度</label>
<div class="radios"><label><input type="radio" name="urgency" value="normal" checked> 一般</label><label><input type="radio" name="urgency" value="urgent"> 紧急</label></div>
<button type="submit" class="block" id="submit">提交</button>
</section></form>
<p class="small muted">提交后按《“回头看”工作任务分工表》交办责任单位，办理进展在企业微信里通知您。<a href="/dashboard">查看进度</a></p>`;

  return page({ title: `${v.town}“回头看”问题上报`, nonce: v.nonce, who: v.who, body, script: formScript() });
}

function formScript(): SafeHtml {
  const limits = jsonForScript({ maxPhotos: MAX_PHOTOS_PER_UPLOAD, maxBytes: MAX_PHOTO_BYTES, maxMb: MAX_PHOTO_BYTES / 1024 / 1024 });
  return raw(`(function () {
  var L = ${limits.value};
  var form = document.getElementById('report');
  var text = form.elements.namedItem('text');
  var village = form.elements.namedItem('village');
  var category = form.elements.namedItem('category');
  var photos = form.elements.namedItem('photos');
  var box = document.getElementById('suggest');
  var preview = document.getElementById('preview');
  var errorBox = document.getElementById('form-error');
  var button = document.getElementById('submit');
  var timer = null, seq = 0;

  function showError(message) {
    errorBox.textContent = message || '';
    errorBox.hidden = !message;
    if (message) errorBox.scrollIntoView({ block: 'center' });
  }

  function suggest() {
    var t = text.value.trim();
    var mine = ++seq;
    if (t.length < 4) { box.hidden = true; return; }
    var q = new URLSearchParams({ text: t.slice(0, 500), village: village.value });
    fetch('/form/suggest?' + q.toString(), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (mine !== seq || !s) return;
        box.replaceChildren();
        var span = document.createElement('span');
        if (!s.task) {
          span.textContent = '暂不能从描述判断类别：可手动选择，或直接提交由镇领导分派。';
          box.append(span);
        } else {
          span.textContent = '建议归类：' + s.label + ' → ' + s.departments.join('、') + (s.needsConfirmation ? '（把握不大，请核对）' : '');
          var use = document.createElement('button');
          use.type = 'button';
          use.className = 'secondary';
          use.textContent = '采用';
          use.addEventListener('click', function () { category.value = s.item || ('#' + s.task); });
          box.append(span, use);
        }
        box.hidden = false;
      })
      .catch(function () {});
  }
  text.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(suggest, 400); });
  village.addEventListener('change', suggest);

  function photoProblem() {
    var files = Array.prototype.slice.call(photos.files || []);
    if (files.length > L.maxPhotos) return '最多上传 ' + L.maxPhotos + ' 张照片';
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > L.maxBytes) return '照片“' + files[i].name + '”超过 ' + L.maxMb + ' MB，请压缩后再传';
      if (files[i].type && files[i].type.indexOf('image/') !== 0) return '“' + files[i].name + '”不是图片';
    }
    return '';
  }
  photos.addEventListener('change', function () {
    preview.replaceChildren();
    Array.prototype.forEach.call(photos.files || [], function (f) {
      var img = document.createElement('img');
      img.alt = f.name;
      img.src = URL.createObjectURL(f);
      preview.append(img);
    });
    showError(photoProblem());
  });

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (text.value.trim() === '') { showError('请填写问题描述'); text.focus(); return; }
    var idn = form.elements.namedItem('id_number').value.trim();
    if (idn && !/^\\d{17}[\\dXx]$/.test(idn)) { showError('身份证号应为 18 位'); return; }
    var reporter = form.elements.namedItem('reporter');
    if (reporter && !reporter.value) { showError('请选择报告人'); return; }
    var problem = photoProblem();
    if (problem) { showError(problem); return; }
    showError('');
    button.disabled = true;
    button.textContent = '正在提交…';
    fetch(form.action, { method: 'POST', body: new FormData(form), headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (j) {
          if (r.ok && j && j.url) { location.href = j.url; return; }
          throw new Error(j && j.error ? j.error.message : '提交失败，请稍后再试');
        });
      })
      .catch(function (err) {
        showError(err instanceof TypeError ? '网络不通，请稍后再试（已填写的内容仍在）' : err.message);
        button.disabled = false;
        button.textContent = '提交';
      });
  });
})();`);
}

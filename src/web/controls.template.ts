import { addDays } from '../calendar/zoned-time';
import { html, raw, type SafeHtml } from './html';

/**
 * Form controls whose every visible word is Chinese whatever the browser's language. A native
 * file input says "Choose File / No file chosen" and a native date input "mm/dd/yyyy" under an
 * English browser; these keep the same field names and values for the server.
 */

export interface FilePickerOptions {
  id: string;
  name: string;
  accept: string;
  /** The button's words, e.g. 选择照片. */
  button: string;
  multiple?: boolean;
  required?: boolean;
  /** Said when a required picker is empty at submit, e.g. 请先选择照片. */
  missing?: string;
  /** Counts several files ("已选 3 张"); without it one file is named. */
  unit?: string;
}

/**
 * A visually hidden file input behind a Chinese button, and a line saying what is chosen. The
 * input is also hidden from screen readers (they would read its English "No file chosen"): the
 * button is the label, focusable, and opens the chooser with Enter or Space.
 */
export function filePicker(o: FilePickerOptions): SafeHtml {
  const status = `${o.id}-picked`;
  return html`<div class="file-pick"><input type="file" class="visually-hidden" id="${o.id}" name="${o.name}" accept="${o.accept}"${o.multiple ? html` multiple` : ''}${o.required ? html` required` : ''} tabindex="-1" aria-hidden="true" data-picked="${status}" data-unit="${o.unit ?? ''}" data-missing="${o.missing ?? '请先选择文件'}">
<label for="${o.id}" class="button secondary" role="button" tabindex="0" aria-describedby="${status}" data-testid="${o.id}-button">${o.button}</label><span id="${status}" class="muted small" aria-live="polite">未选择文件</span></div>`;
}

/** A day typed as 年-月-日 (2026-03-01; 2026/3/1, 2026.3.1, 2026年3月1日 and 20260301 are read too). */
export function dateField(o: { id: string; name: string; label: string; value?: string | undefined }): SafeHtml {
  return html`<div><label for="${o.id}">${o.label}</label><input type="text" id="${o.id}" name="${o.name}" value="${o.value ?? ''}" data-date inputmode="numeric" maxlength="12" autocomplete="off" placeholder="年-月-日" aria-describedby="${o.id}-error">
<div id="${o.id}-error" class="field-error" role="alert" hidden></div></div>`;
}

export type DateShortcut = 'today' | 'last7' | 'last30' | 'thisMonth' | 'lastMonth';

const SHORTCUT_LABEL: Record<DateShortcut, string> = { today: '今天', last7: '近7天', last30: '近30天', thisMonth: '本月', lastMonth: '上月' };

/** The range a shortcut sets, from the town's today ('YYYY-MM-DD'). */
function shortcutRange(kind: DateShortcut, today: string): { from: string; to: string } {
  const monthStart = `${today.slice(0, 7)}-01`;
  switch (kind) {
    case 'today':
      return { from: today, to: today };
    case 'last7':
      return { from: addDays(today, -6), to: today };
    case 'last30':
      return { from: addDays(today, -29), to: today };
    case 'thisMonth':
      return { from: monthStart, to: today };
    case 'lastMonth': {
      const lastDay = addDays(monthStart, -1);
      return { from: `${lastDay.slice(0, 7)}-01`, to: lastDay };
    }
  }
}

/** Buttons that fill a pair of date fields with a common range. */
export function dateShortcuts(o: { from: string; to: string; today: string; kinds: DateShortcut[] }): SafeHtml {
  return html`<div class="shortcuts"><span class="muted small">快捷：</span>${o.kinds.map((k) => {
    const r = shortcutRange(k, o.today);
    return html`<button type="button" class="secondary" data-set-from="${o.from}" data-set-to="${o.to}" data-from="${r.from}" data-to="${r.to}">${SHORTCUT_LABEL[k]}</button>`;
  })}</div>`;
}

export const CONTROLS_CSS = `
.visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.file-pick{display:flex;align-items:center;gap:10px;flex-wrap:wrap;position:relative}
.file-pick label.button{margin:0;font-weight:600}
.file-pick label.button:focus{outline:2px solid #1d5fd1;outline-offset:2px}
.file-pick .missing{color:#b3261e}
.file-pick+button{margin-top:12px}
.field-error{color:#b3261e;font-size:14px;margin-top:4px}
.shortcuts{grid-column:1/-1;display:flex;flex-wrap:wrap;align-items:center;gap:6px}
.shortcuts button{min-height:36px;padding:4px 12px;font-size:14px}
`;

/**
 * The controls' behaviour, in every page's script: the chosen files in words, a date typed in any
 * common way written as YYYY-MM-DD (a day that does not exist stops the form with a Chinese
 * message), and the shortcuts.
 */
export const CONTROLS_SCRIPT: SafeHtml = raw(`(function () {
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }
  each('input[type=file][data-picked]', function (input) {
    var status = document.getElementById(input.getAttribute('data-picked'));
    function show() {
      var files = input.files || [];
      var unit = input.getAttribute('data-unit');
      status.classList.remove('missing');
      if (files.length === 0) status.textContent = '未选择文件';
      else if (unit) status.textContent = '已选 ' + files.length + ' ' + unit;
      else status.textContent = '已选：' + files[0].name;
    }
    input.addEventListener('change', show);
    var button = document.querySelector('label[for="' + input.id + '"][role=button]');
    button.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); }
    });
    // A required picker left empty: said beside the button instead of the browser's own bubble.
    input.addEventListener('invalid', function (e) {
      e.preventDefault();
      status.textContent = input.getAttribute('data-missing');
      status.classList.add('missing');
      button.focus();
    });
    show();
  });

  function isoDate(text) {
    var t = text.trim();
    if (t === '') return '';
    var m = /^(\\d{4})\\s*[-/.年]\\s*(\\d{1,2})\\s*[-/.月]\\s*(\\d{1,2})\\s*日?$/.exec(t) || /^(\\d{4})(\\d{2})(\\d{2})$/.exec(t);
    if (!m) return null;
    var y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
    var probe = new Date(Date.UTC(y, mo - 1, d));
    if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return null;
    return m[1] + '-' + (mo < 10 ? '0' : '') + mo + '-' + (d < 10 ? '0' : '') + d;
  }
  function checkDate(input) {
    var error = document.getElementById(input.id + '-error');
    var value = isoDate(input.value);
    if (value === null) {
      error.textContent = '“' + input.value.trim() + '”不是有效日期，请按“年-月-日”填写，如 2026-03-01';
      error.hidden = false;
      return false;
    }
    input.value = value;
    error.hidden = true;
    return true;
  }
  each('input[data-date]', function (input) {
    input.addEventListener('change', function () { checkDate(input); });
  });
  each('form', function (form) {
    form.addEventListener('submit', function (e) {
      var bad = Array.prototype.filter.call(form.querySelectorAll('input[data-date]'), function (input) { return !checkDate(input); });
      if (bad.length > 0) { e.preventDefault(); e.stopImmediatePropagation(); bad[0].focus(); }
    });
  });
  each('button[data-set-from]', function (button) {
    button.addEventListener('click', function () {
      [['data-set-from', 'data-from'], ['data-set-to', 'data-to']].forEach(function (pair) {
        var input = document.getElementById(button.getAttribute(pair[0]));
        input.value = button.getAttribute(pair[1]);
        checkDate(input);
      });
    });
  });
})();`);

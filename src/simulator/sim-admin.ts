import { escapeHtml } from './sim-render';
import type { SimOutcome } from './sim-message.model';
import type { SimMember } from './sim-org';
import type { WeComSwitches } from './wecom-rules';

/**
 * The /sim page's admin panel: the switches of the simulated WeCom (what a corp admin gets
 * wrong, or WeCom itself does), members outside the visible range or without a licence, and the
 * latest refusals in words, so a person can flip one and
 * watch what the bot does about it.
 */

const SWITCHES: { key: keyof WeComSwitches; label: string; on: unknown; off: unknown }[] = [
  { key: 'ipNotTrusted', label: '服务器 IP 不在“企业可信IP”中（应用接口一律返回 60020）', on: true, off: false },
  { key: 'callbackConfigured', label: '应用已配置接收消息的回调 URL（否则不能发带按钮的卡片，43012）', on: true, off: false },
  { key: 'invalidUserAs', label: '无效成员（invaliduser）以数组返回（否则以 | 分隔的字符串）', on: 'array', off: 'string' },
];

export function outcomeText(outcome: SimOutcome): string {
  return outcome.kind === 'dropped' ? `企业微信未送达：${outcome.words}` : `企业微信拒收（${outcome.errcode}）：${outcome.words}`;
}

const LISTS = [
  { key: 'hidden', label: '不在应用可见范围的成员（收不到应用消息，出现在 invaliduser）' },
  { key: 'unlicensed', label: '未分配账号许可的成员（出现在 unlicenseduser）' },
] as const;

export function adminPanel(switches: WeComSwitches, members: SimMember[], lists: Record<(typeof LISTS)[number]['key'], string[]>): string {
  const boxes = SWITCHES.map(
    (s) =>
      `<label class="sw"><input type="checkbox" data-switch="${s.key}" data-on='${JSON.stringify(s.on)}' data-off='${JSON.stringify(s.off)}'${switches[s.key] === s.on ? ' checked' : ''}> ${escapeHtml(s.label)}</label>`,
  ).join('');
  const people = LISTS.map(
    (l) =>
      `<h3>${escapeHtml(l.label)}</h3><div class="people">${members
        .map((m) => `<label><input type="checkbox" data-list="${l.key}" value="${escapeHtml(m.userid)}"${lists[l.key].includes(m.userid) ? ' checked' : ''}> ${escapeHtml(m.name)}</label>`)
        .join('')}</div>`,
  ).join('');
  return `<details id="wecom-admin"><summary>企业微信后台（模拟开关）</summary>${boxes}${people}<h3>最近被拒绝的接口调用</h3><ol id="wecom-refusals"><li class="none">暂无</li></ol></details>`;
}

export const ADMIN_CSS = `
#wecom-admin{margin:8px;padding:6px 8px;background:#fff3e0;border:1px solid #ffb74d;border-radius:6px;font-size:13px}
#wecom-admin summary{cursor:pointer;font-weight:600}
#wecom-admin .sw{display:block;margin:6px 0}
#wecom-admin h3{font-size:13px;margin:8px 0 2px;color:#888;font-weight:normal}
#wecom-refusals{margin:0;padding-left:18px;max-height:200px;overflow-y:auto;color:#c62828}
#wecom-refusals .none{color:#888;list-style:none;margin-left:-18px}
#wecom-admin .people{display:flex;flex-wrap:wrap;gap:2px 10px;max-height:120px;overflow-y:auto}`;

export const ADMIN_SCRIPT = `
(function(){
  var panel = document.getElementById('wecom-admin'); if (!panel) return;
  var list = document.getElementById('wecom-refusals');
  function esc(t){ var d = document.createElement('div'); d.textContent = t; return d.innerHTML; }
  function show(s){
    panel.querySelectorAll('[data-switch]').forEach(function(box){ box.checked = JSON.stringify(s.switches[box.dataset.switch]) === box.dataset.on; });
    panel.querySelectorAll('[data-list]').forEach(function(box){ box.checked = s[box.dataset.list].indexOf(box.value) >= 0; });
    list.innerHTML = s.refusals.length ? s.refusals.map(function(r){
      return '<li>' + esc(new Date(r.at).toLocaleTimeString('zh-CN')) + ' ' + esc(r.api) + (r.to ? '（' + esc(r.to) + '）' : '') + '：' + r.errcode + ' ' + esc(r.words) + '</li>';
    }).join('') : '<li class="none">暂无</li>';
  }
  function load(){ fetch('/sim/admin').then(function(r){ return r.json(); }).then(show).catch(function(){}); }
  panel.addEventListener('change', function(e){
    var box = e.target; if (!box.dataset || !(box.dataset.switch || box.dataset.list)) return;
    var change = {};
    if (box.dataset.switch) change[box.dataset.switch] = JSON.parse(box.checked ? box.dataset.on : box.dataset.off);
    else change[box.dataset.list] = Array.prototype.map.call(panel.querySelectorAll('[data-list="' + box.dataset.list + '"]:checked'), function(b){ return b.value; });
    fetch('/sim/admin', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change) })
      .then(function(r){ return r.json(); }).then(show).catch(function(){ box.checked = !box.checked; });
  });
  load();
  setInterval(function(){ if (panel.open) load(); }, 2000);
})();`;

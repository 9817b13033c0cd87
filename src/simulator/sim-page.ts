import { formatTime } from '../findings/messages';
import type { SimGroup, SimMember, SimOrg } from './sim-org';
import { adminPanel, ADMIN_CSS, ADMIN_SCRIPT, outcomeText } from './sim-admin';
import { escapeHtml, type RenderedMessage } from './sim-render';
import type { WeComSwitches } from './wecom-rules';

/**
 * The /sim page: server-rendered HTML (every group and member, every conversation with what it
 * received) and a little inline JS that polls for changes every 2 s, sends as a member and clicks
 * card buttons. No external resources; works on a phone (one column, list or chat).
 */

/** The longest message the simulator takes (as the bot's reports). */
export const SIM_MAX_CHARS = 2000;

const API_WORDS: Record<string, string> = {
  'message/send': '应用消息',
  'webhook/send': '群机器人',
  'aibot/response': '智能机器人',
  'aibot/send': '智能机器人',
  'appchat/send': '应用群聊',
};

export function messageRow(m: RenderedMessage): string {
  const status =
    m.direction === 'in' && m.callbackStatus !== null && m.callbackStatus !== 200
      ? `<div class="status bad">未送达机器人（${m.callbackStatus === 0 ? '无法连接' : `HTTP ${m.callbackStatus}`}）</div>`
      : '';
  const refused = m.outcome ? `<div class="status bad">${escapeHtml(outcomeText(m.outcome))}</div>` : '';
  // What kind of message it is, in words; the API it came through in small print.
  const via = m.direction === 'out' ? ` · ${escapeHtml(API_WORDS[m.api] ?? '')} <small class="api">${escapeHtml(m.api)}</small>` : '';
  return (
    `<div class="msg ${m.direction}" data-seq="${m.seq}">` +
    `<div class="meta">${escapeHtml(m.fromName)} · ${escapeHtml(formatTime(new Date(m.at)))}${via}</div>` +
    `<div class="bubble">${m.html}</div>${status}${refused}</div>`
  );
}

function convLink(id: string, name: string, label: string): string {
  return `<a class="conv" href="#${encodeURIComponent(id)}" data-conv="${escapeHtml(id)}"><span class="name">${escapeHtml(name)}</span><span class="label">${escapeHtml(label)}</span><span class="badge" hidden></span></a>`;
}

function groupPane(g: SimGroup, org: SimOrg, rows: string, botName: string): string {
  const names = g.members.map((u) => org.member(u)?.name ?? u);
  const options = [...g.members, ...org.members.map((m) => m.userid).filter((u) => !g.members.includes(u))]
    .map((u) => `<option value="${escapeHtml(u)}">${escapeHtml(org.member(u)?.name ?? u)}</option>`)
    .join('');
  return (
    `<section class="pane" data-conv="${escapeHtml(g.id)}" hidden>` +
    `<div class="pane-head"><a href="#" class="back">‹ 返回</a><b>${escapeHtml(g.name)}</b>` +
    `<small>${escapeHtml(g.label)} · ${g.via === 'webhook' ? '群机器人' : '应用群聊'} · 成员：${escapeHtml(names.join('、') || '（无）')}</small></div>` +
    `<div class="msgs">${rows}</div>` +
    `<form class="composer" data-conv="${escapeHtml(g.id)}" data-kind="group">` +
    `<div class="row"><label>发言人 <select name="from">${options}</select></label>` +
    `<label class="check"><input type="checkbox" name="bot" checked> @${escapeHtml(botName)}</label></div>` +
    `<div class="row"><textarea name="text" rows="2" placeholder="在群里 @${escapeHtml(botName)} 发命令，如：签收 1"></textarea><button type="submit">发送</button></div><div class="count" aria-live="polite">0/${SIM_MAX_CHARS}</div>` +
    `</form></section>`
  );
}

function memberPane(m: SimMember, rows: string): string {
  return (
    `<section class="pane" data-conv="${escapeHtml(m.conv)}" hidden>` +
    `<div class="pane-head"><a href="#" class="back">‹ 返回</a><b>${escapeHtml(m.name)}</b>` +
    `<small>${escapeHtml(m.roles.join('；') || '成员')} · 与“回头看”应用的单聊</small></div>` +
    `<div class="msgs">${rows}</div>` +
    `<form class="composer" data-conv="${escapeHtml(m.conv)}" data-kind="user">` +
    `<input type="hidden" name="from" value="${escapeHtml(m.userid)}">` +
    `<div class="row quick"><button type="button" data-quick="帮助">帮助</button><button type="button" data-quick="待办">待办</button><button type="button" data-quick="统计">统计</button></div>` +
    `<div class="row"><textarea name="text" rows="2" placeholder="以${escapeHtml(m.name)}的身份发给应用：报告问题或发命令"></textarea><button type="submit">发送</button></div><div class="count" aria-live="polite">0/${SIM_MAX_CHARS}</div>` +
    `</form></section>`
  );
}

export function simPage(input: { town: string; org: SimOrg; rowsByConv: Map<string, string[]>; rev: number; botName: string; switches: WeComSwitches; hidden: string[]; unlicensed: string[] }): string {
  const { org } = input;
  const rows = (id: string): string => (input.rowsByConv.get(id) ?? []).join('');
  const groupLinks = org.groups.map((g) => convLink(g.id, g.name, `${g.label} · ${g.via === 'webhook' ? '群机器人' : '应用群聊'}`)).join('');
  const memberLinks = org.members.map((m) => convLink(m.conv, m.name, m.roles.join('；') || '成员')).join('');
  const panes = [...org.groups.map((g) => groupPane(g, org, rows(g.id), input.botName)), ...org.members.map((m) => memberPane(m, rows(m.conv)))].join('');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>企业微信模拟器 · ${escapeHtml(input.town)}“回头看”</title>
<style>${CSS}${ADMIN_CSS}</style></head>
<body data-rev="${input.rev}">
<header class="banner"><b>模拟模式</b> 企业微信模拟器 · ${escapeHtml(input.town)}“回头看”机器人 —— 这里的消息不会发到真实的企业微信</header>
<div class="layout">
<nav id="list">${adminPanel(input.switches, org.members, { hidden: input.hidden, unlicensed: input.unlicensed })}<h2>群聊</h2>${groupLinks}<h2>成员（与应用的单聊）</h2>${memberLinks}</nav>
<main id="chat">${panes}<div class="empty">在左侧选择一个群或成员：群里能看到机器人交办的问题；成员的单聊里可以以他的身份报告问题、发命令、点卡片按钮。</div></main>
</div>
<div id="toast" hidden></div>
<script>${SCRIPT}${ADMIN_SCRIPT}</script>
</body></html>`;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;height:100vh;height:100dvh;display:flex;flex-direction:column;font:15px/1.5 -apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#ededed;color:#222}
.banner{background:#b71c1c;color:#fff;padding:8px 12px;font-size:14px}
.layout{display:flex;flex:1;min-height:0}
#list{width:300px;overflow-y:auto;background:#f7f7f7;border-right:1px solid #ddd}
#list h2{font-size:13px;color:#888;margin:12px 12px 4px;font-weight:normal}
.conv{display:block;padding:8px 12px;text-decoration:none;color:inherit;border-bottom:1px solid #eee;position:relative}
.conv.active{background:#dcdcdc}
.conv .name{display:block;font-weight:600}
.conv .label{display:block;font-size:12px;color:#888;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding-right:28px}
.badge{position:absolute;right:10px;top:14px;background:#e53935;color:#fff;border-radius:10px;font-size:12px;padding:0 6px}
#chat{flex:1;display:flex;flex-direction:column;min-width:0}
.empty{margin:auto;color:#888;padding:24px;max-width:420px}
.pane{display:flex;flex-direction:column;height:100%}
.pane[hidden]{display:none}
.pane-head{padding:8px 12px;background:#f7f7f7;border-bottom:1px solid #ddd}
.pane-head small{display:block;color:#888}
.back{display:none;margin-right:8px;text-decoration:none}
.msgs{flex:1;overflow-y:auto;padding:12px}
.msg{margin:0 0 14px;max-width:88%}
.msg.in{margin-left:auto}
.meta{font-size:12px;color:#999;margin-bottom:2px}
.msg.in .meta{text-align:right}
.bubble{background:#fff;border-radius:6px;padding:8px 10px;word-break:break-word}
.msg.in .bubble{background:#95ec69}
.status.bad{font-size:12px;color:#c62828;text-align:right}
blockquote{margin:2px 0;padding-left:8px;border-left:3px solid #ccc;color:#555}
.font-info{color:#2e7d32}.font-comment{color:#888}.font-warning{color:#ef6c00}
.mention{color:#1565c0}
.h{font-weight:700}.h1{font-size:18px}.h2{font-size:16px}
.gap{height:6px}
code{background:#f0f0f0;padding:0 3px;border-radius:3px}
.card-source{font-size:12px;color:#888}
.card-title{font-weight:700;font-size:16px}
.card-desc,.card-sub{color:#555;font-size:14px}
.card-rows{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:6px 0;font-size:14px}
.card-rows dt{color:#888}.card-rows dd{margin:0}
.card-buttons{display:flex;gap:8px;margin-top:8px}
.card-btn{flex:1;padding:8px;border-radius:4px;border:1px solid #1565c0;background:#1976d2;color:#fff;font-size:15px;text-align:center}
.card-btn.style-2{background:#fff;color:#1565c0}
button.card-btn{cursor:pointer}
.card-done{margin-top:8px;text-align:center;color:#888;border-top:1px solid #eee;padding-top:6px}
.composer{border-top:1px solid #ddd;background:#f7f7f7;padding:8px}
.composer .row{display:flex;gap:8px;align-items:center;margin-bottom:4px}
.composer .count{font-size:12px;color:#888;text-align:right}.composer .count.over{color:#c62828;font-weight:600}
.meta small.api{color:#aaa;font-size:11px}
.composer textarea{flex:1;font:inherit;padding:6px;border:1px solid #ccc;border-radius:4px;resize:vertical}
.composer button{padding:8px 14px;font:inherit;border-radius:4px;border:1px solid #2e7d32;background:#43a047;color:#fff}
.composer .quick button{padding:2px 10px;background:#fff;color:#333;border-color:#ccc;font-size:13px}
.composer select{font:inherit}
.check{font-size:14px;color:#555}
#toast{position:fixed;left:50%;bottom:90px;transform:translateX(-50%);background:rgba(0,0,0,.8);color:#fff;padding:8px 14px;border-radius:6px;max-width:90%}
@media (max-width:720px){
 #list{width:100%;border:0}
 body:not(.in-chat) #chat{display:none}
 body.in-chat #list{display:none}
 .back{display:inline}
 .msg{max-width:95%}
}`;

const SCRIPT = `
(function(){
  var rev = Number(document.body.dataset.rev) || 0;
  var active = null;
  var unread = {};
  function pane(conv){ return document.querySelector('.pane[data-conv="' + CSS.escape(conv) + '"]'); }
  function link(conv){ return document.querySelector('.conv[data-conv="' + CSS.escape(conv) + '"]'); }
  function toast(text){ var t = document.getElementById('toast'); t.textContent = text; t.hidden = false; clearTimeout(toast.timer); toast.timer = setTimeout(function(){ t.hidden = true; }, 3500); }
  function scrollDown(p){ var m = p.querySelector('.msgs'); m.scrollTop = m.scrollHeight; }
  function show(){
    var conv = decodeURIComponent(location.hash.slice(1));
    var target = conv ? pane(conv) : null;
    document.querySelectorAll('.pane').forEach(function(p){ p.hidden = p !== target; });
    document.querySelectorAll('.conv').forEach(function(a){ a.classList.toggle('active', a.dataset.conv === conv); });
    document.querySelector('.empty').hidden = !!target;
    document.body.classList.toggle('in-chat', !!target);
    active = target ? conv : null;
    if (target) { unread[conv] = 0; badge(conv); scrollDown(target); }
  }
  function badge(conv){ var a = link(conv); if (!a) return; var b = a.querySelector('.badge'); var n = unread[conv] || 0; b.hidden = n === 0; b.textContent = n; }
  function place(item){
    var p = pane(item.conv); if (!p) return;
    var box = p.querySelector('.msgs');
    var tmp = document.createElement('div'); tmp.innerHTML = item.row; var node = tmp.firstChild;
    var old = box.querySelector('.msg[data-seq="' + item.seq + '"]');
    if (old) { old.replaceWith(node); return; }
    var after = null;
    box.querySelectorAll('.msg').forEach(function(m){ if (Number(m.dataset.seq) > item.seq && !after) after = m; });
    var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    box.insertBefore(node, after);
    if (item.conv === active) { if (atBottom) scrollDown(p); }
    else { unread[item.conv] = (unread[item.conv] || 0) + 1; badge(item.conv); }
  }
  var polling = false;
  function poll(){
    if (polling) return; polling = true;
    fetch('/sim/state?after=' + rev).then(function(r){ return r.json(); }).then(function(s){
      s.items.forEach(place); rev = s.rev;
    }).catch(function(){}).finally(function(){ polling = false; });
  }
  function soon(){ [300, 900, 2000].forEach(function(ms){ setTimeout(poll, ms); }); }
  function post(url, body){
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function(r){ return r.json().then(function(j){ if (!r.ok) throw new Error((j.error && j.error.message) || ('HTTP ' + r.status)); return j; }); });
  }
  document.addEventListener('submit', function(e){
    var f = e.target; if (!f.classList || !f.classList.contains('composer')) return;
    e.preventDefault();
    var text = f.text.value.trim();
    if (!text) { toast('请先输入消息内容'); return; }
    if (text.length > ${SIM_MAX_CHARS}) { toast('消息过长：最多 ${SIM_MAX_CHARS} 字，现在 ' + text.length + ' 字'); return; }
    var body = { conv: f.dataset.conv, from: f.from.value, text: text, bot: f.bot ? f.bot.checked : true };
    var button = f.querySelector('button[type=submit]'); button.disabled = true;
    post('/sim/say', body).then(function(){ f.text.value = ''; poll(); soon(); })
      .catch(function(err){ toast('发送失败：' + err.message); })
      .finally(function(){ button.disabled = false; });
  });
  document.addEventListener('input', function(e){
    var f = e.target.form; if (!f || !f.classList.contains('composer') || e.target.name !== 'text') return;
    var n = e.target.value.trim().length, c = f.querySelector('.count');
    c.textContent = n + '/${SIM_MAX_CHARS}'; c.classList.toggle('over', n > ${SIM_MAX_CHARS});
  });
  document.addEventListener('keydown', function(e){
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.target.form && e.target.form.classList.contains('composer')) e.target.form.requestSubmit();
  });
  document.addEventListener('click', function(e){
    var q = e.target.closest('[data-quick]');
    if (q) { var f = q.closest('form'); f.text.value = q.dataset.quick; f.requestSubmit(); return; }
    var b = e.target.closest('button.card-btn');
    if (!b) return;
    b.disabled = true;
    post('/sim/click', { from: b.dataset.user, seq: Number(b.dataset.seq), key: b.dataset.key })
      .then(function(){ poll(); soon(); })
      .catch(function(err){ b.disabled = false; toast('点击失败：' + err.message); });
  });
  document.addEventListener('click', function(e){ if (e.target.classList.contains('back')) { e.preventDefault(); location.hash = ''; } });
  window.addEventListener('hashchange', show);
  show();
  setInterval(poll, 2000);
})();`;

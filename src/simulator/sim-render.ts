import type { ConversationId, SimMessageDoc } from './sim-message.model';

/**
 * Messages as WeCom shows them, as HTML that is safe to insert: every character of a message is
 * escaped first, and only WeCom's own markdown is turned back into markup — **bold**, `> quote`,
 * `# heading`, [link](http…), <font color="info|comment|warning">, <@userid> mentions, `code`.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const FONT_COLORS = new Set(['info', 'comment', 'warning']);

/** Inline markdown on one line, which is escaped here. */
function inline(line: string, name: (userid: string) => string): string {
  let html = escapeHtml(line);
  html = html.replace(/`([^`]+)`/g, '<code>$1</code>');
  html = html.replace(/&lt;font color=(?:&quot;|&#39;)?(\w+)(?:&quot;|&#39;)?&gt;([\s\S]*?)&lt;\/font&gt;/g, (whole, color: string, inner: string) =>
    FONT_COLORS.has(color) ? `<span class="font-${color}">${inner}</span>` : whole,
  );
  html = html.replace(/&lt;@([A-Za-z0-9_.@-]{1,64})&gt;/g, (_w, id: string) => `<span class="mention">@${escapeHtml(name(unescapeHtml(id)))}</span>`);
  html = html.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
  // The URL was escaped with the rest, so it is safe inside the attribute; only http(s) links open.
  html = html.replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>');
  return html;
}

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_w, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

export function renderMarkdown(markdown: string, name: (userid: string) => string = (u) => u): string {
  const out: string[] = [];
  let quote: string[] = [];
  const flushQuote = (): void => {
    if (quote.length) out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
    quote = [];
  };
  for (const line of markdown.split('\n')) {
    const q = /^>\s?(.*)$/.exec(line);
    if (q) {
      quote.push(inline(q[1] ?? '', name));
      continue;
    }
    flushQuote();
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) out.push(`<div class="h h${h[1]!.length}">${inline(h[2] ?? '', name)}</div>`);
    else if (/^\s*-{3,}\s*$/.test(line)) out.push('<hr>');
    else out.push(line.trim() === '' ? '<div class="gap"></div>' : `<div>${inline(line, name)}</div>`);
  }
  flushQuote();
  return out.join('');
}

export function renderText(text: string, mentions: string[] = [], name: (userid: string) => string = (u) => u): string {
  const body = text.split('\n').map((l) => escapeHtml(l)).join('<br>');
  const at = mentions.map((m) => `<span class="mention">@${escapeHtml(m === '@all' ? '所有人' : name(m))}</span>`).join(' ');
  return at ? `${body}<br>${at}` : body;
}

/** The card a person sees now: the original, or what update_template_card made of it for them. */
export function effectiveCard(message: Pick<SimMessageDoc, 'card' | 'updates'>, viewer: string | null): { card: Record<string, unknown>; replaceName?: string } {
  let card = message.card ?? {};
  let replaceName: string | undefined;
  for (const u of message.updates) {
    if (u.users && (viewer === null || !u.users.includes(viewer))) continue;
    if (u.card) {
      card = u.card;
      replaceName = undefined;
    }
    if (u.replaceName !== undefined) replaceName = u.replaceName;
  }
  return { card, ...(replaceName !== undefined ? { replaceName } : {}) };
}

interface CardButton {
  text: string;
  key: string;
  style: number;
}

export function cardButtons(card: Record<string, unknown>): CardButton[] {
  const list = Array.isArray(card.button_list) ? (card.button_list as Record<string, unknown>[]) : [];
  return list.map((b) => ({ text: String(b.text ?? ''), key: String(b.key ?? ''), style: Number(b.style ?? 1) }));
}

function renderCard(message: SimMessageDoc, viewer: string | null): string {
  const { card, replaceName } = effectiveCard(message, viewer);
  const s = (v: unknown): string => (typeof v === 'string' ? escapeHtml(v) : '');
  const source = card.source as { desc?: unknown } | undefined;
  const main = card.main_title as { title?: unknown; desc?: unknown } | undefined;
  const rows = Array.isArray(card.horizontal_content_list) ? (card.horizontal_content_list as { keyname?: unknown; value?: unknown }[]) : [];
  const parts = [
    source?.desc ? `<div class="card-source">${s(source.desc)}</div>` : '',
    `<div class="card-title">${s(main?.title)}</div>`,
    main?.desc ? `<div class="card-desc">${s(main.desc)}</div>` : '',
    card.sub_title_text ? `<div class="card-sub">${s(card.sub_title_text)}</div>` : '',
    rows.length ? `<dl class="card-rows">${rows.map((r) => `<dt>${s(r.keyname)}</dt><dd>${s(r.value)}</dd>`).join('')}</dl>` : '',
  ];
  if (replaceName !== undefined) {
    parts.push(`<div class="card-done">${escapeHtml(replaceName)}</div>`);
  } else {
    const buttons = cardButtons(card);
    if (buttons.length) {
      parts.push(
        `<div class="card-buttons">${buttons
          .map((b) =>
            viewer
              ? `<button type="button" class="card-btn style-${b.style}" data-seq="${message.seq}" data-key="${escapeHtml(b.key)}" data-user="${escapeHtml(viewer)}">${escapeHtml(b.text)}</button>`
              : `<span class="card-btn style-${b.style}">${escapeHtml(b.text)}</span>`,
          )
          .join('')}</div>`,
      );
    }
  }
  return `<div class="card">${parts.join('')}</div>`;
}

export interface RenderedMessage {
  seq: number;
  conv: ConversationId;
  at: string;
  direction: 'in' | 'out';
  from: string;
  fromName: string;
  api: string;
  msgtype: string;
  content: string;
  /** Cards: the buttons this conversation's person may still click, and what replaced them. */
  buttons: CardButton[];
  replaceName: string | null;
  callbackStatus: number | null;
  /** WeCom refused it (errcode and words) or dropped it silently. */
  outcome: SimMessageDoc['outcome'];
  html: string;
}

const SENDER_NAMES: Record<string, string> = { app: '“回头看”应用', robot: '群机器人', bot: '回头看助手（智能机器人）' };

/** One message as it shows in one conversation (a card looks different to whom an update applied). */
export function renderMessage(message: SimMessageDoc, conv: ConversationId, name: (userid: string) => string): RenderedMessage {
  const viewer = conv.startsWith('u:') ? conv.slice(2) : null;
  let body: string;
  let buttons: CardButton[] = [];
  let replaceName: string | null = null;
  if (message.card) {
    const view = effectiveCard(message, viewer);
    replaceName = view.replaceName ?? null;
    buttons = replaceName === null ? cardButtons(view.card) : [];
    body = renderCard(message, viewer);
  } else if (message.msgtype === 'markdown') {
    body = `<div class="md">${renderMarkdown(message.content, name)}</div>`;
  } else {
    body = `<div class="txt">${renderText(message.content, message.mentions, name)}</div>`;
  }
  const fromName = message.direction === 'in' ? name(message.from) : (SENDER_NAMES[message.from] ?? message.from);
  return {
    seq: message.seq,
    conv,
    at: message.at.toISOString(),
    direction: message.direction,
    from: message.from,
    fromName,
    api: message.api,
    msgtype: message.msgtype,
    content: message.content,
    buttons,
    replaceName,
    callbackStatus: message.callbackStatus,
    outcome: message.outcome ?? null,
    html: body,
  };
}

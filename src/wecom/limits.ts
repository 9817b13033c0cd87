/**
 * WeCom counts message sizes in UTF-8 bytes (a Chinese character is 3) and rejects or cuts what is
 * longer. We cut first, on a character boundary, and say so in the message.
 */

/** message/send text.content and markdown.content. */
export const APP_TEXT_MAX_BYTES = 2048;
export const APP_MARKDOWN_MAX_BYTES = 2048;
/** Group robot (webhook) text.content. */
export const ROBOT_TEXT_MAX_BYTES = 2048;
/** Group robot (webhook) markdown.content. */
export const ROBOT_MARKDOWN_MAX_BYTES = 4096;
/** Smart bot markdown (response_url or the long connection). */
export const SMART_BOT_MARKDOWN_MAX_BYTES = 20480;
/** template_card.task_id: at most 128 bytes of 0-9 a-z A-Z _ - @. */
export const TASK_ID_MAX_BYTES = 128;

export const TRUNCATION_NOTICE = '…（内容过长已截断）';

export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const graphemes = new Intl.Segmenter('zh', { granularity: 'grapheme' });

/** The longest prefix of whole characters (grapheme clusters: an emoji with its modifiers stays whole) within `maxBytes`. */
function prefixWithin(text: string, maxBytes: number): string {
  // Every UTF-16 unit is at least one byte, so nothing past maxBytes units can fit: segment only that.
  let used = 0;
  let end = 0;
  for (const { segment } of graphemes.segment(text.slice(0, maxBytes + 1))) {
    const size = utf8ByteLength(segment);
    if (used + size > maxBytes) break;
    used += size;
    end += segment.length;
  }
  return text.slice(0, end);
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, notice included, on a character boundary. */
export function truncateText(text: string, maxBytes: number, notice = TRUNCATION_NOTICE): string {
  if (utf8ByteLength(text) <= maxBytes) return text;
  const room = maxBytes - utf8ByteLength(notice);
  if (room <= 0) return prefixWithin(notice, maxBytes);
  return prefixWithin(text, room) + notice;
}

/**
 * As truncateText, but prefers to cut at the end of a line when that keeps most of the text, so
 * a markdown link, bold span or <font> tag is less likely to be left half open.
 */
export function truncateMarkdown(text: string, maxBytes: number, notice = TRUNCATION_NOTICE): string {
  if (utf8ByteLength(text) <= maxBytes) return text;
  const room = maxBytes - utf8ByteLength(notice) - 1; // -1 for the newline before the notice
  if (room <= 0) return truncateText(text, maxBytes, notice);
  const cut = prefixWithin(text, room);
  const lineEnd = cut.lastIndexOf('\n');
  if (lineEnd >= cut.length * 0.75) return `${cut.slice(0, lineEnd)}\n${notice}`;
  return truncateText(text, maxBytes, notice);
}

/** A task_id WeCom accepts: other characters become `_`, cut to 128 bytes (every allowed character is one byte). */
export function safeTaskId(raw: string): string {
  return raw.replace(/[^0-9A-Za-z_\-@]/g, '_').slice(0, TASK_ID_MAX_BYTES);
}

/**
 * The app's and the group robot's markdown as plain text, for readers who see no markdown (units
 * on 微工作台, WeChat's plugin): bold and quote marks dropped, <font> tags unwrapped, a link as
 * its text and address.
 */
export function markdownToText(markdown: string): string {
  return markdown
    .replace(/<font[^>]*>([\s\S]*?)<\/font>/g, '$1')
    .replace(/\[([^\]]*)\]\(([^)\s]+)\)/g, '$1：$2')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/^>\s?/gm, '')
    .replace(/^#{1,6}\s+/gm, '');
}

/**
 * The smart bot renders markdown_v2: it has no <font> colours (they would show as tags), so the
 * coloured text stays plain; everything else the builders use (bold, quotes, links) reads the same.
 */
export function toMarkdownV2(markdown: string): string {
  return markdown.replace(/<font[^>]*>([\s\S]*?)<\/font>/g, '$1');
}

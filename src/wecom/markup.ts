/**
 * Text a person wrote (a report, a reason, a note, 验收意见, a name from a file) made inert in the
 * markdown WeCom renders, so that it reads as written but cannot mention anyone, link, show an
 * image, colour itself, or pass for the bot's own headings and 督办 lines.
 *
 * The dialects (WeCom developer docs: app message/send markdown, group robot webhook markdown,
 * smart bot markdown_v2):
 * - app: `# ` headings, `**bold**`, `[link](url)`, `` `code` ``, `> ` quotes, `<font color>`.
 * - robot: the same, and `<@userid>` mentions.
 * - bot (markdown_v2): headings, bold and `*italic*`/`_italic_`, `- `/`1. ` lists, quotes, links,
 *   `![image](url)`, `---` rules, code spans and blocks (also by indenting), `| tables |`; HTML tags.
 *
 * How: each character that opens a construct becomes its full-width form (`<` → `＜`, `*` → `＊`,
 * `#` → `＃` ...), and indentation becomes no-break spaces. These are the characters' Unicode
 * compatibility equivalents (NFKC folds each back to the original), so a reader sees the same
 * characters, in a Chinese message no wider than the punctuation around them, and nothing is
 * dropped. No WeCom dialect takes them as syntax. Backslash escapes are not used: WeCom's first
 * dialect does not document them and would show the backslashes; zero-width breaks are not used
 * because clients differ in whether they render or strip them.
 *
 * Line starts (lists, headings, rules, setext underlines) are neutralised in every dialect,
 * although only markdown_v2 documents lists: it costs a reader nothing, and WeCom's clients have
 * rendered more than the documented subset. Bare URLs are left alone: they show where they lead,
 * as in any text message, which WeCom links as well.
 */

export type MarkdownDialect = 'app' | 'robot' | 'bot';
/** What a message's content is read as: one of the markdown dialects, or plain text (no markup at all). */
export type Markup = MarkdownDialect | 'text';

const FULL_WIDTH: Record<string, string> = {
  '<': '＜',
  '>': '＞',
  '[': '［',
  ']': '］',
  '*': '＊',
  '`': '｀',
  '\\': '＼',
  '&': '＆',
  '#': '＃',
  '-': '－',
  '+': '＋',
  '=': '＝',
  '.': '．',
  ')': '）',
  '_': '＿',
  '~': '～',
  '|': '｜',
};
const wide = (c: string): string => FULL_WIDTH[c] ?? c;

/** Anywhere in a line, in every dialect: tags, mentions, quotes, links and images, emphasis, code, escapes, entities. */
const ANYWHERE = /[<>[\]*`\\&]/g;
/** markdown_v2 also has tables and strikethrough everywhere, and `_` emphasis where it is not inside a word. */
const ANYWHERE_V2 = /[|~]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;
/** At the start of a line: indentation, then a heading, list, rule or setext underline marker, or an ordered list's number ("1. ", not "5.2"). */
const LINE_START = /^([ \t]*)(?:([#+\-=])|(\d{1,9})([.)])(?=[ \t]|$))/gm;

export function inertText(text: string, markup: Markup): string {
  if (markup === 'text') return text;
  let out = text.replace(ANYWHERE, wide);
  if (markup === 'bot') out = out.replace(ANYWHERE_V2, wide);
  out = out.replace(LINE_START, (_m, indent: string, marker: string | undefined, digits: string | undefined, close: string | undefined) => {
    const space = indent.replace(/[ \t]/g, '\u00a0');
    return marker ? `${space}${wide(marker)}` : `${space}${digits}${wide(close!)}`;
  });
  // Indentation alone opens a code block in markdown_v2 and nests lists: keep the spaces, not their meaning.
  return out.replace(/^[ \t]+/gm, (indent) => indent.replace(/[ \t]/g, '\u00a0'));
}

/** How WeCom reads a message of this type sent to this kind of destination. */
export function markupOf(destinationKind: string, messageType: 'markdown'): MarkdownDialect;
export function markupOf(destinationKind: string, messageType: 'markdown' | 'text' | 'card'): Markup;
export function markupOf(destinationKind: string, messageType: 'markdown' | 'text' | 'card'): Markup {
  // The smart bot answers in markdown_v2 only: its text messages are read as markdown too.
  if (destinationKind === 'bot_chat' || destinationKind === 'bot_response') return 'bot';
  if (messageType !== 'markdown') return 'text';
  return destinationKind === 'webhook' ? 'robot' : 'app';
}

import { LEXICON, type LexiconRule, type LexiconTarget } from './routing.lexicon';
import type { Span } from './text.util';

export interface LexiconHit {
  /** The words as they stand in the report. */
  term: string;
  target: LexiconTarget;
  /** After any discount for negation. */
  weight: number;
  negated: boolean;
  circumstance: boolean;
}

/** "没有漏雨" still says a little about the report's subject, so a negated word keeps a tenth. */
const NEGATED_FACTOR = 0.1;

/** A negation right in front of a symptom word: 没有漏雨, 未发现明显裂缝, 不是危房. */
const PRE_NEGATION = /(没有|没|无|不|未|并未|并没有|并没|不存在)(发现|看到|出现|存在|有|是|算)?(明显|大的|什么|任何)?的?$/;

/** A verdict right after any word: 水质正常, 参保没问题, 已经修好. */
const POST_NEGATION = /^(都|也|还|倒)?(正常|达标|合格|良好|挺好|还行|不错|没问题|没有问题|没啥问题|没什么问题|无问题|已解决|解决了|已整改|已经整改|修好了|已修好|已经修好)/;

interface Matcher {
  pattern: string | RegExp;
  /** A word's first character, kept so that checking it allocates nothing. */
  first: string | null;
  rules: LexiconRule[];
}

/**
 * Phrases (regular expressions) first, as they are written to catch a longer thought; then words
 * longest first, so that a character belongs to the most specific word that contains it.
 */
function compile(rules: readonly LexiconRule[]): Matcher[] {
  const phrases: Matcher[] = [];
  const byWord = new Map<string, LexiconRule[]>();
  for (const rule of rules) {
    if (typeof rule.pattern === 'string') {
      const list = byWord.get(rule.pattern) ?? [];
      list.push(rule);
      byWord.set(rule.pattern, list);
    } else {
      phrases.push({ pattern: new RegExp(rule.pattern.source, `${rule.pattern.flags.replace('g', '')}g`), first: null, rules: [rule] });
    }
  }
  const words = [...byWord.entries()].map(([pattern, list]) => ({ pattern, first: [...pattern][0]!, rules: list }));
  words.sort((a, b) => (b.pattern as string).length - (a.pattern as string).length);
  return [...phrases, ...words];
}

const MATCHERS = compile(LEXICON);
/** Each first character's words, as positions in MATCHERS; phrases are always tried. */
const BY_FIRST = new Map<string, number[]>();
const PHRASES: number[] = [];
MATCHERS.forEach((m, i) => {
  if (m.first === null) PHRASES.push(i);
  else BY_FIRST.set(m.first, [...(BY_FIRST.get(m.first) ?? []), i]);
});

/** The matchers that can match `text`, in MATCHERS' order. */
function candidatesFor(text: string): number[] {
  const list = [...PHRASES];
  const seen = new Set<string>();
  for (const c of text) {
    if (seen.has(c)) continue;
    seen.add(c);
    const words = BY_FIRST.get(c);
    if (words) for (const i of words) list.push(i);
  }
  return list.sort((a, b) => a - b);
}

function find(text: string, pattern: string | RegExp, found: (start: number, end: number) => void): void {
  if (typeof pattern === 'string') {
    for (let at = text.indexOf(pattern); at >= 0; at = text.indexOf(pattern, at + pattern.length)) found(at, at + pattern.length);
    return;
  }
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m[0] === '') {
      pattern.lastIndex++;
      continue;
    }
    found(m.index, m.index + m[0].length);
  }
}

/**
 * The lexicon's words in a normalised report. `masked` spans (village names, the town, an explicit
 * `#8`) are not read. A word counts once per target however often it is repeated.
 */
export function scoreLexicon(text: string, masked: readonly Span[] = []): LexiconHit[] {
  const used = new Uint8Array(text.length);
  for (const span of masked) used.fill(1, span.start, span.end);
  const hits = new Map<string, LexiconHit>();

  // Only words that start with a character the report has can match; most of the lexicon cannot.
  for (const at of candidatesFor(text)) {
    const matcher = MATCHERS[at]!;
    find(text, matcher.pattern, (start, end) => {
      for (let i = start; i < end; i++) if (used[i] === 1) return;
      used.fill(1, start, end);
      const term = text.slice(start, end);
      const verdict = POST_NEGATION.test(text.slice(end, end + 8));
      const denied = PRE_NEGATION.test(text.slice(Math.max(0, start - 8), start));
      for (const rule of matcher.rules) {
        if (rule.target === null) continue;
        const negated = verdict || (rule.symptom && denied);
        const weight = negated ? rule.weight * NEGATED_FACTOR : rule.weight;
        const key = `${term}|${rule.target}`;
        const seen = hits.get(key);
        if (!seen || seen.weight < weight) {
          hits.set(key, { term, target: rule.target, weight, negated, circumstance: rule.circumstance });
        }
      }
    });
  }
  return [...hits.values()];
}

import { LEXICON, type LexiconRule, type LexiconTarget } from './routing.lexicon';
import { occurrences, type Span } from './text.util';

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
      phrases.push({ pattern: new RegExp(rule.pattern.source, `${rule.pattern.flags.replace('g', '')}g`), rules: [rule] });
    }
  }
  const words = [...byWord.entries()].map(([pattern, list]) => ({ pattern, rules: list }));
  words.sort((a, b) => (b.pattern as string).length - (a.pattern as string).length);
  return [...phrases, ...words];
}

const MATCHERS = compile(LEXICON);

function find(text: string, pattern: string | RegExp): Span[] {
  if (typeof pattern === 'string') return occurrences(text, pattern);
  const spans: Span[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m[0] === '') {
      pattern.lastIndex++;
      continue;
    }
    spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return spans;
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
  const chars = new Set(text);
  for (const matcher of MATCHERS) {
    if (typeof matcher.pattern === 'string' && !chars.has(matcher.pattern[0]!)) continue;
    for (const span of find(text, matcher.pattern)) {
      if (used.subarray(span.start, span.end).some((u) => u === 1)) continue;
      used.fill(1, span.start, span.end);
      const term = text.slice(span.start, span.end);
      const before = text.slice(Math.max(0, span.start - 8), span.start);
      const after = text.slice(span.end, span.end + 8);
      const verdict = POST_NEGATION.test(after);
      const denied = PRE_NEGATION.test(before);
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
    }
  }
  return [...hits.values()];
}

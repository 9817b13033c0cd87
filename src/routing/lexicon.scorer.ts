import { LEXICON, type LexiconRule, type LexiconTarget } from './routing.lexicon';
import { codePointsInto, type Span } from './text.util';

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
/** Each first character's words (by code point), as positions in MATCHERS; phrases are always tried. */
const BY_FIRST = new Map<number, number[]>();
const PHRASES: number[] = [];
MATCHERS.forEach((m, i) => {
  if (m.first === null) PHRASES.push(i);
  else BY_FIRST.set(m.first.codePointAt(0)!, [...(BY_FIRST.get(m.first.codePointAt(0)!) ?? []), i]);
});

/**
 * Buffers reused from report to report: the scorer runs for every report and every piece of one,
 * and what it allocated was most of what routing left for the garbage collector.
 */
const tried = new Int32Array(MATCHERS.length);
let call = 0;
let candidates = new Int32Array(MATCHERS.length);
let codePoints = new Int32Array(256);
let used = new Uint8Array(256);

/** The matchers that can match `text`, in MATCHERS' order, into `candidates`; returns how many. */
function candidatesFor(text: string): number {
  if (++call === 0x7fffffff) {
    tried.fill(0);
    call = 1;
  }
  let count = 0;
  for (const i of PHRASES) candidates[count++] = i;
  const length = codePointsInto(text, codePoints);
  for (let c = 0; c < length; c++) {
    const words = BY_FIRST.get(codePoints[c]!);
    if (!words || tried[words[0]!] === call) continue;
    for (const i of words) {
      tried[i] = call;
      candidates[count++] = i;
    }
  }
  candidates.subarray(0, count).sort();
  return count;
}

/**
 * The lexicon's words in a normalised report. `masked` spans (village names, the town, an explicit
 * `#8`) are not read. A word counts once per target however often it is repeated.
 */
export function scoreLexicon(text: string, masked: readonly Span[] = []): LexiconHit[] {
  if (used.length < text.length) {
    used = new Uint8Array(2 * text.length);
    codePoints = new Int32Array(2 * text.length);
  }
  used.fill(0, 0, text.length);
  for (const span of masked) used.fill(1, span.start, span.end);
  const hits: LexiconHit[] = [];

  // Only words that start with a character the report has can match; most of the lexicon cannot.
  const count = candidatesFor(text);
  for (let k = 0; k < count; k++) {
    const matcher = MATCHERS[candidates[k]!]!;
    const pattern = matcher.pattern;
    if (typeof pattern === 'string') {
      for (let at = text.indexOf(pattern); at >= 0; at = text.indexOf(pattern, at + pattern.length)) hit(text, matcher, at, at + pattern.length, hits);
      continue;
    }
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      if (m[0] === '') pattern.lastIndex++;
      else hit(text, matcher, m.index, m.index + m[0].length, hits);
    }
  }
  return hits;
}

/** A match of `matcher` at [start, end), unless a word before it took any of its characters. */
function hit(text: string, matcher: Matcher, start: number, end: number, hits: LexiconHit[]): void {
  for (let i = start; i < end; i++) if (used[i] === 1) return;
  used.fill(1, start, end);
  const term = text.slice(start, end);
  const verdict = POST_NEGATION.test(text.slice(end, end + 8));
  const denied = PRE_NEGATION.test(text.slice(Math.max(0, start - 8), start));
  for (const rule of matcher.rules) {
    if (rule.target === null) continue;
    const negated = verdict || (rule.symptom && denied);
    const weight = negated ? rule.weight * NEGATED_FACTOR : rule.weight;
    const seen = hits.findIndex((h) => h.term === term && h.target === rule.target);
    const found: LexiconHit = { term, target: rule.target, weight, negated, circumstance: rule.circumstance };
    if (seen < 0) hits.push(found);
    else if (hits[seen]!.weight < weight) hits[seen] = found;
  }
}

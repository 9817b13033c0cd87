import { codePointsInto } from './text.util';

/** What a correction needs for matching; the router's LearnedCorrection has more. */
export interface Comparable {
  text: string;
  at?: Date;
}

export interface LearnedMatch<C extends Comparable> {
  correction: C;
  similarity: number;
}

/** Corrections' keys kept between reports; the corrections are read afresh for each one. */
const MAX_CACHED_TEXTS = 20_000;
/** Above every code point: a bigram's value is `first * BASE + second`, exact in a double. */
const BASE = 0x110000;

interface Index {
  /** The corrections' texts in order: they identify the list it was built from. */
  texts: string[];
  /** Each character of the corrections' keys as a small number (1…). */
  letters: Map<number, number>;
  /** Bigram id (see `gramId`) → the positions of the corrections that have it. */
  postings: Map<number, Int32Array>;
  sizes: Int32Array;
  /** Counts of shared bigrams, one per correction, and the corrections counted: reused. */
  shared: Int32Array;
  touched: Int32Array;
}

/**
 * A key's distinct character bigrams as numbers (`first * BASE + second`), sorted, into `out`
 * from 0; a one-character key is its own single gram so it can still be compared. Returns how
 * many. By code point, as a key may hold a character outside the BMP.
 */
function gramsInto(key: string, letters: Int32Array, out: Float64Array): number {
  const characters = codePointsInto(key, letters);
  let count = 0;
  for (let i = 1; i < characters; i++) out[count++] = letters[i - 1]! * BASE + letters[i]!;
  if (characters === 1) out[count++] = letters[0]!;
  const sorted = out.subarray(0, count).sort();
  let distinct = 0;
  for (let i = 0; i < count; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out[distinct++] = sorted[i]!;
  return distinct;
}

/** A gram as a small integer over `letters`, or -1 when a character of it is in no correction. */
function gramId(gram: number, letters: ReadonlyMap<number, number>): number {
  const width = letters.size + 1;
  if (gram < BASE) return letters.get(gram) ?? -1;
  const first = letters.get(Math.floor(gram / BASE));
  const second = letters.get(gram % BASE);
  return first === undefined || second === undefined ? -1 : (first + 1) * width + second;
}

const timeOf = (c: Comparable): number => c.at?.getTime() ?? 0;

/**
 * The stored correction most like the report, by character-bigram Jaccard over a similarity key
 * (the text without villages, names, digits and punctuation, which say nothing about the problem).
 * On equal similarity the most recent correction wins: it is the leaders' latest word.
 *
 * The corrections are indexed by bigram, so a report is compared only with those that share a
 * bigram with it; the index is rebuilt when the list of corrections changes. Matching a report
 * builds no string, set or array: bigrams are numbers in buffers reused from report to report.
 */
export function createLearnedMatcher<C extends Comparable>(keyOf: (text: string) => string) {
  const keys = new Map<string, string>();
  const cachedKey = (text: string): string => {
    let key = keys.get(text);
    if (key === undefined) {
      if (keys.size >= MAX_CACHED_TEXTS) keys.clear();
      key = keyOf(text);
      keys.set(text, key);
    }
    return key;
  };
  let grams = new Float64Array(256);
  let codePoints = new Int32Array(256);
  const gramsOf = (key: string): number => {
    if (grams.length < key.length + 1) {
      grams = new Float64Array(2 * key.length + 2);
      codePoints = new Int32Array(2 * key.length + 2);
    }
    return gramsInto(key, codePoints, grams);
  };

  let index: Index | null = null;
  // Corrections are replaced by finding and kept in time order, so the same texts in the same
  // order are the same list: comparing them allocates nothing, unlike a signature string would.
  const sameTexts = (learned: readonly C[], texts: readonly string[]): boolean => {
    if (learned.length !== texts.length) return false;
    for (let i = 0; i < texts.length; i++) if (learned[i]!.text !== texts[i]) return false;
    return true;
  };
  const indexOf = (learned: readonly C[]): Index => {
    if (index && sameTexts(learned, index.texts)) return index;
    const letters = new Map<number, number>();
    const keysOf = learned.map((c) => cachedKey(c.text));
    for (const key of keysOf) for (const ch of key) if (!letters.has(ch.codePointAt(0)!)) letters.set(ch.codePointAt(0)!, letters.size + 1);
    const lists = new Map<number, number[]>();
    const sizes = new Int32Array(learned.length);
    keysOf.forEach((key, i) => {
      const count = gramsOf(key);
      sizes[i] = count;
      for (let g = 0; g < count; g++) {
        const id = gramId(grams[g]!, letters);
        const list = lists.get(id);
        if (list) list.push(i);
        else lists.set(id, [i]);
      }
    });
    const postings = new Map([...lists].map(([id, list]) => [id, Int32Array.from(list)]));
    index = { texts: learned.map((c) => c.text), letters, postings, sizes, shared: new Int32Array(learned.length), touched: new Int32Array(learned.length) };
    return index;
  };

  return {
    /** `key` is the report's similarity key, as `keyOf` makes one of a correction's text. */
    best(key: string, learned: readonly C[]): LearnedMatch<C> | null {
      if (learned.length === 0) return null;
      // The index first: building it reuses the gram buffer.
      const { letters, postings, sizes, shared, touched } = indexOf(learned);
      const own = gramsOf(key);
      if (own === 0) return null;
      // Only the corrections that share a bigram are looked at (and their counts reset after).
      let reached = 0;
      for (let g = 0; g < own; g++) {
        const list = postings.get(gramId(grams[g]!, letters));
        if (!list) continue;
        for (let j = 0; j < list.length; j++) if (shared[list[j]!]!++ === 0) touched[reached++] = list[j]!;
      }
      let best = -1;
      let bestSimilarity = 0;
      for (let t = 0; t < reached; t++) {
        const i = touched[t]!;
        const similarity = shared[i]! / (own + sizes[i]! - shared[i]!);
        shared[i] = 0;
        // Equal times go to the later in the list, as the list is kept in time order.
        const newer = best >= 0 && (timeOf(learned[i]!) > timeOf(learned[best]!) || (timeOf(learned[i]!) === timeOf(learned[best]!) && i > best));
        if (best < 0 || similarity > bestSimilarity || (similarity === bestSimilarity && newer)) {
          best = i;
          bestSimilarity = similarity;
        }
      }
      return best < 0 ? null : { correction: learned[best]!, similarity: bestSimilarity };
    },
  };
}

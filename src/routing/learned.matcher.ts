import { bigrams } from './text.util';

/** What a correction needs for matching; the router's LearnedCorrection has more. */
export interface Comparable {
  text: string;
  at?: Date;
}

export interface LearnedMatch<C extends Comparable> {
  correction: C;
  similarity: number;
}

/** Texts whose bigrams are kept between reports; the corrections are read afresh for each one. */
const MAX_CACHED_TEXTS = 20_000;

interface Index {
  /** The corrections' texts in order: they identify the list it was built from. */
  texts: string[];
  /** Bigram → the positions of the corrections that have it. */
  postings: Map<string, number[]>;
  sizes: Int32Array;
  /** Counts of shared bigrams, one per correction, reused from report to report. */
  shared: Int32Array;
}

/**
 * The stored correction most like the report, by character-bigram Jaccard over a similarity key
 * (the text without villages, names, digits and punctuation, which say nothing about the problem).
 * On equal similarity the most recent correction wins: it is the leaders' latest word.
 *
 * The corrections are indexed by bigram, so a report is compared only with those that share a
 * bigram with it; the index is rebuilt when the list of corrections changes.
 */
export function createLearnedMatcher<C extends Comparable>(keyOf: (text: string) => string) {
  const grams = new Map<string, Set<string>>();
  const gramsOf = (text: string): Set<string> => {
    let g = grams.get(text);
    if (!g) {
      if (grams.size >= MAX_CACHED_TEXTS) grams.clear();
      g = bigrams(keyOf(text));
      grams.set(text, g);
    }
    return g;
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
    const postings = new Map<string, number[]>();
    const sizes = new Int32Array(learned.length);
    learned.forEach((c, i) => {
      const g = gramsOf(c.text);
      sizes[i] = g.size;
      for (const gram of g) {
        const list = postings.get(gram);
        if (list) list.push(i);
        else postings.set(gram, [i]);
      }
    });
    index = { texts: learned.map((c) => c.text), postings, sizes, shared: new Int32Array(learned.length) };
    return index;
  };

  return {
    best(text: string, learned: readonly C[]): LearnedMatch<C> | null {
      if (learned.length === 0) return null;
      const own = gramsOf(text);
      if (own.size === 0) return null;
      const { postings, sizes, shared } = indexOf(learned);
      // Only the corrections that share a bigram are looked at (and their counts reset after).
      const touched: number[] = [];
      for (const gram of own) {
        const list = postings.get(gram);
        if (!list) continue;
        for (const i of list) if (shared[i]!++ === 0) touched.push(i);
      }
      let best: LearnedMatch<C> | null = null;
      let bestAt = -1;
      for (const i of touched) {
        const correction = learned[i]!;
        const similarity = shared[i]! / (own.size + sizes[i]! - shared[i]!);
        shared[i] = 0;
        // Equal times go to the later in the list, as the list is kept in time order.
        const time = (c: C) => c.at?.getTime() ?? 0;
        const newer = best !== null && (time(correction) > time(best.correction) || (time(correction) === time(best.correction) && i > bestAt));
        if (!best || similarity > best.similarity || (similarity === best.similarity && newer)) {
          best = { correction, similarity };
          bestAt = i;
        }
      }
      return best;
    },
  };
}

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
  signature: string;
  /** Bigram → the positions of the corrections that have it. */
  postings: Map<string, number[]>;
  sizes: Int32Array;
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
  const indexOf = (learned: readonly C[]): Index => {
    // The texts in order identify the list: corrections are replaced by finding and kept in time order.
    const signature = `${learned.length}\u0000${learned.map((c) => c.text).join('\u0000')}`;
    if (index?.signature === signature) return index;
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
    index = { signature, postings, sizes };
    return index;
  };

  return {
    best(text: string, learned: readonly C[]): LearnedMatch<C> | null {
      if (learned.length === 0) return null;
      const own = gramsOf(text);
      if (own.size === 0) return null;
      const { postings, sizes } = indexOf(learned);
      const shared = new Int32Array(learned.length);
      for (const gram of own) for (const i of postings.get(gram) ?? []) shared[i]!++;
      let best: LearnedMatch<C> | null = null;
      for (let i = 0; i < learned.length; i++) {
        if (shared[i] === 0) continue;
        const correction = learned[i]!;
        const similarity = shared[i]! / (own.size + sizes[i]! - shared[i]!);
        const newer = best !== null && (correction.at?.getTime() ?? 0) >= (best.correction.at?.getTime() ?? 0);
        if (!best || similarity > best.similarity || (similarity === best.similarity && newer)) best = { correction, similarity };
      }
      return best;
    },
  };
}

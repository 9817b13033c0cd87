import { bigrams, jaccard } from './text.util';

/** What a correction needs for matching; the router's LearnedCorrection has more. */
export interface Comparable {
  text: string;
  at?: Date;
}

export interface LearnedMatch<C extends Comparable> {
  correction: C;
  similarity: number;
}

/**
 * The stored correction most like the report, by character-bigram Jaccard over a similarity key
 * (the text without villages, names, digits and punctuation, which say nothing about the problem).
 * On equal similarity the most recent correction wins: it is the leaders' latest word.
 */
export function createLearnedMatcher<C extends Comparable>(keyOf: (text: string) => string) {
  const grams = new WeakMap<C, Set<string>>();
  const gramsOf = (c: C): Set<string> => {
    let g = grams.get(c);
    if (!g) {
      g = bigrams(keyOf(c.text));
      grams.set(c, g);
    }
    return g;
  };

  return {
    best(text: string, learned: readonly C[]): LearnedMatch<C> | null {
      const own = bigrams(keyOf(text));
      let best: LearnedMatch<C> | null = null;
      for (const correction of learned) {
        const similarity = jaccard(own, gramsOf(correction));
        if (similarity === 0) continue;
        const newer = best !== null && (correction.at?.getTime() ?? 0) >= (best.correction.at?.getTime() ?? 0);
        if (!best || similarity > best.similarity || (similarity === best.similarity && newer)) best = { correction, similarity };
      }
      return best;
    },
  };
}

/**
 * The key problem (item) as a trained model reads it: a multinomial logistic regression over the
 * report's characters, bigrams and trigrams and the lexicon's evidence for each item and task. The
 * lexicon knows the policy words; the model learned from labelled reports how cadres put things
 * the lexicon has no word for ("一年用不了几天，基本是摆设"), and how much each lexicon word can be
 * trusted. Trained offline by `npm run train:routing` (src/routing/item-model.train.ts) into
 * item-model.data.ts; nothing is downloaded or trained at run time.
 */

export interface ItemModel {
  /** Item codes, the model's classes, in output order. */
  items: string[];
  bias: number[];
  /** One line per feature: `feature<TAB>class:weight,class:weight…` (weights near 0 left out). */
  weights: string;
  /**
   * Below this probability of its unit the route is offered but confirmed first: chosen on the
   * training reports (cross-validated) so that routes above it were right at least 98% of the time.
   */
  confirmBelow: number;
}

export interface LexiconEvidence {
  items: ReadonlyMap<string, number>;
  tasks: ReadonlyMap<number, number>;
}

/**
 * The model's inputs. `key` is the report's own words about the problem: Han characters and
 * Latin letters only, villages, names (王某某) and explicit choices taken out.
 */
export function featuresOf(key: string, evidence: LexiconEvidence): Map<string, number> {
  const features = new Map<string, number>();
  const chars = [...key];
  // Single characters carry typed-wrong words (底保, 医宝) and words split by a particle (没给交).
  for (const c of chars) features.set(`u${c}`, 1);
  for (let i = 0; i + 1 < chars.length; i++) {
    features.set(`b${chars[i]}${chars[i + 1]}`, 1);
    if (i + 2 < chars.length) features.set(`t${chars[i]}${chars[i + 1]}${chars[i + 2]}`, 1);
  }
  // Evidence grows by addition; its logarithm keeps one strong word from drowning the rest.
  for (const [item, weight] of evidence.items) if (weight > 0) features.set(`i${item}`, Math.log1p(weight));
  for (const [task, weight] of evidence.tasks) if (weight > 0) features.set(`k${task}`, Math.log1p(weight));
  return features;
}

export interface ItemClassifier {
  readonly items: readonly string[];
  readonly confirmBelow: number;
  /** A probability for each of `items`, in that order. */
  probabilities(features: ReadonlyMap<string, number>): Float64Array;
}

export function createItemClassifier(model: ItemModel): ItemClassifier {
  const weights = new Map<string, Array<[number, number]>>();
  for (const line of model.weights.split('\n')) {
    if (line === '') continue;
    const [feature, list] = line.split('\t');
    weights.set(
      feature!,
      list!.split(',').map((pair) => {
        const [cls, w] = pair.split(':');
        return [Number(cls), Number(w)];
      }),
    );
  }
  const n = model.items.length;
  return {
    items: model.items,
    confirmBelow: model.confirmBelow,
    probabilities(features) {
      const z = Float64Array.from(model.bias);
      for (const [feature, value] of features) {
        const row = weights.get(feature);
        if (row) for (const [cls, w] of row) z[cls]! += w * value;
      }
      return softmax(z, n);
    },
  };
}

export function softmax(z: Float64Array, n = z.length): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, z[i]!);
  let sum = 0;
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    p[i] = Math.exp(z[i]! - max);
    sum += p[i]!;
  }
  for (let i = 0; i < n; i++) p[i]! /= sum;
  return p;
}

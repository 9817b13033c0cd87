/**
 * The key problem (item) as a trained model reads it: a multinomial logistic regression over the
 * report's characters, bigrams and trigrams and the lexicon's evidence for each item and task. The
 * lexicon knows the policy words; the model learned from labelled reports how cadres put things
 * the lexicon has no word for ("一年用不了几天，基本是摆设"), and how much each lexicon word can be
 * trusted. Trained offline by `npm run train:routing` (src/routing/training/train-routing.ts) into
 * item-model.data.ts; nothing is downloaded or trained at run time.
 */
import { codePointsInto } from './text.util';

/** The model's class for a message that names no problem ("贫困户王某某家有问题", "收到"). */
export const NO_PROBLEM = '无';

/** The task of a model class: the item code's task number, 0 for `NO_PROBLEM`. */
export const taskOfClass = (code: string): number => (code === NO_PROBLEM ? 0 : Number(code.split('.')[0]));

export interface ItemModel {
  /** Item codes and `NO_PROBLEM`, the item head's classes, in output order. */
  items: string[];
  /**
   * The task head's classes: task numbers, 0 for `NO_PROBLEM`. The same features also score the
   * task directly; a report whose wording is spread over several items of one task is surer of its
   * task than any one item says, and the task is what decides the departments.
   */
  tasks: number[];
  /** One per class of the item head, then one per class of the task head. */
  bias: number[];
  /**
   * One line per feature: `feature<TAB>class:weight,class:weight…` (weights near 0 left out);
   * classes number the item head's from 0, then the task head's.
   */
  weights: string;
  /**
   * How much of each task's probability the task head gives (the rest is the sum of its items'),
   * shared among the task's items as the item head divides it.
   */
  taskWeight: number;
  /**
   * Below this probability of its unit the route is offered but confirmed first: chosen on the
   * training reports (cross-validated) so that routes above it were right at least 98% of the time.
   */
  confirmBelow: number;
  /**
   * A report with no lexicon word is offered (and confirmed) when the model gives its unit at least
   * this much; below it the bot asks what the problem is. Chosen on the training reports
   * (cross-validated) so that such offers were right at least 98% of the time.
   */
  offerWithoutWords: number;
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
  readonly offerWithoutWords: number;
  /**
   * A probability for each of `items`, in that order, from features as `featuresOf` names them:
   * the item head's, with each task's share blended with the task head's.
   */
  probabilities(features: ReadonlyMap<string, number>): Float64Array;
  /**
   * The same probabilities, read straight from the key and the evidence without naming a feature:
   * what the router calls for every report. The array is reused by the next call.
   */
  read(key: string, evidence: LexiconEvidence): Float64Array;
}

/**
 * Characters as small numbers (1…), 0 for a character the model has no feature with; an n-gram
 * is then three of them, (0, 0, a) for a character, (a, b, 0) for a bigram, (a, b, c) for a
 * trigram, found in an open-addressing table of typed arrays. Reading a report so builds no
 * string and no map: the router routes every report, and garbage is what its slowest calls wait on.
 */
class NgramTable {
  private readonly bmp = new Uint16Array(0x10000);
  private readonly astral = new Map<number, number>();
  private letters = 0;
  private keys: Int32Array;
  private rows: Int32Array;
  private mask: number;

  constructor(size: number) {
    let capacity = 16;
    while (capacity < size * 2) capacity *= 2;
    this.keys = new Int32Array(capacity * 3);
    this.rows = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  /** The character's number, 0 when no feature has it. */
  letter(cp: number): number {
    return cp <= 0xffff ? this.bmp[cp]! : (this.astral.get(cp) ?? 0);
  }

  private define(cp: number): number {
    const known = this.letter(cp);
    if (known) return known;
    const n = ++this.letters;
    if (n > 0xffff) throw new Error('item model: more characters than the table holds');
    if (cp <= 0xffff) this.bmp[cp] = n;
    else this.astral.set(cp, n);
    return n;
  }

  private slot(a: number, b: number, c: number): number {
    let at = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d)) & this.mask;
    while (this.rows[at]! >= 0 && (this.keys[at * 3] !== a || this.keys[at * 3 + 1] !== b || this.keys[at * 3 + 2] !== c)) at = (at + 1) & this.mask;
    return at;
  }

  /** Files the n-gram (its characters as a string) under `row`. */
  add(chars: string, row: number): void {
    const letters = [...chars].map((ch) => this.define(ch.codePointAt(0)!));
    const [x = 0, y = 0, z = 0] = letters.length === 1 ? [0, 0, letters[0]] : letters;
    const at = this.slot(x, y, z);
    this.keys[at * 3] = x;
    this.keys[at * 3 + 1] = y;
    this.keys[at * 3 + 2] = z;
    this.rows[at] = row;
  }

  /** The row of an n-gram given by its characters' numbers, -1 when the model has none. */
  row(a: number, b: number, c: number): number {
    return this.rows[this.slot(a, b, c)]!;
  }
}

export function createItemClassifier(model: ItemModel): ItemClassifier {
  const n = model.items.length;
  const outputs = n + model.tasks.length;
  const combine = blendWithTasks(model);
  // The weights as rows of (class, weight) pairs in flat arrays, one row per feature.
  const lines = model.weights.split('\n').filter((line) => line !== '');
  const rowOf = new Map<string, number>();
  const start = new Int32Array(lines.length + 1);
  const classes: number[] = [];
  const weights: number[] = [];
  const ngrams = new NgramTable(lines.length);
  const itemRow = new Map<string, number>();
  const taskRow = new Int32Array(10).fill(-1);
  // Read by hand: the model has tens of thousands of rows and every process that routes loads it.
  lines.forEach((line, row) => {
    const tab = line.indexOf('\t');
    const feature = line.slice(0, tab);
    rowOf.set(feature, row);
    for (let at = tab + 1; at < line.length; ) {
      const colon = line.indexOf(':', at);
      const comma = line.indexOf(',', colon);
      const end = comma < 0 ? line.length : comma;
      classes.push(Number(line.slice(at, colon)));
      weights.push(Number(line.slice(colon + 1, end)));
      at = end + 1;
    }
    start[row + 1] = classes.length;
    const kind = feature[0];
    const rest = feature.slice(1);
    if (kind === 'u' || kind === 'b' || kind === 't') ngrams.add(rest, row);
    else if (kind === 'i') itemRow.set(rest, row);
    else if (kind === 'k' && Number(rest) >= 0 && Number(rest) < taskRow.length) taskRow[Number(rest)] = row;
  });
  const classOf = Uint8Array.from(classes);
  const weightOf = Float64Array.from(weights);

  const z = new Float64Array(outputs);
  const p = new Float64Array(n);
  // A feature counts once however often it occurs: rows are stamped with the call they were used in.
  const usedIn = new Int32Array(lines.length);
  let call = 0;
  let letters = new Int32Array(256);

  const addRow = (row: number, value: number): void => {
    if (row < 0 || usedIn[row] === call) return;
    usedIn[row] = call;
    for (let j = start[row]!; j < start[row + 1]!; j++) z[classOf[j]!]! += weightOf[j]! * value;
  };

  return {
    items: model.items,
    confirmBelow: model.confirmBelow,
    offerWithoutWords: model.offerWithoutWords,
    probabilities(features) {
      z.set(model.bias);
      for (const [feature, value] of features) {
        const row = rowOf.get(feature);
        if (row !== undefined) for (let j = start[row]!; j < start[row + 1]!; j++) z[classOf[j]!]! += weightOf[j]! * value;
      }
      return combine(z, new Float64Array(n));
    },
    read(key, evidence) {
      if (++call === 0x7fffffff) {
        usedIn.fill(0);
        call = 1;
      }
      if (letters.length < key.length) letters = new Int32Array(key.length * 2);
      // By code point, as `featuresOf` splits the key.
      const len = codePointsInto(key, letters);
      for (let i = 0; i < len; i++) letters[i] = ngrams.letter(letters[i]!);
      // In `featuresOf`'s order, so that the sums are the same to the last bit.
      z.set(model.bias);
      for (let i = 0; i < len; i++) if (letters[i] !== 0) addRow(ngrams.row(0, 0, letters[i]!), 1);
      for (let i = 0; i + 1 < len; i++) {
        const a = letters[i]!;
        const b = letters[i + 1]!;
        if (a === 0 || b === 0) continue;
        addRow(ngrams.row(a, b, 0), 1);
        if (i + 2 < len && letters[i + 2] !== 0) addRow(ngrams.row(a, b, letters[i + 2]!), 1);
      }
      for (const [item, weight] of evidence.items) if (weight > 0) addRow(itemRow.get(item) ?? -1, Math.log1p(weight));
      for (const [task, weight] of evidence.tasks) if (weight > 0 && task >= 0 && task < taskRow.length) addRow(taskRow[task]!, Math.log1p(weight));
      return combine(z, p);
    },
  };
}

/**
 * From the scores of both heads (items, then tasks) to the items' probabilities: each task's
 * share is `1 - taskWeight` of its items' sum and `taskWeight` of the task head's, divided among
 * its items as the item head divides it. Writes into `p`; the scores are used as scratch space.
 */
export function blendWithTasks(model: Pick<ItemModel, 'items' | 'tasks' | 'taskWeight'>): (z: Float64Array, p: Float64Array) => Float64Array {
  const n = model.items.length;
  const m = model.tasks.length;
  const headOf = Int32Array.from(model.items, (code) => model.tasks.indexOf(taskOfClass(code)));
  if (m > 0 && headOf.some((t) => t < 0)) throw new Error('item model: an item whose task the task head does not have');
  const w = m === 0 ? 0 : model.taskWeight;
  const q = new Float64Array(m);
  const share = new Float64Array(m);
  return (z, p) => {
    softmax(z, n, p);
    if (w === 0) return p;
    softmax(z.subarray(n, n + m), m, q);
    share.fill(0);
    for (let i = 0; i < n; i++) share[headOf[i]!]! += p[i]!;
    for (let i = 0; i < n; i++) {
      const t = headOf[i]!;
      p[i] = p[i]! * (1 - w + (share[t]! > 0 ? (w * q[t]!) / share[t]! : 0));
    }
    return p;
  };
}

/** Into `p` when given (a buffer reused from call to call), else into a new array. */
export function softmax(z: Float64Array<ArrayBufferLike>, n = z.length, p: Float64Array<ArrayBufferLike> = new Float64Array(n)): Float64Array<ArrayBufferLike> {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, z[i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    p[i] = Math.exp(z[i]! - max);
    sum += p[i]!;
  }
  for (let i = 0; i < n; i++) p[i]! /= sum;
  return p;
}

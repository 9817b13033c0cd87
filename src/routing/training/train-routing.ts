// `npm run train:routing`: trains the item model the router ships with (src/routing/item-model.data.ts)
// from the training reports only: test/fixtures/corpus/train.tsv, the fixtures' reports already used
// to build the lexicon, messages that name no problem (no-problem.train.txt: "贫困户王某某家有问题",
// "收到") and the division table's own wording of each key problem. The held-out reports and
// messages (held-out.tsv, no-problem.held-out.txt, HELD_OUT_REPORTS) are never read here.
//
// Five-fold cross-validation on the training reports picks the confidence below which a route is
// confirmed first and the floor from which a report without a lexicon word is offered a route, and
// prints what the model does on reports it was not trained on.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allItems, isTaskNo, type TaskNo } from '../../../config/division-table';
import { loadOrgConfig } from '../../../config/org';
import { blendWithTasks, NO_PROBLEM, softmax, taskOfClass, type ItemModel } from '../item.classifier';
import { createRouter, GUESS_WITHOUT_WORDS } from '../router';
import { FIRST_HELD_OUT_REPORTS, ROUTING_REPORTS, SECOND_HELD_OUT_REPORTS } from '../../../test/fixtures/reports';
import { corpusLines, corpusText } from '../../../test/helpers/corpus';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const router = createRouter(loadOrgConfig(path.join(root, 'config/org.example.yaml')));

/** Hyperparameters, chosen by the cross-validation below (never by the held-out reports). */
const EPOCHS = Number(process.env.TRAIN_EPOCHS ?? 250);
const LEARNING_RATE = 0.05;
const L2 = Number(process.env.TRAIN_L2 ?? 3e-5);
const MIN_DOCS = Number(process.env.TRAIN_MIN_DOCS ?? 2);
/** Each report also seen without the lexicon's evidence (`TRAIN_AUGMENT=0` to leave that out). */
const AUGMENT = process.env.TRAIN_AUGMENT !== '0';
/**
 * Each report and message seen this many times more in every epoch with a random half of its
 * features left out (a fresh half each time), so that no one word carries a report: new wording
 * shares only part of a report's words with the reports learnt from. Messages that name no
 * problem are halved too, so that half a report is not taken for a problem merely for being short.
 */
const NOISE = Number(process.env.TRAIN_NOISE ?? 2);
const NOISE_KEEP = 0.5;
/** The task head's part in each task's probability (`ItemModel.taskWeight`). */
const TASK_WEIGHT = Number(process.env.TRAIN_TASK_WEIGHT ?? 0.5);
const PRECISION = 0.98;
/**
 * How often a guess offered for a report with no lexicon word must be right, and at most how many
 * of the messages that name no problem may be offered one. Either way the bot asks: without a
 * guess the reporter reads the eight tasks and types a number; with one, the likeliest key problem
 * is the first button ("请确认"). So the guess need not be as sure as a route sent without asking,
 * and a message that names no problem is shown a guess instead of the list, now and then.
 */
const OFFER_PRECISION = 0.9;
const OFFER_NO_PROBLEM = 0.05;
const BAND = 0.1;
const BAND_PRECISION = 0.9;
const KEEP_WEIGHT = 0.05;
/**
 * The range, in hundredths, in which the floor for offering a route without a lexicon word is
 * looked for: up to where the router routes such a report without asking.
 */
const OFFER_FLOOR = 30;
const OFFER_CEILING = Math.round(GUESS_WITHOUT_WORDS * 100);

interface Doc {
  item: string;
  text: string;
  /**
   * Reports and messages that name no problem are scored in the cross-validation; the table's
   * wording only teaches.
   */
  kind: 'report' | 'no problem' | 'policy';
}

function corpus(): Doc[] {
  const tsv = corpusLines('train.tsv').map(({ items: [item], text }): Doc => ({ item: item!, text, kind: 'report' }));
  const fixtures = [...ROUTING_REPORTS, ...FIRST_HELD_OUT_REPORTS, ...SECOND_HELD_OUT_REPORTS].map((c): Doc => ({ item: c.item, text: c.text, kind: 'report' }));
  const noProblem = corpusText('no-problem.train.txt').map((text): Doc => ({ item: NO_PROBLEM, text, kind: 'no problem' }));
  // The table's wording of each problem, whole and clause by clause.
  const policy = allItems().flatMap((ref) => {
    const clauses = ref.problem.text.split(/[，。；、,;]/).filter((c) => c.length >= 4);
    return [ref.problem.text, ...clauses].map((text): Doc => ({ item: ref.problem.code, text, kind: 'policy' }));
  });
  return [...tsv, ...fixtures, ...noProblem, ...policy];
}

const taskOf = (code: string): TaskNo => {
  const no = Number(code.split('.')[0]);
  if (!isTaskNo(no)) throw new Error(`not an item: ${code}`);
  return no;
};
const unitOf = (code: string): string =>
  code === NO_PROBLEM ? NO_PROBLEM : `${taskOf(code)}|${router.departmentsFor(taskOf(code), code, null).join('、')}`;

interface Encoded {
  /** The item head's class and the task head's. */
  y: number;
  t: number;
  features: Int32Array;
  values: Float64Array;
  /** Seen again, with half its features, in every epoch (`NOISE`). */
  noisy: boolean;
}

interface Trained {
  w: Float64Array;
  b: Float64Array;
}

/** A small seeded generator (mulberry32), so that training twice gives the same model. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Both heads' scores, items then tasks, for the features given by index and value. */
function scores(model: Trained, features: Int32Array, values: Float64Array, count: number): Float64Array {
  const z = Float64Array.from(model.b);
  const outputs = z.length;
  for (let k = 0; k < count; k++) {
    const base = features[k]! * outputs;
    const v = values[k]!;
    for (let c = 0; c < outputs; c++) z[c]! += model.w[base + c]! * v;
  }
  return z;
}

/** Multinomial logistic regression with two heads (items, tasks) on the same features, by Adam. */
function train(docs: Encoded[], features: number): Trained {
  const outputs = items.length + tasks.length;
  const model: Trained = { w: new Float64Array(features * outputs), b: new Float64Array(outputs) };
  const { w, b } = model;
  // Adam moments.
  const mw = new Float64Array(w.length);
  const vw = new Float64Array(w.length);
  const mb = new Float64Array(outputs);
  const vb = new Float64Array(outputs);
  const gw = new Float64Array(w.length);
  const gb = new Float64Array(outputs);
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const rnd = random(1);
  const noisy = docs.filter((d) => d.noisy);
  const seen = docs.length + NOISE * noisy.length;
  const kept = new Int32Array(Math.max(0, ...docs.map((d) => d.features.length)));
  const keptValues = new Float64Array(kept.length);
  const learn = (d: Encoded, features: Int32Array, values: Float64Array, count: number) => {
    const z = scores(model, features, values, count);
    softmax(z.subarray(0, items.length), items.length, z.subarray(0, items.length));
    softmax(z.subarray(items.length), tasks.length, z.subarray(items.length));
    z[d.y]! -= 1;
    z[items.length + d.t]! -= 1;
    for (let c = 0; c < outputs; c++) gb[c]! += z[c]! / seen;
    for (let k = 0; k < count; k++) {
      const base = features[k]! * outputs;
      const v = values[k]! / seen;
      for (let c = 0; c < outputs; c++) gw[base + c]! += z[c]! * v;
    }
  };
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    gw.fill(0);
    gb.fill(0);
    for (const d of docs) learn(d, d.features, d.values, d.features.length);
    for (let copy = 0; copy < NOISE; copy++) {
      for (const d of noisy) {
        let count = 0;
        for (let k = 0; k < d.features.length; k++) {
          if (rnd() >= NOISE_KEEP) continue;
          kept[count] = d.features[k]!;
          keptValues[count++] = d.values[k]!;
        }
        learn(d, kept, keptValues, count);
      }
    }
    for (let i = 0; i < w.length; i++) gw[i]! += L2 * w[i]!;
    const step = (theta: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array) => {
      for (let i = 0; i < theta.length; i++) {
        m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
        v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! * g[i]!;
        const mh = m[i]! / (1 - beta1 ** epoch);
        const vh = v[i]! / (1 - beta2 ** epoch);
        theta[i]! -= (LEARNING_RATE * mh) / (Math.sqrt(vh) + eps);
      }
    };
    step(w, gw, mw, vw);
    step(b, gb, mb, vb);
  }
  return model;
}

/** The items' probabilities, as the shipped classifier gives them. */
function predict(model: Trained, d: Encoded): Float64Array {
  return combine(scores(model, d.features, d.values, d.features.length), new Float64Array(items.length));
}

/**
 * The route as the router decides it: likeliest task, its likeliest item, the unit's probability
 * (what the model gives NO_PROBLEM counts for no unit), and whether the model reads the message as
 * naming no problem at all (NO_PROBLEM likelier than the unit), which the router does not route.
 */
function decide(p: Float64Array, items: string[]): { item: string; confidence: number; saysNothing: boolean } {
  const taskP = new Map<TaskNo, number>();
  items.forEach((code, i) => {
    if (code !== NO_PROBLEM) taskP.set(taskOf(code), (taskP.get(taskOf(code)) ?? 0) + p[i]!);
  });
  const task = [...taskP.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  let best = -1;
  items.forEach((code, i) => {
    if (code !== NO_PROBLEM && taskOf(code) === task && (best < 0 || p[i]! > p[best]!)) best = i;
  });
  const item = items[best]!;
  const confidence = items.reduce((sum, code, i) => (unitOf(code) === unitOf(item) ? sum + p[i]! : sum), 0);
  return { item, confidence, saysNothing: p[items.indexOf(NO_PROBLEM)]! > confidence };
}

const docs = corpus();
const items = [...allItems().map((r) => r.problem.code), NO_PROBLEM];
const tasks = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const headOf = (code: string): number => tasks.indexOf(taskOfClass(code));
const combine = blendWithTasks({ items, tasks, taskWeight: TASK_WEIGHT });
const featureSets = docs.map((d) => router.features(d.text));

function vocabulary(indices: number[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const i of indices) for (const f of featureSets[i]!.keys()) seen.set(f, (seen.get(f) ?? 0) + 1);
  const vocab = new Map<string, number>();
  for (const [f, n] of seen) if (n >= MIN_DOCS || !/^[btu]/.test(f)) vocab.set(f, vocab.size);
  return vocab;
}

function encode(indices: number[], vocab: Map<string, number>): Encoded[] {
  const one = (i: number, keep: (f: string) => boolean, noisy: boolean): Encoded => {
    const kept = [...featureSets[i]!.entries()].filter(([f]) => vocab.has(f) && keep(f));
    return {
      y: items.indexOf(docs[i]!.item),
      t: headOf(docs[i]!.item),
      features: Int32Array.from(kept, ([f]) => vocab.get(f)!),
      values: Float64Array.from(kept, ([, v]) => v),
      noisy,
    };
  };
  const all = indices.map((i) => one(i, () => true, docs[i]!.kind !== 'policy'));
  if (!AUGMENT) return all;
  // Each report once more without the lexicon's evidence: the wording alone must carry it too.
  const wordsOnly = indices.filter((i) => docs[i]!.kind === 'report').map((i) => one(i, (f) => /^[btu]/.test(f), false));
  return [...all, ...wordsOnly];
}

// Cross-validation: each report and message scored by a model trained without it.
const reports = docs.map((d, i) => (d.kind !== 'policy' ? i : -1)).filter((i) => i >= 0);
const folds = 5;
const scored: Array<{ ok: boolean; itemOk: boolean; confidence: number; wordless: boolean; saysNothing: boolean }> = [];
/**
 * The confidence the model gave the unit it would route a message that names no problem to (0 when
 * it reads the message as naming none, as then nothing is offered).
 */
const noProblemConfidence: number[] = [];
const misses: string[] = [];
for (let k = 0; k < folds; k++) {
  // In blocks of 50 consecutive reports: reports written together (a pair told two ways, one
  // writer's turn of phrase) are tested together, as new wording comes.
  const test = reports.filter((_, j) => Math.floor(j / 50) % folds === k);
  const trainIdx = docs.map((_, i) => i).filter((i) => !test.includes(i));
  const vocab = vocabulary(trainIdx);
  const model = train(encode(trainIdx, vocab), vocab.size);
  const tested = encode(test, vocab);
  for (const [j, i] of test.entries()) {
    const { item, confidence, saysNothing } = decide(predict(model, tested[j]!), items);
    if (docs[i]!.kind === 'no problem') {
      noProblemConfidence.push(saysNothing ? 0 : confidence);
      continue;
    }
    const words = Math.max(0, ...[...featureSets[i]!].filter(([f]) => f.startsWith('k')).map(([, v]) => v));
    scored.push({ ok: unitOf(item) === unitOf(docs[i]!.item), itemOk: item === docs[i]!.item, confidence, wordless: words < Math.log1p(1), saysNothing });
    if (unitOf(item) !== unitOf(docs[i]!.item)) misses.push(`${docs[i]!.item} → ${item} ${confidence.toFixed(2)}  ${docs[i]!.text}`);
  }
}

// The lowest threshold above which cross-validated routes were right at least PRECISION of the
// time, and routes just above it (within BAND) at least BAND_PRECISION: the routes the bot does not
// ask about are right taken together, and also one by one near the line.
const byConfidence = [...scored].sort((a, b) => b.confidence - a.confidence);
let confirmBelow = 1;
let right = 0;
byConfidence.forEach((s, i) => {
  right += Number(s.ok);
  if (right / (i + 1) < PRECISION) return;
  const near = scored.filter((t) => t.confidence >= s.confidence && t.confidence < s.confidence + BAND);
  if (near.filter((t) => t.ok).length >= BAND_PRECISION * near.length) confirmBelow = s.confidence;
});
confirmBelow = Math.max(0.5, Math.round(confirmBelow * 100) / 100);
const pct = (n: number, d: number) => `${n}/${d} (${((100 * n) / d).toFixed(1)}%)`;
const confident = scored.filter((s) => s.confidence >= confirmBelow);
console.log(`cross-validated on ${scored.length} training reports: unit ${pct(scored.filter((s) => s.ok).length, scored.length)}, item ${pct(scored.filter((s) => s.itemOk).length, scored.length)}`);
console.log(`confirm below ${confirmBelow}: ${pct(confident.length, scored.length)} routed without asking, right ${pct(confident.filter((s) => s.ok).length, confident.length)}`);
for (const [low, high] of [[0.9, 1.01], [0.7, 0.9], [0.5, 0.7], [0, 0.5]] as const) {
  const band = scored.filter((s) => s.confidence >= low && s.confidence < high);
  console.log(`  confidence ${low}–${Math.min(1, high)}: right ${pct(band.filter((s) => s.ok).length, band.length)}`);
}

// Reports with no lexicon word: the lowest floor above which the model's guesses, offered and
// confirmed first, were right at least OFFER_PRECISION of the time, and no more than
// OFFER_NO_PROBLEM of the messages that name no problem would be offered a route.
const wordless = scored.filter((s) => s.wordless);
// At worst only the guesses sure enough to route without asking.
let offerWithoutWords = GUESS_WITHOUT_WORDS;
let precise = true;
for (let cents = OFFER_CEILING; cents >= OFFER_FLOOR; cents -= 5) {
  const floor = cents / 100;
  const above = wordless.filter((s) => s.confidence >= floor && !s.saysNothing);
  const rightAbove = above.filter((s) => s.ok).length;
  const offeredNoProblem = noProblemConfidence.filter((c) => c >= floor).length;
  console.log(
    `  no lexicon word, model at least ${floor}: ${pct(above.length, wordless.length)}, right ${pct(rightAbove, above.length)}; ` +
      `naming no problem ${pct(offeredNoProblem, noProblemConfidence.length)}`,
  );
  precise &&= above.length > 0 && rightAbove / above.length >= OFFER_PRECISION && offeredNoProblem / noProblemConfidence.length <= OFFER_NO_PROBLEM;
  if (precise) offerWithoutWords = floor;
}
console.log(`offer without a lexicon word from ${offerWithoutWords}`);
// `TRAIN_MISSES=1`: the cross-validated reports routed to the wrong unit, to study what they share.
if (process.env.TRAIN_MISSES) for (const miss of misses.sort()) console.log(`  miss: ${miss}`);
if (process.env.TRAIN_DRY) process.exit(0);

// The shipped model: every training document.
const all = docs.map((_, i) => i);
const vocab = vocabulary(all);
const model = train(encode(all, vocab), vocab.size);
const outputs = items.length + tasks.length;
const lines: string[] = [];
for (const [feature, f] of vocab) {
  const pairs: string[] = [];
  for (let c = 0; c < outputs; c++) {
    const weight = model.w[f * outputs + c]!;
    if (Math.abs(weight) >= KEEP_WEIGHT) pairs.push(`${c}:${weight.toFixed(3)}`);
  }
  if (pairs.length) lines.push(`${feature}\t${pairs.join(',')}`);
}
const shipped: ItemModel = {
  items,
  tasks,
  bias: [...model.b].map((v) => Number(v.toFixed(3))),
  taskWeight: TASK_WEIGHT,
  confirmBelow,
  offerWithoutWords,
  weights: lines.join('\n'),
};
const out = path.join(root, 'src/routing/item-model.data.ts');
writeFileSync(
  out,
  `// Generated by \`npm run train:routing\` (src/routing/training/train-routing.ts) from the training reports; do not edit.\n` +
    `import type { ItemModel } from './item.classifier';\n\n` +
    `export const ITEM_MODEL: ItemModel = ${JSON.stringify(shipped, null, 1).replace(/\n\s*/g, ' ')};\n`,
);
console.log(`${lines.length} features, ${docs.length} documents → ${path.relative(root, out)}`);

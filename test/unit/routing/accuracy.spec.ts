import { expect } from 'chai';
import path from 'node:path';
import { DIVISION_TABLE } from '../../../config/division-table';
import { loadOrgConfig } from '../../../config/org';
import { createRouter } from '../../../src/routing/router';
import { corpusLines, corpusText, expectedRoute } from '../../helpers/corpus';
import { FIRST_HELD_OUT_REPORTS, HELD_OUT_REPORTS, ROUTING_REPORTS, SECOND_HELD_OUT_REPORTS, type RoutingCase } from '../../fixtures/reports';

const org = loadOrgConfig(path.resolve(import.meta.dirname, '../../../config/org.example.yaml'));
const router = createRouter(org);

/**
 * The labelled corpus (test/fixtures/corpus): reports written the ways cadres write them, split
 * once by a hash of the text into a training part (the item model is trained on it,
 * src/routing/training/train-routing.ts) and a held-out part that is only ever scored here.
 * Reports added later go by SHA-1 of the text (UTF-8): a first byte below 64 (one in four) to
 * the held-out part, the rest to training; a report never moves from one part to the other.
 */
function corpus(file: string): RoutingCase[] {
  return corpusLines(file).map(({ items: [item], text }) => ({ text, item: item!, ...expectedRoute(org, item!, text) }));
}

const TRAIN = corpus('train.tsv');
const HELD_OUT = [...corpus('held-out.tsv'), ...HELD_OUT_REPORTS];

interface Score {
  total: number;
  task: number;
  departments: number;
  item: number;
  /** Routed without asking, and of those right (task and departments). */
  confident: number;
  confidentRight: number;
  bands: Map<string, { n: number; right: number }>;
  misses: string[];
}

function measure(cases: RoutingCase[]): Score {
  const score: Score = { total: cases.length, task: 0, departments: 0, item: 0, confident: 0, confidentRight: 0, bands: new Map(), misses: [] };
  for (const c of cases) {
    const r = router.route({ text: c.text, village: c.village ?? null });
    const taskOk = r.task === c.task;
    const departmentsOk = JSON.stringify(r.departments) === JSON.stringify(c.departments);
    const right = taskOk && departmentsOk;
    score.task += Number(taskOk);
    score.departments += Number(departmentsOk);
    score.item += Number(r.item === c.item);
    if (!r.needsConfirmation) {
      score.confident++;
      score.confidentRight += Number(right);
    }
    const band = r.confidence >= 0.9 ? '0.9-1.0' : r.confidence >= 0.7 ? '0.7-0.9' : r.confidence >= 0.5 ? '0.5-0.7' : '0-0.5';
    const b = score.bands.get(band) ?? { n: 0, right: 0 };
    b.n++;
    b.right += Number(right);
    score.bands.set(band, b);
    if (r.item !== c.item || !right) {
      score.misses.push(`${c.text} → ${r.item ?? '无'} ${r.departments.join('、')} ${r.confidence}${r.needsConfirmation ? ' 询问' : ''}（应为 ${c.item}）`);
    }
  }
  return score;
}

const pct = (n: number, total: number): string => `${n}/${total} (${total ? ((100 * n) / total).toFixed(1) : '—'}%)`;

function report(label: string, s: Score, misses = false): void {
  console.log(`      routing accuracy${label}: task ${pct(s.task, s.total)}, departments ${pct(s.departments, s.total)}, item ${pct(s.item, s.total)}`);
  console.log(`        routed without asking: ${pct(s.confident, s.total)}, of which right ${pct(s.confidentRight, s.confident)}`);
  console.log('        calibration (confidence band: routes right / routes):');
  for (const band of ['0.9-1.0', '0.7-0.9', '0.5-0.7', '0-0.5']) {
    const b = s.bands.get(band);
    if (b) console.log(`          ${band}: ${pct(b.right, b.n)}`);
  }
  if (misses) for (const miss of s.misses) console.log(`        miss: ${miss}`);
}

describe('routing accuracy on reports as cadres write them', () => {
  it('has labelled reports for every task, in a training and a held-out part that share none', () => {
    for (const t of DIVISION_TABLE) {
      expect(ROUTING_REPORTS.filter((c) => c.task === t.no), `task ${t.no}`).to.have.length.of.at.least(6);
      expect(HELD_OUT.filter((c) => c.task === t.no), `held-out task ${t.no}`).to.have.length.of.at.least(6);
    }
    expect(TRAIN.length).to.be.at.least(250);
    expect(HELD_OUT.length).to.be.at.least(150);
    const trained = new Set([...TRAIN, ...ROUTING_REPORTS, ...FIRST_HELD_OUT_REPORTS, ...SECOND_HELD_OUT_REPORTS].map((c) => c.text));
    expect(HELD_OUT.filter((c) => trained.has(c.text))).to.deep.equal([]);
  });

  it('routes the held-out part, never trained or tuned on: prints accuracy and calibration', () => {
    const s = measure(HELD_OUT);
    report(' (held-out)', s, true);
    // The targets for task and departments (97%; the shipped model measured 97.5% and
    // 97.6% on 2026-12-01) and a floor under its item (95.3%), so that a change that makes
    // routing worse fails here.
    expect(s.task / s.total).to.be.at.least(0.97);
    expect(s.departments / s.total).to.be.at.least(0.97);
    expect(s.item / s.total).to.be.at.least(0.93);
    expect(s.confidentRight / s.confident).to.be.at.least(0.97);
  });

  it('asks what the matter is, instead of routing, for held-out messages that name no problem', () => {
    const messages = corpusText('no-problem.held-out.txt');
    const routed = messages.map((text) => ({ text, r: router.route({ text }) })).filter(({ r }) => r.task !== null);
    console.log(`      messages naming no problem (held-out): ${pct(messages.length - routed.length, messages.length)} asked what the matter is`);
    for (const { text, r } of routed) console.log(`        routed: ${text} → ${r.item} ${r.confidence}${r.needsConfirmation ? ' 询问' : ''}`);
    expect(messages.length).to.be.at.least(40);
    // A route offered for such a message is always confirmed first.
    expect(routed.filter(({ r }) => !r.needsConfirmation).map(({ text }) => text)).to.deep.equal([]);
    // A guess is offered for reports with none of the lexicon's words from the floor at which the
    // training's cross-validation offered one to at most one in twenty such messages; 57 are few,
    // so at most one in ten here (4 on 2026-12-01). Before the model learnt such messages, 4 of
    // these 57 were offered a route, one without asking.
    expect(routed.length / messages.length).to.be.at.most(0.1);
  });

  it('routes the reports it was trained on (the corpus’ training part and the older fixtures) at least 95%', () => {
    const s = measure([...TRAIN, ...ROUTING_REPORTS, ...FIRST_HELD_OUT_REPORTS, ...SECOND_HELD_OUT_REPORTS]);
    report(' (training reports)', s);
    expect(s.task / s.total).to.be.at.least(0.95);
    expect(s.departments / s.total).to.be.at.least(0.95);
  });
});

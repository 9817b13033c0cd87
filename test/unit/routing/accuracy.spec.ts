import { expect } from 'chai';
import path from 'node:path';
import { DIVISION_TABLE } from '../../../config/division-table';
import { loadOrgConfig } from '../../../config/org';
import { createRouter } from '../../../src/routing/router';
import { FIRST_HELD_OUT_REPORTS, HELD_OUT_REPORTS, ROUTING_REPORTS, SECOND_HELD_OUT_REPORTS, type RoutingCase } from '../../fixtures/reports';

const org = loadOrgConfig(path.resolve(import.meta.dirname, '../../../config/org.example.yaml'));
const router = createRouter(org);

interface Score {
  total: number;
  task: number;
  departments: number;
  item: number;
  misses: string[];
}

function measure(cases: RoutingCase[]): Score {
  const score: Score = { total: cases.length, task: 0, departments: 0, item: 0, misses: [] };
  for (const c of cases) {
    const r = router.route({ text: c.text, village: c.village ?? null });
    const taskOk = r.task === c.task;
    const departmentsOk = JSON.stringify(r.departments) === JSON.stringify(c.departments);
    score.task += Number(taskOk);
    score.departments += Number(departmentsOk);
    score.item += Number(r.item === c.item);
    if (!taskOk || !departmentsOk) score.misses.push(`${c.text} → ${r.item ?? '无'} ${r.departments.join('、')}（应为 ${c.item} ${c.departments.join('、')}）`);
  }
  return score;
}

const pct = (n: number, total: number): string => `${n}/${total} (${((100 * n) / total).toFixed(1)}%)`;

function report(label: string, s: Score): void {
  console.log(
    `      routing accuracy${label}: task ${pct(s.task, s.total)}, departments ${pct(s.departments, s.total)}; item ${pct(s.item, s.total)}`,
  );
  for (const miss of s.misses) console.log(`        miss: ${miss}`);
}

describe('routing accuracy on reports as cadres write them', () => {
  it('has at least six reports for every task in the test set', () => {
    for (const t of DIVISION_TABLE) {
      expect(ROUTING_REPORTS.filter((c) => c.task === t.no), `task ${t.no}`).to.have.length.of.at.least(6);
    }
    expect(ROUTING_REPORTS.length).to.be.at.least(48);
    expect(HELD_OUT_REPORTS.length).to.be.at.least(16);
  });

  it('routes the test set: task and departments at least 90%', () => {
    const s = measure(ROUTING_REPORTS);
    report('', s);
    expect(s.task / s.total).to.be.at.least(0.9);
    expect(s.departments / s.total).to.be.at.least(0.9);
  });

  it('routes the held-out set, never used for tuning: task and departments at least 90%', () => {
    const s = measure(HELD_OUT_REPORTS);
    report(' (held-out)', s);
    expect(s.task / s.total).to.be.at.least(0.9);
    expect(s.departments / s.total).to.be.at.least(0.9);
  });

  it('keeps routing the earlier held-out sets, since used to widen the lexicon, at least 90%', () => {
    const s = measure([...FIRST_HELD_OUT_REPORTS, ...SECOND_HELD_OUT_REPORTS]);
    report(' (earlier held-out, now regression)', s);
    expect(s.task / s.total).to.be.at.least(0.9);
    expect(s.departments / s.total).to.be.at.least(0.9);
  });
});

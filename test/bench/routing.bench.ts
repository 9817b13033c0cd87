// Routing one report in-process, as the intake does: the router with 1,000 learned corrections
// (leaders' re-routes) to compare against. No database; `BENCH_ONLY=routing npm run bench` runs
// this alone in a few seconds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allItems, isTaskNo } from '../../config/division-table';
import { loadOrgConfig } from '../../config/org';
import { createRouter, type LearnedCorrection } from '../../src/routing/router';
import { DEMO_REPORTS, DEMO_SURNAMES } from '../../src/simulator/demo-data';

export const CORRECTIONS = 1000;
const ROUNDS = 20;

export interface RoutingBench {
  corrections: number;
  reports: number;
  p50: number;
  p99: number;
  max: number;
  /** routeReport, which may route a report piece by piece: what the intake calls. */
  splitP50: number;
  splitP99: number;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function routingBench(): RoutingBench {
  const org = loadOrgConfig('config/org.example.yaml');
  const router = createRouter(org);
  const villages = org.districts.flatMap((d) => d.villages.map((v) => v.name));
  const corpus = readFileSync(path.resolve(import.meta.dirname, '../fixtures/corpus/train.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split('\t')[1]!);
  const demo = Object.values(DEMO_REPORTS).flat();
  const items = allItems().map((r) => r.problem.code);

  // Corrections as leaders make them: real report wordings, each about some village and household.
  const learned: LearnedCorrection[] = [];
  for (let i = 0; learned.length < CORRECTIONS; i++) {
    const text = (demo[i % demo.length] ?? '').replaceAll('{v}', villages[i % villages.length]!).replaceAll('{x}', DEMO_SURNAMES[i % DEMO_SURNAMES.length]!);
    const words = i % 2 === 0 ? text : corpus[i % corpus.length]!;
    const item = items[i % items.length]!;
    const task = Number(item.split('.')[0]);
    if (isTaskNo(task)) learned.push({ text: `${words}${i}`, task, item, findingNo: i + 1, at: new Date(1_700_000_000_000 + i * 60_000) });
  }
  const reports = corpus.map((t, i) => `${villages[i % villages.length]}${t}`);

  const time = (fn: (text: string) => unknown): number[] => {
    for (const text of reports.slice(0, 50)) fn(text); // warm-up
    const took: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const text of reports) {
        const start = process.hrtime.bigint();
        fn(text);
        took.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }
    return took.sort((a, b) => a - b);
  };
  const single = time((text) => router.route({ text }, learned));
  const split = time((text) => router.routeReport({ text }, learned));
  const r = (n: number) => Math.round(n * 1000) / 1000;
  return {
    corrections: learned.length,
    reports: single.length,
    p50: r(percentile(single, 0.5)),
    p99: r(percentile(single, 0.99)),
    max: r(single.at(-1)!),
    splitP50: r(percentile(split, 0.5)),
    splitP99: r(percentile(split, 0.99)),
  };
}

import { loadConfigFromProcess, type AppConfig } from '../../config/env';
import { findItem, type TaskNo } from '../../config/division-table';
import type { OrgConfig } from '../../config/org';
import { openCliDomain } from '../cli/domain';
import { FixedClock } from '../clock';
import type { DomainContext } from '../context';
import { STATUSES } from '../findings/finding.model';
import { act, reportFinding, reroute } from '../findings/finding.service';
import type { Finding } from '../findings/finding.repository';
import type { Action } from '../findings/lifecycle';
import { createLogger, type Logger } from '../logger';
import { DEMO_RECTIFY_NOTES, DEMO_REJECT_REASONS, DEMO_REPORTS, DEMO_RETURN_REASON, DEMO_SURNAMES, DEMO_VAGUE_REPORTS } from './demo-data';
import { simModels } from './sim-message.model';

/**
 * `cli demo`: fills an empty database with realistic findings across villages, tasks and states,
 * made through the real domain (reportFinding, act, reroute) with a clock that walks forward from
 * some weeks ago, so history, deadlines and messages are what they would have been. Every
 * message goes to the built-in simulator (it shows on /sim with its time), never to WeCom.
 */

export interface DemoOptions {
  now: Date;
  count: number;
  weeks: number;
  force: boolean;
  seed: number;
}

/** What this run added (a run with --force adds to what was there), and the database's totals after it. */
export interface DemoSummary {
  findings: number;
  byStatus: Record<string, number>;
  overdue: number;
  byTask: Record<string, number>;
  villages: number;
  messages: number;
  refused: number;
  from: string;
  to: string;
  database: { findings: number; messages: number };
}

type Outcome = 'triage' | 'dispatched' | 'accepted' | 'rectified' | 'closed' | 'cancelled' | 'rejected' | 'returned';

interface Step {
  at: Date;
  finding: number;
  run(ctx: DomainContext, no: number | undefined): Promise<number | undefined>;
}

/** mulberry32: the same seed gives the same demo. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickOutcome(ageDays: number, r: number): Outcome {
  const table: [Outcome, number][] =
    ageDays >= 21
      ? [['closed', 0.7], ['cancelled', 0.08], ['rectified', 0.07], ['accepted', 0.1], ['rejected', 0.05]]
      : ageDays >= 7
        ? [['closed', 0.3], ['rectified', 0.2], ['accepted', 0.3], ['dispatched', 0.08], ['rejected', 0.05], ['returned', 0.05], ['cancelled', 0.02]]
        : [['dispatched', 0.3], ['accepted', 0.35], ['rectified', 0.15], ['closed', 0.1], ['triage', 0.05], ['returned', 0.05]];
  let acc = 0;
  for (const [o, p] of table) if (r < (acc += p)) return o;
  return table[0]![0];
}

/** Who answers for a finding now: the lead unit's first member, or for tasks 1-2 the village's 包村干部. */
function responsible(ctx: DomainContext, f: Finding): string | undefined {
  const unit = f.departments[0] ? ctx.directory.unit(f.departments[0]) : undefined;
  if (!unit) return undefined;
  if (unit.kind === 'district') return f.cadre ?? unit.members[0];
  return unit.members[0] ?? ('users' in unit.target ? unit.target.users[0] : undefined);
}

export function planDemo(ctx: DomainContext, options: DemoOptions): Step[] {
  const rnd = random(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const between = (lo: number, hi: number): number => lo + rnd() * (hi - lo);
  const cal = ctx.calendar;
  const villages = ctx.directory.villages();
  const leader = ctx.directory.leaders()[0]!;
  const items = Object.keys(DEMO_REPORTS);
  const latest = options.now.getTime() - 10 * 60_000;
  const steps: Step[] = [];

  for (let i = 0; i < options.count; i++) {
    const village = pick(villages);
    const reporter = village.cadre && rnd() < 0.85 ? village.cadre : leader;
    const item = pick(items);
    const fill = (template: string): string => template.replace('{v}', village.name).replace('{x}', pick(DEMO_SURNAMES));
    const daysAgo = between(0.2, options.weeks * 7);
    const reportAt = cal.nextWorkingTime(new Date(options.now.getTime() - daysAgo * 86_400_000));
    if (reportAt.getTime() > latest) continue;
    let outcome = pickOutcome(daysAgo, rnd());
    const vague = outcome === 'triage' || rnd() < 0.08;
    const wrongItem = outcome === 'returned' ? pick(items.filter((x) => findItem(x)?.task.no !== findItem(item)?.task.no)) : null;
    const text = fill(vague ? pick(DEMO_VAGUE_REPORTS) : pick(DEMO_REPORTS[item]!));
    const task = findItem(item)!.task.no as TaskNo;

    const mine: Step[] = [];
    let t = reportAt;
    const at = (hours: number): Date => (t = cal.addWorkingHours(t, hours));
    const step = (when: Date, run: Step['run']): void => void mine.push({ at: when, finding: i, run });
    const change = (action: Action, who: 'responsible' | 'reporter', note: string, verb: string) => async (c: DomainContext, no: number | undefined) => {
      const f = no ? await c.findings.get(no) : null;
      // 验收销号 is never by the responsible unit: a reporter who answers for the finding (a 包村干部's
      // own village) leaves the check to a leader.
      const checker = f && c.directory.isResponsible(f.reporter, f.departments, f.village) ? c.directory.leaders()[0] : f?.reporter;
      const actor = f ? (who === 'reporter' ? checker : responsible(c, f)) : undefined;
      if (!f || !actor) return undefined;
      const result = await act(c, f.no, action, actor, note, `${verb} ${f.no}${note ? ` ${note}` : ''}`);
      return result.ok ? f.no : -f.no;
    };

    step(t, async (c) => {
      const { finding } = await reportFinding(c, {
        text,
        reporter,
        village: village.name,
        ...(vague ? {} : { item: wrongItem ?? item }),
        channel: vague ? 'chat' : rnd() < 0.5 ? 'form' : 'chat',
        sourceKey: `demo:${options.seed}:${options.now.getTime()}:${i}`,
      });
      return finding.no;
    });
    if (vague && outcome !== 'triage') step(at(between(1, 6)), async (c, no) => (no ? ((await reroute(c, no, item, leader, `改派 ${no} ${item}`)).ok ? no : -no) : undefined));
    if (outcome === 'returned') {
      step(at(between(0.5, 4)), change('return', 'responsible', DEMO_RETURN_REASON, '退回'));
      step(at(between(1, 4)), async (c, no) => (no ? ((await reroute(c, no, item, leader, `改派 ${no} ${item}`)).ok ? no : -no) : undefined));
      outcome = rnd() < 0.5 ? 'accepted' : 'dispatched';
    }
    const note = pick(DEMO_RECTIFY_NOTES[task] ?? ['已整改到位']);
    if (outcome === 'cancelled') step(at(between(2, 30)), change('cancel', 'reporter', '', '撤销'));
    if (['accepted', 'rectified', 'closed', 'rejected'].includes(outcome)) step(at(between(0.5, 20)), change('accept', 'responsible', '', '签收'));
    if (['rectified', 'closed', 'rejected'].includes(outcome)) step(at(9 * between(1, 6)), change('rectify', 'responsible', note, '整改完成'));
    if (outcome === 'rejected') {
      step(at(between(2, 16)), change('reject', 'reporter', pick(DEMO_REJECT_REASONS), '驳回'));
      step(at(9 * between(1, 3)), change('rectify', 'responsible', `${note}，已补充整改照片`, '整改完成'));
    }
    if (outcome === 'closed' || outcome === 'rejected') step(at(between(2, 20)), change('close', 'reporter', '', '销号'));
    // What would happen after now has not happened yet: the finding stays where it is.
    steps.push(...mine.filter((s) => s.at.getTime() <= latest));
  }
  return steps.sort((a, b) => a.at.getTime() - b.at.getTime() || a.finding - b.finding);
}

export async function runDemo(deps: {
  config: AppConfig;
  org?: OrgConfig;
  logger: Logger;
  options: DemoOptions;
  /** A line now and then while it works (the command writes them to stderr). */
  progress?: (line: string) => void;
}): Promise<DemoSummary> {
  const { options, logger } = deps;
  const start = new Date(options.now.getTime() - options.weeks * 7 * 86_400_000);
  const clock = new FixedClock(start);
  const cli = await openCliDomain({
    config: deps.config,
    ...(deps.org ? { org: deps.org } : {}),
    clock,
    logger,
    // The simulator's API on a port of this process: the real transport delivers the demo's messages there.
    simulator: true,
  });
  try {
    const { domain, outbox } = cli.wired;
    // One step at a time, delivered before the next: the workers' own timers would race the clock.
    for (const w of cli.wired.workers) await w.stop();
    const existing = await domain.findings.count();
    if (existing > 0 && !options.force) {
      throw new Error(`数据库中已有 ${existing} 条问题；演示数据只写入空数据库。确需追加请加 --force / the database is not empty; add --force to add demo data anyway`);
    }
    const messagesBefore = await simModels(cli.connection).messages.countDocuments().exec();
    const steps = planDemo(domain, options);
    const nos = new Map<number, number>();
    let refused = 0;
    const began = performance.now();
    let lastSaid = began;
    const say = (line: string): void => deps.progress?.(`演示数据：${line}，已用 ${Math.round((performance.now() - began) / 1000)} 秒`);
    say(`共 ${steps.length} 步（${new Set(steps.map((s) => s.finding)).size} 条问题的上报和办理），从 ${start.toISOString().slice(0, 10)} 到 ${options.now.toISOString().slice(0, 10)}`);
    for (const [i, step] of steps.entries()) {
      if (performance.now() - lastSaid >= PROGRESS_EVERY_MS) {
        lastSaid = performance.now();
        say(`已完成 ${i}/${steps.length} 步，已写入 ${[...nos.values()].filter((n) => n > 0).length} 条问题`);
      }
      clock.set(step.at);
      const known = nos.get(step.finding);
      if (known !== undefined && known < 0) continue; // an earlier step was refused: the rest would be too
      const result = await step.run(domain, known);
      if (result !== undefined && result < 0) {
        refused++;
        logger.warn({ finding: -result }, '演示数据的一步被拒绝');
      }
      if (result !== undefined) nos.set(step.finding, result);
      await outbox.deliverDue(clock.now());
    }
    // Deliver what is left (robots take 20 a minute) so nothing waits to go out later.
    say('正在投递剩余的消息');
    clock.set(options.now);
    for (let i = 0; i < 120 && (await outbox.list({ status: 'pending' })).length > 0; i++) {
      await outbox.deliverDue(clock.now());
      clock.advance(61_000);
    }
    // What this run made: the findings its steps numbered, not whatever the database already had.
    const made = new Set([...nos.values()].map((n) => Math.abs(n)));
    const all = (await domain.findings.list()).filter((f) => made.has(f.no));
    const byStatus = Object.fromEntries(STATUSES.map((s) => [s, all.filter((f) => f.status === s).length] as const));
    const messagesAfter = await simModels(cli.connection).messages.countDocuments().exec();
    const byTask: Record<string, number> = {};
    for (const f of all) byTask[f.task === null ? '未分类' : String(f.task)] = (byTask[f.task === null ? '未分类' : String(f.task)] ?? 0) + 1;
    return {
      findings: all.length,
      byStatus,
      overdue: all.filter((f) => ['dispatched', 'accepted'].includes(f.status) && f.deadline && f.deadline < options.now).length,
      byTask,
      villages: new Set(all.map((f) => f.village).filter(Boolean)).size,
      messages: messagesAfter - messagesBefore,
      refused,
      from: start.toISOString(),
      to: options.now.toISOString(),
      database: { findings: await domain.findings.count(), messages: messagesAfter },
    };
  } finally {
    await cli.close();
  }
}

export function parseDemoArgs(args: string[], now: Date): DemoOptions {
  const options: DemoOptions = { now, count: 80, weeks: 6, force: false, seed: 20261201 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} 需要一个值`);
      return v;
    };
    const int = (min: number, max: number): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${a} 应为 ${min}-${max} 的整数`);
      return n;
    };
    if (a === '--force') options.force = true;
    else if (a === '--now') {
      const d = new Date(value());
      if (Number.isNaN(d.getTime())) throw new Error('--now 应为 ISO 时间，如 2026-12-01T09:00:00+08:00');
      options.now = d;
    } else if (a === '--count') options.count = int(1, 5000);
    else if (a === '--weeks') options.weeks = int(1, 52);
    else if (a === '--seed') options.seed = int(0, 2 ** 31);
    else throw new Error(`不认识的参数：${a}（可用 --force --now --count --weeks --seed）`);
  }
  return options;
}

/** `cli demo [--force] [--now ISO] [--count N] [--weeks N] [--seed N]`: prints the counts as JSON. */
export async function demoCommand(args: string[]): Promise<DemoSummary> {
  const config = loadConfigFromProcess();
  // Progress and refusals go to stderr; stdout is the JSON.
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, destination: process.stderr as never });
  const summary = await runDemo({ config, logger, options: parseDemoArgs(args, new Date()), progress: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(
    `演示数据：新增 ${summary.findings} 条问题（${summary.villages} 个村）、${summary.messages} 条消息；` +
      `数据库现有 ${summary.database.findings} 条问题。在 /sim 和 /dashboard 查看。\n`,
  );
  return summary;
}

const PROGRESS_EVERY_MS = 3_000;

import cron, { type ScheduledTask } from 'node-cron';
import type { Clock } from './clock';
import type { Logger } from './logger';

/** What a file in jobs/ declares. The same `run` serves cron and the CLI. */
export interface Job<Deps> {
  name: string;
  /** cron expression, evaluated in the configured time zone */
  schedule: string;
  /** Also run once when the scheduler starts (a job that catches up on what it missed while the bot was down). */
  runOnStart?: boolean;
  run(deps: Deps, now: Date): Promise<unknown>;
}

export interface Scheduler {
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  clock: Clock;
  logger: Logger;
  timeZone: string;
  /**
   * Takes the lease of one tick (`job:<name>:<minute>`); only the instance that gets it runs the
   * tick. Without it every instance runs every tick.
   */
  lease?: (key: string) => Promise<boolean>;
}

/** The lease key of a job's tick: the job and the minute it fires in, the same on every instance. */
export function tickKey(name: string, now: Date): string {
  return `job:${name}:${now.toISOString().slice(0, 16)}`;
}

/**
 * Starts each job on its schedule. A tick never overlaps the previous one of the same job; a
 * failed run is logged and the next tick runs as usual (the job wrapper is the error sink).
 */
export function startScheduler<Deps>(jobs: Job<Deps>[], deps: Deps, opts: SchedulerOptions): Scheduler {
  const running = new Set<Promise<unknown>>();
  let stopped = false;

  const tick = async (job: Job<Deps>, leased: boolean): Promise<void> => {
    if (stopped) return;
    const log = opts.logger.child({ job: job.name });
    const now = opts.clock.now();
    const run = (async () => {
      if (leased && opts.lease && !(await opts.lease(tickKey(job.name, now)))) return 'another instance has this tick';
      return job.run(deps, now);
    })().then(
      (result) => log.debug({ result }, '定时任务完成'),
      (err: unknown) => log.error({ err }, '定时任务出错'),
    );
    running.add(run);
    await run.finally(() => running.delete(run));
  };

  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(job.schedule, () => tick(job, true), { timezone: opts.timeZone, name: job.name, noOverlap: true }),
  );
  // Start-up runs take no lease: such jobs make their own work happen once.
  for (const job of jobs) if (job.runOnStart) void tick(job, false);

  return {
    async stop() {
      stopped = true;
      await Promise.all(tasks.map((t) => t.stop()));
      await Promise.allSettled([...running]);
    },
  };
}

import cron, { type ScheduledTask } from 'node-cron';
import type { Clock } from './clock';
import type { Logger } from './logger';

/** What a file in jobs/ declares. The same `run` serves cron and the CLI. */
export interface Job<Deps> {
  name: string;
  /** cron expression, evaluated in the configured time zone */
  schedule: string;
  run(deps: Deps, now: Date): Promise<unknown>;
}

export interface Scheduler {
  stop(): Promise<void>;
}

/**
 * Starts each job on its schedule. A tick never overlaps the previous one of the same job; a
 * failed run is logged and the next tick runs as usual (the job wrapper is the error sink).
 */
export function startScheduler<Deps>(jobs: Job<Deps>[], deps: Deps, opts: { clock: Clock; logger: Logger; timeZone: string }): Scheduler {
  const running = new Set<Promise<unknown>>();
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(
      job.schedule,
      async () => {
        const log = opts.logger.child({ job: job.name });
        const run = job.run(deps, opts.clock.now()).then(
          (result) => log.debug({ result }, 'job done'),
          (err: unknown) => log.error({ err }, 'job failed'),
        );
        running.add(run);
        await run.finally(() => running.delete(run));
      },
      { timezone: opts.timeZone, name: job.name, noOverlap: true },
    ),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.stop()));
      await Promise.allSettled([...running]);
    },
  };
}

import type { Logger } from './logger';

/**
 * A background loop that does one kind of work (process the inbox, deliver the outbox): woken
 * at once when there is something new, and every `intervalMs` for retries. Never two runs at
 * once in a process; a wake-up during a run makes one more run after it.
 */
export interface Worker {
  kick(): void;
  /** Resolves when no run is in progress or pending (tests wait on this). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startWorker(name: string, work: () => Promise<unknown>, options: { intervalMs: number; logger: Logger }): Worker {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await work();
        } catch (err) {
          options.logger.error({ err, worker: name }, '后台任务出错，稍后重试');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
  };

  const timer = setInterval(run, options.intervalMs);
  timer.unref();

  return {
    kick: () => setImmediate(run),
    async idle() {
      // A kick is scheduled with setImmediate: let it start before checking.
      await new Promise((resolve) => setImmediate(resolve));
      while (running) await running;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
    },
  };
}

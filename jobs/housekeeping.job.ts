import type { DomainContext } from '../src/context';
import type { Job } from '../src/scheduler';

/** Nightly, outside working hours: old inbox events, delivered messages and claims go. */
export const housekeepingJob: Job<DomainContext> = {
  name: 'housekeeping',
  schedule: '17 3 * * *',
  run: (ctx, now) => ctx.housekeeping.run(now),
};

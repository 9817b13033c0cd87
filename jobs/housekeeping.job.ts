import type { DomainContext } from '../src/context';
import { foldTallies } from '../src/digest/tallies';
import type { Job } from '../src/scheduler';

/** Nightly, outside working hours: old inbox events, delivered messages and claims go, and the day's counts are folded. */
export const housekeepingJob: Job<DomainContext> = {
  name: 'housekeeping',
  schedule: '17 3 * * *',
  run: async (ctx, now) => ({ ...(await ctx.housekeeping.run(now)), tallies: await foldTallies(ctx, now) }),
};

import type { DomainContext } from '../src/context';
import { checkFindingViews } from '../src/digest/tallies';
import type { Job } from '../src/scheduler';

/** Nightly, outside working hours: old inbox events, delivered messages and claims go, imported lists lose their files, and the views of the findings are checked and their counts summed up. */
export const housekeepingJob: Job<DomainContext> = {
  name: 'housekeeping',
  schedule: '17 3 * * *',
  run: async (ctx, now) => ({ ...(await ctx.housekeeping.run(now)), views: await checkFindingViews(ctx, now) }),
};

import type { DomainContext } from '../src/context';
import { flushCollections } from '../src/dispatch/group-messages';
import type { Job } from '../src/scheduler';

/** Every minute: the units' 【交办】 collections whose window is over (and what waited past a group's daily ceiling). */
export const groupCollectJob: Job<DomainContext> = {
  name: 'group-collect',
  schedule: '* * * * *',
  runOnStart: true,
  run: (ctx, now) => flushCollections(ctx, now),
};

import type { DomainContext } from '../src/context';
import { runDigestJob } from '../src/digest/digest.service';
import type { Job } from '../src/scheduler';

/**
 * Every five minutes, and at start-up: today's digest once it is time and nobody has sent it yet,
 * so a digest missed while the bot was down goes out when it comes back, the same working day.
 */
export const digestJob: Job<DomainContext> = {
  name: 'digest',
  schedule: '*/5 * * * *',
  runOnStart: true,
  run: (ctx, now) => runDigestJob(ctx, now),
};

import type { DomainContext } from '../src/context';
import { runWeeklyReportJob } from '../src/report/weekly-report';
import type { Job } from '../src/scheduler';

/**
 * Every five minutes, and at start-up: the weekly 通报 on the last working day of the week once it
 * is time and nobody has sent it yet (a bot down at 17:00 sends it when it is back, that day).
 */
export const weeklyReportJob: Job<DomainContext> = {
  name: 'weekly-report',
  schedule: '*/5 * * * *',
  runOnStart: true,
  run: (ctx, now) => runWeeklyReportJob(ctx, now),
};

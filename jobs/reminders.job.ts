import type { DomainContext } from '../src/context';
import { runReminders } from '../src/reminders/reminder.service';
import type { Job } from '../src/scheduler';

/** Every quarter of an hour: reminders due now (none outside working time). */
export const remindersJob: Job<DomainContext> = {
  name: 'reminders',
  schedule: '*/15 * * * *',
  run: (ctx, now) => runReminders(ctx, now),
};

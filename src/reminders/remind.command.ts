import { parseNowArg, runAt } from '../cli/domain';
import { runReminders } from './reminder.service';

const USAGE = '用法：remind --now <ISO 时间>，例如 remind --now 2026-10-09T09:00:00+08:00';

/**
 * `cli remind --now <ISO time>`: the reminder job once, as if it were that time; what it queued
 * is delivered before the command exits. Prints what it sent (JSON).
 */
export async function remindCommand(args: string[]) {
  const { now } = parseNowArg(args, USAGE);
  const { result, delivery } = await runAt(now, (domain) => runReminders(domain, now));
  return { ...result, delivery };
}

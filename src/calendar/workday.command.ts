import { existsSync } from 'node:fs';
import { AppError } from '../errors';
import { createWorkCalendar, DEFAULT_CALENDAR_OVERRIDES, loadCalendarOverrides, missingOfficialMessage } from './work-calendar';

/**
 * `cli workday <YYYY-MM-DD>`: `{"date":"2026-10-01","workday":false,"name":"国庆节"}` on one line.
 * A year without an official arrangement is still answered, with a warning on stderr, so the
 * JSON keeps the contract's shape.
 */
export async function workdayCommand(args: string[], overridesFile = DEFAULT_CALENDAR_OVERRIDES): Promise<string> {
  const [date, ...rest] = args;
  if (date === undefined || rest.length > 0) throw new AppError('bad_request', '用法：workday <YYYY-MM-DD>，例如 workday 2026-10-01');
  const overrides = existsSync(overridesFile) ? loadCalendarOverrides(overridesFile) : undefined;
  const day = createWorkCalendar({ overrides }).day(date);
  if (!day.official) process.stderr.write(`注意：${missingOfficialMessage([Number(day.date.slice(0, 4))])}\n`);
  return `${JSON.stringify({ date: day.date, workday: day.workday, name: day.name })}\n`;
}

import { AppError } from '../errors';

/**
 * Calendar dates and wall-clock times in one IANA time zone, with plain Intl so that nothing
 * depends on the machine's TZ. Dates are 'YYYY-MM-DD' strings: they compare and key maps as they are.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The date itself when it is a real 'YYYY-MM-DD' calendar date, else undefined. */
export function validIsoDate(text: string): string | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 02-30 over to March: a real date survives the round trip unchanged.
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day ? text : undefined;
}

/** A day as people type it: 2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日 or 20260301; as 'YYYY-MM-DD', or undefined. */
export function readDay(text: string): string | undefined {
  const t = text.trim();
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(t) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  return m ? validIsoDate(`${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`) : undefined;
}

/** Like validIsoDate, but a bad date is a bad request with a message people can act on. */
export function requireIsoDate(text: string): string {
  const date = validIsoDate(text.trim());
  if (date === undefined) throw new AppError('bad_request', `日期“${text}”无效，应为 YYYY-MM-DD 格式的真实日期，例如 2026-10-01`);
  return date;
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** Calendar arithmetic on date strings (UTC is used only as a zone without daylight saving). */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

export function isoDateOf(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export interface ZonedTime {
  readonly timeZone: string;
  /** The calendar date of an instant in the zone. */
  dateOf(at: Date): string;
  /** The instant at which the zone's clocks show `time` ('HH:mm') on `date`. */
  at(date: string, time: string): Date;
}

export function createZonedTime(timeZone: string): ZonedTime {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new AppError('bad_request', `时区“${timeZone}”无效，应为 IANA 时区名，例如 Asia/Shanghai`);
  }

  /** The zone's wall clock at an instant, read back as if it were UTC. */
  const wallClock = (at: Date): number => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  };
  const offsetAt = (t: number): number => wallClock(new Date(t)) - Math.floor(t / 1000) * 1000;

  return {
    timeZone,
    dateOf: (at) => new Date(wallClock(at)).toISOString().slice(0, 10),
    at: (date, time) => {
      const wall = Date.parse(`${date}T${time}:00Z`);
      // Two passes: the offset at a first guess, then at the corrected instant (zones with daylight saving).
      const guess = wall - offsetAt(wall);
      return new Date(wall - offsetAt(guess));
    },
  };
}

import { AppError } from '../errors';
import { DEFAULT_CALENDAR_OVERRIDES, resolveCalendarOverrides, type CalendarOverrides } from './calendar-overrides.loader';
import { OFFICIAL_YEARS, officialDay } from './official-holidays';
import { statutoryHolidays } from './statutory-holidays';
import { addDays, createZonedTime, requireIsoDate, weekdayOf, yearOf } from './zoned-time';

export { CalendarOverridesError, DEFAULT_CALENDAR_OVERRIDES, loadCalendarOverrides, type CalendarOverrides } from './calendar-overrides.loader';

/**
 * The town's work calendar: which days are worked (Monday to Friday, less the State Council's
 * holidays, plus its make-up working days, with the town's overrides winning), and working-hours
 * arithmetic for reminders and deadlines. Every date and time is read in one time zone.
 */

export interface DayInfo {
  date: string;
  workday: boolean;
  /** The festival of a holiday or make-up working day (调休上班); null on an ordinary day. */
  name: string | null;
  /** false when the year's official arrangement is missing and only the statutory holidays were used. */
  official: boolean;
}

export interface WorkHours {
  start: string;
  end: string;
}

export interface WorkCalendar {
  readonly timeZone: string;
  readonly workHours: WorkHours;
  /** A Date is taken as the calendar date it has in the calendar's time zone. */
  day(date: string | Date): DayInfo;
  isWorkday(date: string | Date): boolean;
  /** On a workday, from the start of work hours (inclusive) to their end (exclusive). */
  isWorkingTime(at: Date): boolean;
  /** `at` itself when it is working time, else the next start of work hours. */
  nextWorkingTime(at: Date): Date;
  /** Counts only working time; a sum that ends exactly at the end of a day stays on that day. */
  addWorkingHours(from: Date, hours: number): Date;
  /** Working time between two instants, in hours; negative when `to` is before `from`. */
  workingHoursBetween(from: Date, to: Date): number;
  /**
   * A deadline: the end of work hours of the Nth working day after `from`'s day (Monday 10:00 + 1
   * is Tuesday 17:30). 0 is the end of `from`'s own day, or of the next working day if it is not one.
   */
  addWorkingDays(from: Date, days: number): Date;
  /** The start/end of work hours on the calendar date of `date`, whether or not it is a workday. */
  startOfWorkday(date: Date): Date;
  endOfWorkday(date: Date): Date;
  /** The years, of those given, that have no official arrangement in the package or the overrides. */
  missingOfficialYears(years: number[]): number[];
}

export interface WorkCalendarOptions {
  /** "HH:mm-HH:mm", as reminders.workHours in the organisation file. */
  workHours?: string;
  timeZone?: string;
  overrides?: CalendarOverrides;
  /** Told once per year when a day of a year without an official arrangement is looked up (a pino logger fits). */
  logger?: { warn(details: object, message: string): void };
}

export const DEFAULT_WORK_HOURS = '08:30-17:30';
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const HOUR_MS = 3_600_000;
/** Looking further than this for a working day means the overrides declared every day a holiday. */
const MAX_SCAN_DAYS = 2 * 366;

export function parseWorkHours(s: string): WorkHours {
  const m = /^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*$/.exec(s);
  if (!m) throw new AppError('bad_request', `工作时间“${s}”格式有误，应为 HH:mm-HH:mm，例如 08:30-17:30`);
  const hours: WorkHours = { start: `${m[1]}:${m[2]}`, end: `${m[3]}:${m[4]}` };
  if (hours.end <= hours.start) throw new AppError('bad_request', `工作时间“${s}”有误：下班时间须晚于上班时间`);
  return hours;
}

/** The warning for operators (log and digest) when years have no official arrangement. */
export function missingOfficialMessage(years: number[]): string {
  const list = years.join('、');
  return (
    `${list} 年的国务院办公厅节假日安排尚未录入日历，暂只按法定节假日（元旦、春节除夕至初三、清明节、劳动节5月1—2日、` +
    `端午节、中秋节、国庆节10月1—3日）计算工作日，调休和补班尚未计入。安排公布后请升级 chinese-days，` +
    `或在 ${DEFAULT_CALENDAR_OVERRIDES} 中补录并将年份写入 officialYears。`
  );
}

/**
 * The digest's notice: the years from `now` to `lookAheadDays` later (deadlines reach into the
 * next year in December) that lack an official arrangement, or null when none do.
 */
export function missingOfficialNotice(calendar: WorkCalendar, now: Date, lookAheadDays = 31): string | null {
  const first = yearOf(calendar.day(now).date);
  const last = yearOf(calendar.day(new Date(now.getTime() + lookAheadDays * 24 * HOUR_MS)).date);
  const years: number[] = [];
  for (let y = first; y <= last; y++) years.push(y);
  const missing = calendar.missingOfficialYears(years);
  return missing.length > 0 ? missingOfficialMessage(missing) : null;
}

export function createWorkCalendar(opts: WorkCalendarOptions = {}): WorkCalendar {
  const workHours = parseWorkHours(opts.workHours ?? DEFAULT_WORK_HOURS);
  const zone = createZonedTime(opts.timeZone ?? DEFAULT_TIME_ZONE);
  const overrides = resolveCalendarOverrides(opts.overrides);
  const { logger } = opts;

  const isOfficialYear = (year: number): boolean => OFFICIAL_YEARS.has(year) || overrides.officialYears.has(year);

  const statutoryByYear = new Map<number, Map<string, string>>();
  const statutory = (year: number): Map<string, string> => {
    let days = statutoryByYear.get(year);
    if (!days) {
      days = statutoryHolidays(year);
      statutoryByYear.set(year, days);
      logger?.warn({ year }, missingOfficialMessage([year]));
    }
    return days;
  };

  const dayCache = new Map<string, DayInfo>();
  const resolveDay = (date: string): DayInfo => {
    const year = yearOf(date);
    const official = isOfficialYear(year);
    const own = overrides.days.get(date);
    if (own) return { date, workday: own.workday, name: own.name, official };
    if (OFFICIAL_YEARS.has(year)) {
      const o = officialDay(date);
      if (o) return { date, workday: o.workday, name: o.workday ? `${o.festival}调休上班` : o.festival, official };
    } else if (!official) {
      const name = statutory(year).get(date);
      if (name !== undefined) return { date, workday: false, name, official };
    }
    const weekday = weekdayOf(date);
    return { date, workday: weekday >= 1 && weekday <= 5, name: null, official };
  };
  const dayOf = (date: string): DayInfo => {
    let info = dayCache.get(date);
    if (!info) {
      info = resolveDay(date);
      dayCache.set(date, info);
    }
    return info;
  };

  const dateOf = (at: Date): string => {
    if (Number.isNaN(at.getTime())) throw new AppError('bad_request', '时间无效 / invalid Date');
    return zone.dateOf(at);
  };
  const toDate = (date: string | Date): string => (typeof date === 'string' ? requireIsoDate(date) : dateOf(date));
  const startOf = (date: string): Date => zone.at(date, workHours.start);
  const endOf = (date: string): Date => zone.at(date, workHours.end);

  /** The first working day strictly after `date`. */
  const nextWorkday = (date: string): string => {
    for (let i = 1; i <= MAX_SCAN_DAYS; i++) {
      const d = addDays(date, i);
      if (dayOf(d).workday) return d;
    }
    throw new AppError('internal', `${date} 之后两年内没有工作日，请检查日历补充文件 ${DEFAULT_CALENDAR_OVERRIDES}`);
  };

  const nextWorkingTime = (at: Date): Date => {
    const date = dateOf(at);
    if (dayOf(date).workday) {
      const start = startOf(date);
      if (at < start) return start;
      if (at < endOf(date)) return new Date(at);
    }
    return startOf(nextWorkday(date));
  };

  const workingHoursBetween = (from: Date, to: Date): number => {
    if (to < from) return -workingHoursBetween(to, from);
    const last = dateOf(to);
    let ms = 0;
    for (let date = dateOf(from); date <= last; date = addDays(date, 1)) {
      if (!dayOf(date).workday) continue;
      const overlap = Math.min(to.getTime(), endOf(date).getTime()) - Math.max(from.getTime(), startOf(date).getTime());
      if (overlap > 0) ms += overlap;
    }
    return ms / HOUR_MS;
  };

  return {
    timeZone: zone.timeZone,
    workHours,
    day: (date) => dayOf(toDate(date)),
    isWorkday: (date) => dayOf(toDate(date)).workday,
    isWorkingTime: (at) => {
      const date = dateOf(at);
      return dayOf(date).workday && at >= startOf(date) && at < endOf(date);
    },
    nextWorkingTime,
    addWorkingHours: (from, hours) => {
      if (!Number.isFinite(hours) || hours < 0) throw new AppError('bad_request', `工作小时数应为非负数，收到 ${hours}`);
      let remaining = Math.round(hours * HOUR_MS);
      let cursor = nextWorkingTime(from);
      for (;;) {
        const date = dateOf(cursor);
        const available = endOf(date).getTime() - cursor.getTime();
        if (remaining <= available) return new Date(cursor.getTime() + remaining);
        remaining -= available;
        cursor = startOf(nextWorkday(date));
      }
    },
    workingHoursBetween,
    addWorkingDays: (from, days) => {
      if (!Number.isInteger(days) || days < 0) throw new AppError('bad_request', `工作日天数应为非负整数，收到 ${days}`);
      let date = dateOf(from);
      if (days === 0 && !dayOf(date).workday) date = nextWorkday(date);
      for (let i = 0; i < days; i++) date = nextWorkday(date);
      return endOf(date);
    },
    startOfWorkday: (date) => startOf(dateOf(date)),
    endOfWorkday: (date) => endOf(dateOf(date)),
    missingOfficialYears: (years) => [...new Set(years)].filter((y) => !isOfficialYear(y)),
  };
}

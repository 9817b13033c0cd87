import type { WorkCalendar } from './work-calendar';
import { addDays, createZonedTime } from './zoned-time';

const HOUR_MS = 3_600_000;

/**
 * The calendar's working time laid out once over a range of days, so that a job asking about
 * thousands of findings pays a binary search each instead of a day-by-day walk with time-zone
 * conversions. Answers agree with WorkCalendar.workingHoursBetween and addWorkingHours.
 */
export interface WorkingTimeline {
  /** Working hours from the timeline's origin to `at` (only differences between two calls mean anything). */
  hoursAt(at: Date): number;
  /** Working hours between two instants (negative when `to` is before `from`). */
  between(from: Date, to: Date): number;
  /** The instant at which `hoursAt` reaches `hours`; an instant at the end of a day stays on that day. */
  instantAt(hours: number): Date;
  /** Length of a working day in hours (from the work hours). */
  readonly dayHours: number;
}

interface Day {
  midnight: number;
  start: number;
  end: number;
  /** Working ms before this day's start. */
  before: number;
  workday: boolean;
}

/**
 * A timeline covering every instant from `from` to `to` (a few days' margin either side); an
 * instant outside the range is answered by extending it.
 */
export function createWorkingTimeline(calendar: WorkCalendar, from: Date, to: Date): WorkingTimeline {
  const zone = createZonedTime(calendar.timeZone);
  const dayHours = hoursOf(calendar.workHours.end) - hoursOf(calendar.workHours.start);
  let days: Day[] = [];
  /** Instants in [rangeStart, rangeEnd) are covered. */
  let rangeStart = 0;
  let rangeEnd = 0;

  const build = (firstDate: string, lastDate: string): void => {
    const built: Day[] = [];
    let before = 0;
    for (let date = firstDate; date <= lastDate; date = addDays(date, 1)) {
      const midnight = zone.at(date, '00:00').getTime();
      const start = zone.at(date, calendar.workHours.start).getTime();
      const end = zone.at(date, calendar.workHours.end).getTime();
      const workday = calendar.isWorkday(date);
      built.push({ midnight, start, end, before, workday });
      if (workday) before += end - start;
    }
    // Hours are counted from the first range's first day, so values stay put when the range grows.
    const origin = built.find((d) => d.midnight === originMidnight)?.before ?? 0;
    for (const d of built) d.before -= origin;
    days = built;
    rangeStart = built[0]!.midnight;
    rangeEnd = zone.at(addDays(lastDate, 1), '00:00').getTime();
  };
  const dateOf = (t: number): string => calendar.day(new Date(t)).date;
  let first = addDays(dateOf(Math.min(from.getTime(), to.getTime())), -3);
  let last = addDays(dateOf(Math.max(from.getTime(), to.getTime())), 3);
  const originMidnight = zone.at(first, '00:00').getTime();
  build(first, last);

  const cover = (t: number): void => {
    if (t >= rangeStart && t < rangeEnd) return;
    const d = dateOf(t);
    if (d < first) first = addDays(d, -3);
    if (d > last) last = addDays(d, 31);
    build(first, last);
  };

  /** Index of the day containing t (t within range). */
  const indexOf = (t: number): number => {
    let lo = 0;
    let hi = days.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (days[mid]!.midnight <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  const msAt = (t: number): number => {
    cover(t);
    const day = days[indexOf(t)]!;
    if (!day.workday) return day.before;
    return day.before + Math.min(Math.max(t - day.start, 0), day.end - day.start);
  };

  return {
    dayHours,
    hoursAt: (at) => msAt(at.getTime()) / HOUR_MS,
    between: (a, b) => (msAt(b.getTime()) - msAt(a.getTime())) / HOUR_MS,
    instantAt(hours) {
      const target = Math.round(hours * HOUR_MS);
      // Extend forward until the range holds that much working time.
      for (let guard = 0; target > totalMs() && guard < 100; guard++) {
        last = addDays(last, 31);
        build(first, last);
      }
      // The first day by whose end the working time reaches the target (a workday, past the origin).
      let lo = 0;
      let hi = days.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (throughEnd(days[mid]!) >= target) hi = mid;
        else lo = mid + 1;
      }
      const day = days[lo]!;
      return new Date(day.start + Math.max(0, target - day.before));
    },
  };

  function totalMs(): number {
    return throughEnd(days[days.length - 1]!);
  }
  function throughEnd(d: Day): number {
    return d.before + (d.workday ? d.end - d.start : 0);
  }
}

function hoursOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) + (m ?? 0) / 60;
}

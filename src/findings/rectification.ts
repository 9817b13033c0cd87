import type { ReminderSettings } from '../../config/org';
import type { WorkCalendar } from '../calendar/work-calendar';
import { createZonedTime, isoDateOf, validIsoDate } from '../calendar/zoned-time';
import type { RectifyKind } from './finding.model';

/**
 * What a unit commits to at 签收 (整改类型, deadline, 整改措施), and the dates people type in
 * chat: "12月20日", "2027-03-31", "2027/3/31", "2027年3月31日", "12-20".
 */

/** 立行立改 is done within this many working days. */
export const IMMEDIATE_DAYS = 3;
export const MAX_MEASURE_CHARS = 500;

export const ACCEPT_SYNTAX = '签收 N、签收 N 立行立改、签收 N 限期 12月20日 措施：…、签收 N 持续 2027-03-31 措施：…';

export interface Acceptance {
  kind: RectifyKind;
  /** null: the deadline set at dispatch stays. */
  deadline: Date | null;
  measure: string | null;
}

const DATE_WORD = String.raw`\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?`;
const KIND_WORD: Record<string, RectifyKind> = { 立行立改: '立行立改', 限期: '限期整改', 限期整改: '限期整改', 持续: '持续整改', 持续整改: '持续整改' };

/**
 * A typed date as 'YYYY-MM-DD'; without a year, the next such day from `today` on. Undefined
 * when it is not a real date.
 */
export function parseDateWord(word: string, today: string): string | undefined {
  const m = /^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(word.trim());
  if (!m) return undefined;
  const [month, day] = [Number(m[2]), Number(m[3])];
  if (m[1]) return validIsoDate(isoDateOf(Number(m[1]), month, day));
  const year = Number(today.slice(0, 4));
  const thisYear = validIsoDate(isoDateOf(year, month, day));
  if (thisYear && thisYear >= today) return thisYear;
  return validIsoDate(isoDateOf(year + 1, month, day)) ?? thisYear;
}

/** A date and what follows it ("12月30日 管材到货推迟"), for 延期. */
export function splitDate(note: string): { date: string; rest: string } | null {
  const m = new RegExp(`^(${DATE_WORD})(?:[\\s,，:：、]+|$)([\\s\\S]*)$`).exec(note.trim());
  return m ? { date: m[1]!, rest: (m[2] ?? '').trim() } : null;
}

/** The end of work on a calendar date: what a deadline on that date means. */
export function deadlineOn(calendar: WorkCalendar, date: string): Date {
  return createZonedTime(calendar.timeZone).at(date, calendar.workHours.end);
}

/**
 * What "签收 N …" commits to, or a Chinese reason it cannot be read. `now` is the time of
 * 签收; 限期 dates are limited to `maxDeadlineDays` working days from then.
 */
export function parseAcceptance(note: string, now: Date, calendar: WorkCalendar, settings: ReminderSettings): Acceptance | { error: string } {
  const text = note.trim();
  const measureAt = text.search(/措施\s*[:：]/);
  const head = (measureAt >= 0 ? text.slice(0, measureAt) : text).trim();
  const measure = measureAt >= 0 ? text.slice(measureAt).replace(/^措施\s*[:：]\s*/, '').trim() : null;
  if (measure !== null && measure === '') return { error: '“措施：”后请写明整改措施，例如：签收 12 限期 12月20日 措施：更换入户管道' };
  if (measure !== null && measure.length > MAX_MEASURE_CHARS) return { error: `整改措施过长（最多 ${MAX_MEASURE_CHARS} 字）` };

  const m = new RegExp(`^(立行立改|限期整改|限期|持续整改|持续)?\\s*(${DATE_WORD})?$`).exec(head);
  if (!m || (!m[1] && m[2])) return { error: `没看懂“${head}”。签收可写：${ACCEPT_SYNTAX}` };
  const kind = KIND_WORD[m[1] ?? '限期'] ?? '限期整改';
  const zone = createZonedTime(calendar.timeZone);
  const today = zone.dateOf(now);

  if (kind === '立行立改') {
    if (m[2]) return { error: `立行立改须在 ${IMMEDIATE_DAYS} 个工作日内完成，不用写日期；要承诺日期请写“签收 N 限期 日期”。` };
    return { kind, deadline: calendar.addWorkingDays(now, IMMEDIATE_DAYS), measure };
  }
  if (!m[2]) {
    if (kind === '持续整改') return { error: '持续整改请写明目标日期，例如：签收 12 持续 2027-03-31 措施：…' };
    return { kind, deadline: null, measure };
  }
  const date = parseDateWord(m[2], today);
  if (!date) return { error: `日期“${m[2]}”无效，请写成 12月20日 或 2027-03-31。` };
  if (date < today) return { error: `日期 ${date} 已经过去，请写今天以后的日期。` };
  const deadline = deadlineOn(calendar, date);
  if (kind === '限期整改') {
    const latest = calendar.addWorkingDays(now, settings.maxDeadlineDays);
    if (deadline.getTime() > latest.getTime()) {
      return { error: `限期整改最长 ${settings.maxDeadlineDays} 个工作日（至 ${zone.dateOf(latest)}）；更长的请选持续整改：签收 N 持续 日期 措施：…` };
    }
  }
  return { kind, deadline, measure };
}

import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { addDays, validIsoDate, yearOf } from './zoned-time';

/**
 * The town's own calendar file (config/calendar-overrides.yaml): days off and working days that
 * win over the State Council data, e.g. a year the package does not have yet, or a local change.
 */

export const DEFAULT_CALENDAR_OVERRIDES = 'config/calendar-overrides.yaml';

/** The longest range one entry may span; longer is almost surely a typo in a year or month. */
const MAX_RANGE_DAYS = 31;

const isoDate = z
  .string({ error: '需要日期（YYYY-MM-DD，建议加引号）/ a date is required' })
  .refine((v) => validIsoDate(v) !== undefined, { message: '日期应为 YYYY-MM-DD 格式的真实日期 / must be a real YYYY-MM-DD date' });

const dayName = z.string({ error: '需要名称，例如“春节” / a name is required' }).trim().min(1, '名称不能为空 / name must not be empty');

const singleDay = z.object({ date: isoDate, name: dayName }).strict();
const dayRange = z
  .object({ from: isoDate, to: isoDate, name: dayName })
  .strict()
  .refine((r) => r.from <= r.to, { message: 'to 不能早于 from / to must not be before from', path: ['to'] })
  .refine((r) => r.to <= addDays(r.from, MAX_RANGE_DAYS - 1), {
    message: `一段最长 ${MAX_RANGE_DAYS} 天 / a range spans at most ${MAX_RANGE_DAYS} days`,
    path: ['to'],
  });

const entry = z.union([singleDay, dayRange], {
  error: '每项应为 { date, name } 或 { from, to, name } / each entry is { date, name } or { from, to, name }',
});
// An empty key (`holidays:` with nothing under it) reads as null in YAML: same as an empty list.
const entries = z
  .array(entry)
  .nullish()
  .transform((v) => v ?? []);

export const calendarOverridesSchema = z
  .object({
    officialYears: z
      .array(z.number().int().min(1900).max(2199), { error: '应为年份列表，例如 [2027] / must be a list of years' })
      .nullish()
      .transform((v) => v ?? []),
    holidays: entries,
    workdays: entries,
  })
  .strict()
  .superRefine((o, ctx) => {
    const offDays = new Set(o.holidays.flatMap(datesOf));
    o.workdays.forEach((w, i) => {
      const clash = datesOf(w).find((d) => offDays.has(d));
      if (clash !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['workdays', i], message: `${clash} 同时列为放假和上班 / listed both as a holiday and a workday` });
      }
    });
  });

/** What a caller may pass (every key optional); createWorkCalendar validates it the same way as the file. */
export type CalendarOverrides = z.input<typeof calendarOverridesSchema>;
export type ParsedOverrides = z.output<typeof calendarOverridesSchema>;
type Entry = ParsedOverrides['holidays'][number];

function datesOf(e: Entry): string[] {
  if ('date' in e) return [e.date];
  const dates: string[] = [];
  for (let d = e.from; d <= e.to; d = addDays(d, 1)) dates.push(d);
  return dates;
}

export class CalendarOverridesError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`日历补充文件 ${file} 有误 / invalid calendar overrides:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CalendarOverridesError';
  }
}

/** The overrides in the form the calendar looks days up in. */
export interface ResolvedOverrides {
  days: ReadonlyMap<string, { workday: boolean; name: string }>;
  officialYears: ReadonlySet<number>;
  /** Years that have at least one entry, official or not. */
  years: ReadonlySet<number>;
}

/** Validates overrides (from the file or from code); problems name the source and the place inside it. */
export function parseCalendarOverrides(input: unknown, source = '(代码传入 / passed in code)'): ParsedOverrides {
  const parsed = calendarOverridesSchema.safeParse(input ?? {});
  if (!parsed.success) throw new CalendarOverridesError(source, parsed.error.issues.map((i) => `${pathText(i.path)}: ${i.message}`));
  return parsed.data;
}

export function resolveCalendarOverrides(input: CalendarOverrides | undefined): ResolvedOverrides {
  const overrides = parseCalendarOverrides(input);
  const days = new Map<string, { workday: boolean; name: string }>();
  for (const e of overrides.holidays) for (const d of datesOf(e)) days.set(d, { workday: false, name: e.name });
  for (const e of overrides.workdays) for (const d of datesOf(e)) days.set(d, { workday: true, name: e.name });
  return {
    days,
    officialYears: new Set(overrides.officialYears),
    years: new Set([...days.keys()].map(yearOf)),
  };
}

/** Reads and validates the file; every problem names the file and the place inside it. */
export function loadCalendarOverrides(file: string = DEFAULT_CALENDAR_OVERRIDES): CalendarOverrides {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CalendarOverridesError(file, [`无法读取文件 / cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new CalendarOverridesError(
      file,
      doc.errors.map((e) => `第 ${e.linePos?.[0]?.line ?? '?'} 行 / line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  // A file of comments only is an empty set of overrides.
  return parseCalendarOverrides(doc.toJS(), file);
}

function pathText(path: PropertyKey[]): string {
  return path.reduce<string>((text, p) => (typeof p === 'number' ? `${text}[${p}]` : text ? `${text}.${String(p)}` : String(p)), '') || '(文件顶层 / top level)';
}

import chineseDays from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { yearOf } from './zoned-time';

/**
 * The State Council's holiday arrangements (国务院办公厅节假日安排) as kept by the chinese-days
 * package. Its data file is read rather than its functions, because those parse and format dates
 * in the machine's local time zone and so shift a day on some machines.
 */

interface OfficialData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

// Values look like "National Day,国庆节,3": English name, Chinese name, statutory day count.
const data: OfficialData = chineseDays;

/** Names as the State Council's notices write them; the package shortens some (清明, 端午, 中秋). */
const NAMES: Record<string, string> = {
  "New Year's Day": '元旦',
  'Spring Festival': '春节',
  'Tomb-sweeping Day': '清明节',
  'Labour Day': '劳动节',
  'Dragon Boat Festival': '端午节',
  'Mid-autumn Festival': '中秋节',
  'National Day': '国庆节',
};

function festivalName(value: string): string {
  const [english = '', chinese] = value.split(',');
  return NAMES[english] ?? chinese ?? english;
}

export interface OfficialDay {
  /** false: a day off (节假日); true: a make-up working day (调休上班) on a weekend. */
  workday: boolean;
  /** The festival the day belongs to, e.g. 国庆节. */
  festival: string;
}

/** The years whose arrangement the package holds. */
export const OFFICIAL_YEARS: ReadonlySet<number> = new Set(
  [...Object.keys(data.holidays), ...Object.keys(data.workdays)].map(yearOf),
);

/** The official entry for a date, or undefined for a day the arrangement leaves to the weekday rule. */
export function officialDay(date: string): OfficialDay | undefined {
  const work = data.workdays[date];
  if (work !== undefined) return { workday: true, festival: festivalName(work) };
  const off = data.holidays[date];
  if (off !== undefined) return { workday: false, festival: festivalName(off) };
  return undefined;
}

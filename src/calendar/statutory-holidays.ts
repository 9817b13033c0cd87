import { Lunar, Solar, type Solar as SolarDay } from 'lunar-javascript';
import { addDays, isoDateOf } from './zoned-time';

/**
 * The holidays the law itself fixes (《全国年节及纪念日放假办法》, as amended for 2025 on):
 * 元旦 1 day, 春节 4 days (除夕 to 正月初三), 清明节 1 day, 劳动节 2 days, 端午节 1 day,
 * 中秋节 1 day, 国庆节 3 days. Used for a year whose State Council arrangement is not known yet,
 * so the calendar still rests on those days; the make-up workdays and the bridging of weekends
 * are decided each year by the State Council and cannot be derived.
 */

const solarDate = (d: SolarDay): string => isoDateOf(d.getYear(), d.getMonth(), d.getDay());

/** The Gregorian date of a lunar month/day of the lunar year that starts in `year`. */
const lunarDate = (year: number, month: number, day: number): string => solarDate(Lunar.fromYmd(year, month, day).getSolar());

/** Statutory holidays of a Gregorian year: date → name. Days on which two fall (中秋 on 10-01) carry both names. */
export function statutoryHolidays(year: number): Map<string, string> {
  const days = new Map<string, string>();
  const add = (date: string, name: string): void => {
    const other = days.get(date);
    days.set(date, other === undefined ? name : `${other}、${name}`);
  };

  add(isoDateOf(year, 1, 1), '元旦');

  // 春节 always falls between 21 January and 20 February, so 除夕 (the last day of the twelfth lunar
  // month, whether it has 29 or 30 days) is simply the day before 正月初一, in the same Gregorian year.
  const newYear = lunarDate(year, 1, 1);
  for (let i = -1; i <= 2; i++) add(addDays(newYear, i), '春节');

  // 清明 is a solar term (4 or 5 April), not a lunar date; the lunar year containing April holds it.
  const qingming = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()['清明'];
  if (!qingming) throw new Error(`lunar-javascript gave no 清明 for ${year}`);
  add(solarDate(qingming), '清明节');

  add(isoDateOf(year, 5, 1), '劳动节');
  add(isoDateOf(year, 5, 2), '劳动节');
  add(lunarDate(year, 5, 5), '端午节');
  for (let d = 1; d <= 3; d++) add(isoDateOf(year, 10, d), '国庆节');
  add(lunarDate(year, 8, 15), '中秋节');
  return days;
}

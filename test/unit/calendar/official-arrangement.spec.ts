import { expect } from 'chai';
import chineseDays from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import year2026 from 'chinese-days/dist/years/2026.json' with { type: 'json' };
import { createWorkCalendar } from '../../../src/calendar/work-calendar';
import { addDays, weekdayOf } from '../../../src/calendar/zoned-time';

const calendar = createWorkCalendar({});

/** Every date of a year, 'YYYY-MM-DD'. */
function datesOfYear(year: number): string[] {
  const dates: string[] = [];
  for (let d = `${year}-01-01`; d.startsWith(String(year)); d = addDays(d, 1)) dates.push(d);
  return dates;
}

describe('work calendar: official arrangements from chinese-days', () => {
  it('covers 2004 to 2026 and reports every other year as missing', () => {
    const covered = Array.from({ length: 23 }, (_, i) => 2004 + i);
    expect(calendar.missingOfficialYears(covered)).to.deep.equal([]);
    expect(calendar.missingOfficialYears([2003, 2026, 2031, 2031])).to.deep.equal([2003, 2031]);
  });

  it('agrees with the package per-year file on every day of 2026', () => {
    const { holidays, workdays } = year2026 as { holidays: Record<string, string>; workdays: Record<string, string> };
    for (const date of datesOfYear(2026)) {
      const day = calendar.day(date);
      const weekday = weekdayOf(date);
      expect(day.official, date).to.equal(true);
      if (workdays[date]) {
        expect(day.workday, date).to.equal(true);
        expect(day.name, date).to.match(/调休上班$/);
      } else if (holidays[date]) {
        expect(day.workday, date).to.equal(false);
        expect(day.name, date).to.be.a('string');
      } else {
        expect(day.workday, date).to.equal(weekday >= 1 && weekday <= 5);
        expect(day.name, date).to.equal(null);
      }
    }
  });

  it('agrees with the package data on every day of 2004-2026', () => {
    const { holidays, workdays } = chineseDays as { holidays: Record<string, string>; workdays: Record<string, string> };
    for (let year = 2004; year <= 2026; year++) {
      for (const date of datesOfYear(year)) {
        const weekday = weekdayOf(date);
        const expected = workdays[date] !== undefined || (holidays[date] === undefined && weekday >= 1 && weekday <= 5);
        expect(calendar.isWorkday(date), date).to.equal(expected);
      }
    }
  });

  // 国务院办公厅关于2026年部分节假日安排的通知, as quoted in the package's source.
  const official2026: [string, boolean, string | null][] = [
    // 元旦：1月1日（周四）至3日（周六）放假调休，共3天，1月4日（周日）上班
    ['2026-01-01', false, '元旦'],
    ['2026-01-02', false, '元旦'],
    ['2026-01-03', false, '元旦'],
    ['2026-01-04', true, '元旦调休上班'],
    ['2026-01-05', true, null],
    // 春节：2月15日（周日）至23日（周一）放假调休，共9天，2月14日（周六）、2月28日（周六）上班
    ['2026-02-13', true, null],
    ['2026-02-14', true, '春节调休上班'],
    ['2026-02-15', false, '春节'],
    ['2026-02-16', false, '春节'],
    ['2026-02-17', false, '春节'],
    ['2026-02-18', false, '春节'],
    ['2026-02-19', false, '春节'],
    ['2026-02-20', false, '春节'],
    ['2026-02-21', false, '春节'],
    ['2026-02-22', false, '春节'],
    ['2026-02-23', false, '春节'],
    ['2026-02-24', true, null],
    ['2026-02-28', true, '春节调休上班'],
    ['2026-03-01', false, null],
    // 清明节：4月4日（周六）至6日（周一）放假，共3天
    ['2026-04-03', true, null],
    ['2026-04-04', false, '清明节'],
    ['2026-04-05', false, '清明节'],
    ['2026-04-06', false, '清明节'],
    ['2026-04-07', true, null],
    // 劳动节：5月1日（周五）至5日（周二）放假调休，共5天，5月9日（周六）上班
    ['2026-05-01', false, '劳动节'],
    ['2026-05-05', false, '劳动节'],
    ['2026-05-06', true, null],
    ['2026-05-09', true, '劳动节调休上班'],
    ['2026-05-10', false, null],
    // 端午节：6月19日（周五）至21日（周日）放假，共3天
    ['2026-06-18', true, null],
    ['2026-06-19', false, '端午节'],
    ['2026-06-21', false, '端午节'],
    ['2026-06-22', true, null],
    // 中秋节：9月25日（周五）至27日（周日）放假，共3天
    ['2026-09-25', false, '中秋节'],
    ['2026-09-27', false, '中秋节'],
    ['2026-09-28', true, null],
    // 国庆节：10月1日（周四）至7日（周三）放假调休，共7天，9月20日（周日）、10月10日（周六）上班
    ['2026-09-20', true, '国庆节调休上班'],
    ['2026-09-30', true, null],
    ['2026-10-01', false, '国庆节'],
    ['2026-10-04', false, '国庆节'],
    ['2026-10-07', false, '国庆节'],
    ['2026-10-08', true, null],
    ['2026-10-10', true, '国庆节调休上班'],
    ['2026-10-11', false, null],
  ];
  for (const [date, workday, name] of official2026) {
    it(`2026 official: ${date} is ${workday ? 'worked' : 'off'}${name ? ` (${name})` : ''}`, () => {
      expect(calendar.day(date)).to.deep.equal({ date, workday, name, official: true });
    });
  }

  it('takes a Date as its date in Asia/Shanghai, whatever the machine zone', () => {
    // 16:30 UTC on 30 September is 00:30 on 1 October in Shanghai.
    expect(calendar.day(new Date('2026-09-30T16:30:00Z')).date).to.equal('2026-10-01');
    expect(calendar.isWorkday(new Date('2026-09-30T16:30:00Z'))).to.equal(false);
    expect(calendar.isWorkday(new Date('2026-09-30T15:59:59Z'))).to.equal(true);
  });

  it('refuses a date that is not a real YYYY-MM-DD date, in Chinese', () => {
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-5', 'tomorrow', '']) {
      expect(() => calendar.day(bad), bad).to.throw(/日期.*无效/);
    }
    expect(() => calendar.day(new Date('nonsense'))).to.throw(/时间无效/);
  });
});

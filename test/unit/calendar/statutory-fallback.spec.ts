import { expect } from 'chai';
import chineseDaysApi from 'chinese-days';
import chineseDays from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { createWorkCalendar, missingOfficialNotice } from '../../../src/calendar/work-calendar';
import { statutoryHolidays } from '../../../src/calendar/statutory-holidays';

const officialHolidays = (chineseDays as { holidays: Record<string, string> }).holidays;

function warnings(): { calls: { year: unknown; message: string }[]; warn: (obj: object, message: string) => void } {
  const calls: { year: unknown; message: string }[] = [];
  return { calls, warn: (obj, message) => calls.push({ year: (obj as { year?: unknown }).year, message }) };
}

describe('work calendar: statutory holidays for a year without an official arrangement', () => {
  const calendar = createWorkCalendar({});

  it('2031 is beyond the package data', () => {
    expect(calendar.missingOfficialYears([2031])).to.deep.equal([2031]);
  });

  it('knows 2031 from the law: 元旦, 春节 除夕-初三, 清明, 劳动节 5/1-2, 端午, 中秋 on 国庆, 国庆 10/1-3', () => {
    const expected: [string, string][] = [
      ['2031-01-01', '元旦'],
      // 正月初一 is 23 January; 腊月 of 2030 has 29 days, so 除夕 is 腊月二十九, 22 January.
      ['2031-01-22', '春节'],
      ['2031-01-23', '春节'],
      ['2031-01-24', '春节'],
      ['2031-01-25', '春节'],
      ['2031-04-05', '清明节'],
      ['2031-05-01', '劳动节'],
      ['2031-05-02', '劳动节'],
      ['2031-06-24', '端午节'],
      ['2031-10-01', '国庆节、中秋节'],
      ['2031-10-02', '国庆节'],
      ['2031-10-03', '国庆节'],
    ];
    expect([...statutoryHolidays(2031)]).to.have.deep.members(expected);
    for (const [date, name] of expected) {
      expect(calendar.day(date), date).to.deep.equal({ date, workday: false, name, official: false });
    }
  });

  it('finds 除夕 on 腊月三十 when the twelfth month is long (2033)', () => {
    const days = statutoryHolidays(2033);
    expect(days.get('2033-01-29')).to.equal(undefined);
    expect(['2033-01-30', '2033-01-31', '2033-02-01', '2033-02-02'].map((d) => days.get(d))).to.deep.equal(['春节', '春节', '春节', '春节']);
    expect(days.get('2033-04-04')).to.equal('清明节');
    expect(days.get('2033-06-01')).to.equal('端午节');
    expect(days.get('2033-09-08')).to.equal('中秋节');
  });

  it('otherwise works Monday to Friday with no make-up days, and says the year is not official', () => {
    expect(calendar.day('2031-01-21')).to.deep.equal({ date: '2031-01-21', workday: true, name: null, official: false });
    expect(calendar.day('2031-01-26')).to.deep.equal({ date: '2031-01-26', workday: false, name: null, official: false }); // Sunday
    expect(calendar.day('2031-10-06')).to.deep.equal({ date: '2031-10-06', workday: true, name: null, official: false });
  });

  it('matches the official holidays of 2025 and 2026, the years under the amended law', () => {
    for (const year of [2025, 2026]) {
      for (const date of statutoryHolidays(year).keys()) expect(officialHolidays[date], date).to.be.a('string');
    }
  });

  it('finds the lunar and solar-term days the official arrangements of 2008-2024 rest on', () => {
    const calendar = createWorkCalendar({});
    for (let year = 2008; year <= 2024; year++) {
      const days = [...statutoryHolidays(year)];
      // Before 2025 除夕 (the first 春节 day here) and 5月2日 were not statutory: only the others are checked.
      const eve = days.findIndex(([, name]) => name === '春节');
      const checked = days.filter(([date], i) => i !== eve && date !== `${year}-05-02`);
      // Not a working day, rather than listed as a holiday: the package leaves out 2012-06-23, a
      // Saturday inside that year's 端午 break (a slip in its source, harmless to the workday answer).
      for (const [date] of checked) expect(calendar.isWorkday(date), `${year}: ${date}`).to.equal(false);
      for (const [date] of checked.filter(([date]) => date !== '2012-06-23')) expect(officialHolidays[date], `${year}: ${date}`).to.be.a('string');
    }
  });

  it('agrees with chinese-days own lunar calendar and solar terms for 2027-2060', function () {
    // chinese-days' functions read dates in the machine's zone and slip a day west of UTC.
    if (new Date(2030, 0, 1).getTimezoneOffset() > 0) this.skip();
    for (let year = 2027; year <= 2060; year++) {
      const days = statutoryHolidays(year);
      const festivals = chineseDaysApi.getLunarFestivals(`${year}-01-01`, `${year}-12-31`);
      const on = (festival: string): string[] => festivals.filter((f) => f.name.includes(festival)).map((f) => f.date);
      for (const festival of ['除夕', '春节', '端午节', '中秋节']) {
        const dates = on(festival).filter((d) => d.startsWith(String(year)));
        expect(dates, `${year} ${festival}`).to.have.length.greaterThan(0);
        for (const date of dates) expect(days.get(date), `${year} ${festival} ${date}`).to.be.a('string');
      }
      const qingming = chineseDaysApi.getSolarTermDate(year, 4, 'pure_brightness');
      expect(days.get(qingming), `${year} 清明 ${qingming}`).to.equal('清明节');
    }
  });

  it('warns in the log once per year that lacks an official arrangement', () => {
    const log = warnings();
    const cal = createWorkCalendar({ logger: log });
    cal.day('2026-10-01');
    expect(log.calls).to.deep.equal([]);
    cal.day('2031-05-01');
    cal.isWorkday('2031-06-01');
    cal.day('2032-01-01');
    expect(log.calls.map((c) => c.year)).to.deep.equal([2031, 2032]);
    expect(log.calls[0]?.message).to.contain('2031 年的国务院办公厅节假日安排尚未录入');
  });

  it('gives the digest a notice when the coming weeks reach a year without an arrangement', () => {
    expect(missingOfficialNotice(calendar, new Date('2026-06-01T01:00:00Z'))).to.equal(null);
    // December looks into the next year: 2030 is entered by the town, 2031 is not.
    const townHas2030 = createWorkCalendar({ overrides: { officialYears: [2030] } });
    expect(missingOfficialNotice(townHas2030, new Date('2030-11-20T01:00:00Z'))).to.equal(null);
    const notice = missingOfficialNotice(townHas2030, new Date('2030-12-10T01:00:00Z'));
    expect(notice).to.match(/^2031 年/).and.contain('calendar-overrides.yaml').and.contain('officialYears');
    expect(missingOfficialNotice(calendar, new Date('2031-03-01T01:00:00Z'))).to.contain('2031 年');
  });

  it('takes a year the overrides declare official from the overrides alone', () => {
    const cal = createWorkCalendar({
      overrides: {
        officialYears: [2031],
        holidays: [{ from: '2031-01-22', to: '2031-01-28', name: '春节' }],
        workdays: [{ date: '2031-01-19', name: '春节调休上班' }],
      },
    });
    expect(cal.missingOfficialYears([2031])).to.deep.equal([]);
    expect(cal.day('2031-01-27')).to.deep.equal({ date: '2031-01-27', workday: false, name: '春节', official: true });
    expect(cal.day('2031-01-19')).to.deep.equal({ date: '2031-01-19', workday: true, name: '春节调休上班', official: true });
    // Not listed, so a working Friday: the statutory rule is not mixed into an official year.
    expect(cal.day('2031-05-02')).to.deep.equal({ date: '2031-05-02', workday: true, name: null, official: true });
  });
});

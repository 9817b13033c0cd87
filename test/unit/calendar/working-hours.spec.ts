import { expect } from 'chai';
import { createWorkCalendar, parseWorkHours } from '../../../src/calendar/work-calendar';

/** An instant given as Shanghai wall-clock time, so the tests mean the same on any machine. */
const sh = (local: string): Date => new Date(`${local}+08:00`);
const iso = (d: Date): string => d.toISOString();

/** One test per row: [from (Shanghai time), amount, expected (Shanghai time), what the row shows]. */
function table(unit: string, rows: [string, number, string, string][], op: (from: Date, amount: number) => Date): void {
  for (const [from, amount, expected, what] of rows) {
    it(`${from} + ${amount} ${unit} = ${expected} (${what})`, () => {
      expect(iso(op(sh(from), amount))).to.equal(iso(sh(expected)));
    });
  }
}

describe('work calendar: working hours (08:30-17:30, Asia/Shanghai)', () => {
  const calendar = createWorkCalendar({ workHours: '08:30-17:30' });

  describe('parseWorkHours', () => {
    it('reads HH:mm-HH:mm', () => {
      expect(parseWorkHours('08:30-17:30')).to.deep.equal({ start: '08:30', end: '17:30' });
      expect(parseWorkHours(' 09:00 - 12:00 ')).to.deep.equal({ start: '09:00', end: '12:00' });
    });
    it('refuses a bad string or an end not after the start, in Chinese', () => {
      expect(() => parseWorkHours('8:30-17:30')).to.throw(/格式有误/);
      expect(() => parseWorkHours('08:30')).to.throw(/格式有误/);
      expect(() => parseWorkHours('17:30-08:30')).to.throw(/下班时间须晚于上班时间/);
      expect(() => createWorkCalendar({ workHours: '25:00-26:00' })).to.throw(/格式有误/);
    });
  });

  it('is working time on a workday from the start (inclusive) to the end (exclusive)', () => {
    expect(calendar.isWorkingTime(sh('2026-10-12T08:29:59'))).to.equal(false);
    expect(calendar.isWorkingTime(sh('2026-10-12T08:30:00'))).to.equal(true);
    expect(calendar.isWorkingTime(sh('2026-10-12T17:29:59'))).to.equal(true);
    expect(calendar.isWorkingTime(sh('2026-10-12T17:30:00'))).to.equal(false);
    expect(calendar.isWorkingTime(sh('2026-10-01T10:00:00'))).to.equal(false); // 国庆节
    expect(calendar.isWorkingTime(sh('2026-10-11T10:00:00'))).to.equal(false); // Sunday
    expect(calendar.isWorkingTime(sh('2026-10-10T10:00:00'))).to.equal(true); // Saturday, 调休上班
  });

  it('finds the next working time: itself, later today, after a weekend, on a make-up Sunday, after 国庆', () => {
    expect(iso(calendar.nextWorkingTime(sh('2026-10-12T10:15:00')))).to.equal(iso(sh('2026-10-12T10:15:00')));
    expect(iso(calendar.nextWorkingTime(sh('2026-10-12T06:00:00')))).to.equal(iso(sh('2026-10-12T08:30:00')));
    expect(iso(calendar.nextWorkingTime(sh('2026-10-16T17:30:00')))).to.equal(iso(sh('2026-10-19T08:30:00')));
    expect(iso(calendar.nextWorkingTime(sh('2026-09-18T18:00:00')))).to.equal(iso(sh('2026-09-20T08:30:00')));
    expect(iso(calendar.nextWorkingTime(sh('2026-09-30T17:45:00')))).to.equal(iso(sh('2026-10-08T08:30:00')));
  });

  describe('addWorkingHours', () => {
    table('h', [
      ['2026-10-12T09:00:00', 1.25, '2026-10-12T10:15:00', 'fractional, within a day'],
      ['2026-10-12T06:00:00', 1, '2026-10-12T09:30:00', 'before hours: counts from the start'],
      ['2026-10-12T20:00:00', 1, '2026-10-13T09:30:00', 'after hours: counts from the next morning'],
      ['2026-10-12T17:00:00', 0.5, '2026-10-12T17:30:00', 'ending exactly at the end of the day stays on that day'],
      ['2026-10-12T17:00:00', 0.75, '2026-10-13T08:45:00', 'a quarter hour spills into the next morning'],
      ['2026-10-16T15:30:00', 4, '2026-10-19T10:30:00', 'across a weekend'],
      ['2026-09-30T16:00:00', 4, '2026-10-08T11:00:00', 'across the 国庆 week'],
      ['2026-10-09T16:30:00', 2, '2026-10-10T09:30:00', 'onto the make-up Saturday'],
      ['2026-10-12T10:00:00', 18, '2026-10-14T10:00:00', 'two whole working days'],
      ['2026-10-03T12:00:00', 0, '2026-10-08T08:30:00', 'zero hours from a holiday is the next start of work'],
    ], (from, hours) => calendar.addWorkingHours(from, hours));
    it('refuses negative or non-finite hours', () => {
      expect(() => calendar.addWorkingHours(sh('2026-10-12T09:00:00'), -1)).to.throw(/非负数/);
      expect(() => calendar.addWorkingHours(sh('2026-10-12T09:00:00'), Number.NaN)).to.throw(/非负数/);
    });
  });

  describe('workingHoursBetween', () => {
    it('counts only working time, fractional', () => {
      expect(calendar.workingHoursBetween(sh('2026-10-12T09:00:00'), sh('2026-10-12T09:45:00'))).to.equal(0.75);
      expect(calendar.workingHoursBetween(sh('2026-10-12T06:00:00'), sh('2026-10-12T20:00:00'))).to.equal(9);
      expect(calendar.workingHoursBetween(sh('2026-10-16T12:00:00'), sh('2026-10-19T12:00:00'))).to.equal(9);
      expect(calendar.workingHoursBetween(sh('2026-09-30T16:00:00'), sh('2026-10-08T11:00:00'))).to.equal(4);
      expect(calendar.workingHoursBetween(sh('2026-10-01T00:00:00'), sh('2026-10-07T23:59:00'))).to.equal(0);
    });
    it('is negative when to is before from, and the inverse of addWorkingHours', () => {
      expect(calendar.workingHoursBetween(sh('2026-10-12T09:45:00'), sh('2026-10-12T09:00:00'))).to.equal(-0.75);
      const from = sh('2026-09-29T14:10:00');
      expect(calendar.workingHoursBetween(from, calendar.addWorkingHours(from, 13.5))).to.equal(13.5);
    });
  });

  describe('addWorkingDays (deadlines)', () => {
    table('d', [
      ['2026-10-12T10:00:00', 1, '2026-10-13T17:30:00', 'dispatched Monday 10:00 + 1 is Tuesday 17:30'],
      ['2026-10-12T20:00:00', 1, '2026-10-13T17:30:00', 'after hours still counts from that day'],
      ['2026-10-12T10:00:00', 7, '2026-10-21T17:30:00', 'the default 7 working days'],
      ['2026-10-16T10:00:00', 1, '2026-10-19T17:30:00', 'Friday + 1 is Monday'],
      ['2026-09-30T10:00:00', 1, '2026-10-08T17:30:00', 'over 国庆'],
      ['2026-09-28T10:00:00', 7, '2026-10-13T17:30:00', 'over 国庆, counting the make-up Saturday 10-10'],
      ['2026-10-12T10:00:00', 0, '2026-10-12T17:30:00', '0 is the end of that day'],
      ['2026-10-03T10:00:00', 0, '2026-10-08T17:30:00', '0 on a holiday is the end of the next working day'],
    ], (from, days) => calendar.addWorkingDays(from, days));
    it('refuses a negative or fractional count', () => {
      expect(() => calendar.addWorkingDays(sh('2026-10-12T10:00:00'), -1)).to.throw(/非负整数/);
      expect(() => calendar.addWorkingDays(sh('2026-10-12T10:00:00'), 1.5)).to.throw(/非负整数/);
    });
  });

  it('gives the start and end of work hours of the Shanghai date of an instant', () => {
    // 20:00 UTC on 11 October is 04:00 on 12 October in Shanghai.
    expect(iso(calendar.startOfWorkday(new Date('2026-10-11T20:00:00Z')))).to.equal('2026-10-12T00:30:00.000Z');
    expect(iso(calendar.endOfWorkday(new Date('2026-10-11T20:00:00Z')))).to.equal('2026-10-12T09:30:00.000Z');
  });

  it('takes other work hours and another time zone (one with daylight saving)', () => {
    const berlin = createWorkCalendar({ workHours: '09:00-12:00', timeZone: 'Europe/Berlin' });
    expect(berlin.timeZone).to.equal('Europe/Berlin');
    // Summer time starts on 29 March 2026: 09:00 is 08:00 UTC before and 07:00 UTC after.
    expect(iso(berlin.startOfWorkday(new Date('2026-03-27T12:00:00Z')))).to.equal('2026-03-27T08:00:00.000Z');
    expect(iso(berlin.startOfWorkday(new Date('2026-03-30T12:00:00Z')))).to.equal('2026-03-30T07:00:00.000Z');
    expect(iso(berlin.addWorkingHours(new Date('2026-03-27T10:00:00Z'), 2))).to.equal('2026-03-30T08:00:00.000Z');
    expect(() => createWorkCalendar({ timeZone: 'Mars/Olympus' })).to.throw(/时区.*无效/);
  });
});

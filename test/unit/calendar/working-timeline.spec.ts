import { expect } from 'chai';
import { createWorkCalendar } from '../../../src/calendar/work-calendar';
import { createWorkingTimeline } from '../../../src/calendar/working-timeline';

const sh = (local: string): Date => new Date(`${local}+08:00`);

describe('working timeline (the work calendar laid out for many look-ups)', () => {
  const calendar = createWorkCalendar({ workHours: '08:30-17:30' });

  it('agrees with workingHoursBetween across the 国庆 2026 holidays, make-up days and weekends', () => {
    const from = sh('2026-09-10T00:00:00').getTime();
    const span = 50 * 86_400_000;
    const timeline = createWorkingTimeline(calendar, new Date(from), new Date(from + span));
    // 400 pairs spread over the span by two co-prime strides (minutes), so every time of day occurs.
    for (let i = 0; i < 400; i++) {
      const a = new Date(from + ((i * 7_919) % (span / 60_000)) * 60_000);
      const b = new Date(from + ((i * 104_729 + 3_001) % (span / 60_000)) * 60_000);
      expect(timeline.between(a, b)).to.be.closeTo(calendar.workingHoursBetween(a, b), 1e-9, `${a.toISOString()} → ${b.toISOString()}`);
    }
  });

  it('finds the instant a number of working hours on, as addWorkingHours does', () => {
    const start = sh('2026-09-29T15:00:00');
    const timeline = createWorkingTimeline(calendar, start, start);
    for (const hours of [0.5, 2.5, 4, 8, 9, 11.5, 20, 45]) {
      const expected = calendar.addWorkingHours(start, hours);
      expect(timeline.instantAt(timeline.hoursAt(start) + hours).toISOString()).to.equal(expected.toISOString(), `${hours} h`);
    }
    // 2.5 h reach the end of Tuesday 29 Sep: the instant stays on that day.
    expect(timeline.instantAt(timeline.hoursAt(start) + 2.5).toISOString()).to.equal(sh('2026-09-29T17:30:00').toISOString());
    // 12 h: all of Wednesday 30 Sep, then the holidays, then half an hour of Thursday 8 Oct.
    expect(timeline.instantAt(timeline.hoursAt(start) + 12).toISOString()).to.equal(sh('2026-10-08T09:00:00').toISOString());
  });

  it('grows its range both ways without changing the answers', () => {
    const timeline = createWorkingTimeline(calendar, sh('2026-10-12T09:00:00'), sh('2026-10-12T10:00:00'));
    const a = sh('2026-10-12T09:00:00');
    const before = timeline.hoursAt(a);
    expect(timeline.between(sh('2026-08-03T08:30:00'), a)).to.be.closeTo(calendar.workingHoursBetween(sh('2026-08-03T08:30:00'), a), 1e-9);
    expect(timeline.between(a, sh('2026-12-31T12:00:00'))).to.be.closeTo(calendar.workingHoursBetween(a, sh('2026-12-31T12:00:00')), 1e-9);
    expect(timeline.hoursAt(a)).to.equal(before);
    expect(timeline.dayHours).to.equal(9);
  });
});

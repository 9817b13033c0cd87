import { expect } from 'chai';
import { createWorkCalendar } from '../../../src/calendar/work-calendar';
import { createWorkingTimeline } from '../../../src/calendar/working-timeline';
import { lookAheadHours, slotKey, slotsOf, type ReminderFinding } from '../../../src/reminders/reminder.rules';

const sh = (local: string): Date => new Date(`${local}+08:00`);
const settings = { acceptWithinHours: 4, deadlineDays: 7, repeatEveryHours: 4, escalateAfter: 3, maxDeadlineDays: 20, progressEveryDays: 10, staleDays: 5, workHours: '08:30-17:30' };
const calendar = createWorkCalendar({ workHours: settings.workHours });
const timeline = createWorkingTimeline(calendar, sh('2026-09-01T00:00:00'), sh('2026-11-01T00:00:00'));

function finding(over: Partial<ReminderFinding>): ReminderFinding {
  return {
    no: 1,
    status: 'dispatched',
    task: 5,
    departments: ['农业服务站'],
    village: '东岭村',
    cadre: 'zhuxia',
    reporter: 'zhuxia',
    deadline: sh('2026-10-14T17:30:00'),
    dispatchedAt: sh('2026-09-29T15:00:00'),
    rectifiedAt: null,
    updatedAt: sh('2026-09-29T15:00:00'),
    ...over,
  };
}

/** The slots at a Shanghai time, as "slot/count/escalation", early ones marked with "~". */
const at = (f: ReminderFinding, local: string): string[] =>
  slotsOf(f, settings, timeline, sh(local), lookAheadHours(settings)).map((d) => `${d.early ? '~' : ''}${d.kind}:${d.slot}/${d.count}${d.escalation !== null ? `/esc${d.escalation}` : ''}`);

describe('reminder rules: which slot is due when (08:30-17:30, 国庆 2026)', () => {
  const dispatched = finding({});

  it('reminds to accept after 4 working hours, then every 4, across the 国庆 holidays', () => {
    expect(at(dispatched, '2026-09-29T17:00:00')).to.deep.equal([]);
    expect(at(dispatched, '2026-09-30T09:00:00')).to.deep.equal(['~accept:0/1']); // due at 10:00: only early
    expect(at(dispatched, '2026-09-30T10:00:00')).to.deep.equal(['accept:0/1']);
    expect(at(dispatched, '2026-09-30T13:59:00')).to.deep.equal(['accept:0/1', '~accept:1/2']);
    expect(at(dispatched, '2026-09-30T14:00:00')).to.deep.equal(['accept:1/2']);
    // 1-7 Oct are holidays: the working-hours clock stands still.
    expect(at(dispatched, '2026-10-05T10:00:00')).to.deep.equal(at(dispatched, '2026-09-30T17:29:00'));
    expect(at(dispatched, '2026-10-08T09:00:00')).to.deep.equal(['accept:2/3']);
    expect(at(dispatched, '2026-10-08T13:00:00')).to.deep.equal(['accept:3/4/esc0']); // after 3 reminders the leaders hear of it
    expect(at(dispatched, '2026-10-09T12:00:00')).to.deep.equal(['accept:5/6/esc0']);
    expect(at(dispatched, '2026-10-09T16:00:00')).to.deep.equal(['accept:6/7/esc1']);
  });

  it('reminds an accepted finding on the deadline day (黄) and on each working day after it; turning 红 goes to the leaders at once', () => {
    const accepted = finding({ status: 'accepted', enteredAt: sh('2026-10-12T09:00:00') });
    expect(at(accepted, '2026-10-13T17:00:00')).to.deep.equal([]);
    expect(at(accepted, '2026-10-14T08:30:00')).to.deep.equal(['deadline:due/1']);
    expect(at(accepted, '2026-10-14T17:29:00')).to.deep.equal(['deadline:due/1']);
    expect(at(accepted, '2026-10-15T08:30:00')).to.deep.equal(['deadline:over0/2/esc0']);
    expect(at(accepted, '2026-10-16T16:00:00')).to.deep.equal(['deadline:over1/3/esc0']);
    expect(at(accepted, '2026-10-19T08:30:00')).to.deep.equal(['deadline:over2/4/esc0']);
    expect(at(accepted, '2026-10-20T08:30:00')).to.deep.equal(['deadline:over3/5/esc1']); // again after 3 more working days
    // Over the weekend the slot is already Monday's; the job sends nothing outside working time.
    expect(at(accepted, '2026-10-17T10:00:00')).to.deep.equal(at(accepted, '2026-10-19T08:30:00'));
  });

  it('asks an accepted finding quiet for 5 working days for progress (黄) once per quiet stretch; a 进展 starts it again', () => {
    // Accepted Tue 29 Sep 15:00; 1-7 Oct are holidays, Sat 10 Oct a working day: 5 working days end Mon 12 Oct 15:00.
    const quiet = finding({ status: 'accepted', enteredAt: sh('2026-09-29T15:00:00'), deadline: sh('2026-10-30T17:30:00') });
    expect(at(quiet, '2026-10-12T14:59:00')).to.deep.equal([]);
    expect(at(quiet, '2026-10-12T15:00:00')).to.deep.equal(['deadline:stale1/1']);
    const [first] = slotsOf(quiet, settings, timeline, sh('2026-10-12T15:00:00'), 0);
    const [later] = slotsOf(quiet, settings, timeline, sh('2026-10-16T10:00:00'), 0);
    expect(slotKey(later!)).to.equal(slotKey(first!)); // the same stretch: one reminder
    expect(at(quiet, '2026-10-19T15:00:00')).to.deep.equal(['deadline:stale2/1']); // five more quiet working days
    const reported = { ...quiet, lastProgressAt: sh('2026-10-16T10:00:00') };
    expect(at(reported, '2026-10-22T10:00:00')).to.deep.equal([]);
    const [after] = slotsOf(reported, settings, timeline, sh('2026-10-23T10:00:00'), 0);
    expect(after?.slot).to.equal('stale1');
    expect(slotKey(after!)).to.not.equal(slotKey(first!));
    // A working day before the deadline the deadline's own reminder takes over.
    expect(at(reported, '2026-10-30T09:00:00')).to.deep.equal(['deadline:due/1']);
  });

  it('reminds the reporter to confirm from the time of 整改完成, and leaders of triage from entering it', () => {
    const rectified = finding({ status: 'rectified', rectifiedAt: sh('2026-10-19T10:00:00') });
    expect(at(rectified, '2026-10-19T14:00:00')).to.deep.equal(['confirm:0/1']);
    const triage = finding({ status: 'triage', dispatchedAt: null, deadline: null, departments: [], updatedAt: sh('2026-10-19T10:00:00') });
    expect(at(triage, '2026-10-19T14:00:00')).to.deep.equal(['triage:0/1']);
    expect(at(triage, '2026-10-21T14:00:00')).to.deep.equal(['triage:4/5']); // never escalated: leaders are told already
  });

  it('asks a 持续整改 finding for progress every 10 working days, never daily, and tells the leaders as soon as its target has passed', () => {
    // Accepted Tue 29 Sep 15:00; 1-7 Oct are holidays, Sat 10 Oct a working day: 10 working days end Mon 19 Oct 15:00.
    const longTerm = finding({ status: 'accepted', kind: '持续整改', acceptedAt: sh('2026-09-29T15:00:00'), deadline: sh('2026-10-30T17:30:00') });
    expect(at(longTerm, '2026-10-14T08:30:00')).to.deep.equal([]); // the deadline rule would remind here; 持续整改 is not nagged
    expect(at(longTerm, '2026-10-19T14:59:00')).to.deep.equal([]);
    expect(at(longTerm, '2026-10-19T15:00:00')).to.deep.equal(['progress:p1/1']);
    expect(at(longTerm, '2026-10-22T10:00:00')).to.deep.equal(['progress:p1/1']); // no second ask before 10 more working days
    // A 进展 starts the count again.
    const reported = { ...longTerm, lastProgressAt: sh('2026-10-20T09:00:00') };
    expect(at(reported, '2026-10-22T10:00:00')).to.deep.equal([]);
    // The target passing puts it on the leaders' list at once, once, whatever 进展 follow.
    expect(at(reported, '2026-10-30T17:29:00')).to.deep.equal([]);
    expect(at(reported, '2026-11-02T08:30:00')).to.deep.equal(['progress:target/1/esc0']);
    const [target] = slotsOf(reported, settings, timeline, sh('2026-11-02T08:30:00'), 0);
    const [again] = slotsOf({ ...reported, lastProgressAt: sh('2026-11-02T10:00:00') }, settings, timeline, sh('2026-11-02T11:00:00'), 0);
    expect(slotKey(again!)).to.equal(slotKey(target!));
    expect(at(reported, '2026-11-03T09:00:00')).to.deep.equal(['progress:target/1/esc0', 'progress:p1/1/esc0']); // later asks go to the leaders too
  });

  it('has nothing for a closed or cancelled finding', () => {
    expect(at(finding({ status: 'closed' }), '2026-10-19T14:00:00')).to.deep.equal([]);
    expect(at(finding({ status: 'cancelled' }), '2026-10-19T14:00:00')).to.deep.equal([]);
  });

  it('gives the same key to the same slot wherever it is computed, and a new one after re-dispatch', () => {
    const [a] = slotsOf(dispatched, settings, timeline, sh('2026-09-30T10:00:00'), 0);
    const [b] = slotsOf(dispatched, settings, createWorkingTimeline(calendar, sh('2026-09-30T10:05:00'), sh('2026-09-30T10:05:00')), sh('2026-09-30T10:05:00'), 0);
    expect(slotKey(a!)).to.equal(slotKey(b!));
    const [c] = slotsOf(finding({ dispatchedAt: sh('2026-09-30T10:00:00') }), settings, timeline, sh('2026-10-08T08:30:00'), 0);
    expect(slotKey(c!)).to.not.equal(slotKey(a!));
  });
});

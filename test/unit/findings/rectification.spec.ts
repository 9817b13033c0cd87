import { expect } from 'chai';
import { createWorkCalendar } from '../../../src/calendar/work-calendar';
import { createWorkingTimeline } from '../../../src/calendar/working-timeline';
import { gradeOf, type GradeInput } from '../../../src/findings/grade';
import { parseAcceptance, parseDateWord } from '../../../src/findings/rectification';

const sh = (local: string): Date => new Date(`${local}+08:00`);
const settings = { acceptWithinHours: 4, deadlineDays: 7, repeatEveryHours: 4, escalateAfter: 3, maxDeadlineDays: 20, progressEveryDays: 10, staleDays: 5, workHours: '08:30-17:30' };
const calendar = createWorkCalendar({ workHours: settings.workHours });
const timeline = createWorkingTimeline(calendar, sh('2026-11-01T00:00:00'), sh('2027-01-31T00:00:00'));

describe('三色督办 grades at their boundaries (08:30-17:30)', () => {
  // Deadline Monday 7 Dec 17:30; the weekend of 5-6 Dec lies between Friday and it.
  const accepted: GradeInput = { status: 'accepted', kind: '限期整改', deadline: sh('2026-12-07T17:30:00'), rectifiedAt: null, lastStepAt: sh('2026-12-03T09:00:00') };
  const grade = (f: GradeInput, local: string) => gradeOf(f, settings, timeline, sh(local));

  it('is 绿 until the deadline is one working day away, counting no weekend day', () => {
    expect(grade(accepted, '2026-12-04T17:29:00')).to.equal('green'); // Friday: Monday's whole day still ahead
    expect(grade(accepted, '2026-12-05T12:00:00')).to.equal('yellow'); // Saturday: only Monday's working hours are left
    expect(grade(accepted, '2026-12-04T17:30:00')).to.equal('yellow'); // the end of Friday's work: exactly one working day left
  });

  it('is 红 from the instant after the deadline, and 黄 just before it', () => {
    expect(grade(accepted, '2026-12-07T17:30:00')).to.equal('yellow');
    expect(grade(accepted, '2026-12-07T17:30:01')).to.equal('red');
    expect(grade(accepted, '2026-12-08T08:30:00')).to.equal('red');
  });

  it('is 黄 when nothing has happened for staleDays (5) working days, though the deadline is far', () => {
    const far = { ...accepted, deadline: sh('2026-12-31T17:30:00'), lastStepAt: sh('2026-12-01T10:00:00') };
    expect(grade(far, '2026-12-08T09:59:00')).to.equal('green'); // 4 days 23 h 59 m of working time (over a weekend)
    expect(grade(far, '2026-12-08T10:00:00')).to.equal('yellow');
    // 持续整改 reports every 10 working days: quiet for 5 is not stale.
    expect(grade({ ...far, kind: '持续整改' }, '2026-12-08T10:00:00')).to.equal('green');
    expect(grade({ ...far, kind: '持续整改' }, '2026-12-15T10:00:00')).to.equal('yellow');
  });

  it('keeps a finding fixed in time 绿 while it waits for its check, and has no grade once closed', () => {
    expect(grade({ ...accepted, status: 'rectified', rectifiedAt: sh('2026-12-07T10:00:00') }, '2026-12-20T10:00:00')).to.equal('green');
    expect(grade({ ...accepted, status: 'rectified', rectifiedAt: sh('2026-12-08T10:00:00') }, '2026-12-20T10:00:00')).to.equal('red');
    expect(grade({ ...accepted, status: 'closed' }, '2026-12-20T10:00:00')).to.equal(null);
  });
});

describe('签收 with 整改类型, deadline and 措施', () => {
  const now = sh('2026-12-01T09:00:00'); // Tuesday
  const parse = (note: string) => parseAcceptance(note, now, calendar, settings);

  it('reads the chat forms', () => {
    expect(parse('')).to.deep.equal({ kind: '限期整改', deadline: null, measure: null });
    expect(parse('立行立改')).to.deep.equal({ kind: '立行立改', deadline: sh('2026-12-04T17:30:00'), measure: null });
    expect(parse('限期 12月20日 措施：更换入户管道')).to.deep.equal({ kind: '限期整改', deadline: sh('2026-12-20T17:30:00'), measure: '更换入户管道' });
    expect(parse('持续 2027-03-31 措施：发展庭院经济')).to.deep.equal({ kind: '持续整改', deadline: sh('2027-03-31T17:30:00'), measure: '发展庭院经济' });
    expect(parse('措施: 先送水')).to.deep.equal({ kind: '限期整改', deadline: null, measure: '先送水' });
  });

  it('refuses with a reason what it cannot take', () => {
    expect(parse('限期 12月31日')).to.have.property('error').that.contains('最长 20 个工作日'); // 21 working days away
    expect(parse('限期 12月29日')).to.have.property('kind', '限期整改');
    expect(parse('持续')).to.have.property('error').that.contains('目标日期');
    expect(parse('限期 2月30日')).to.have.property('error').that.contains('无效');
    expect(parse('好的')).to.have.property('error').that.contains('没看懂');
    expect(parse('限期 2026-11-30')).to.have.property('error').that.contains('已经过去');
  });

  it('takes a date without a year as the next such day', () => {
    expect(parseDateWord('12月20日', '2026-12-01')).to.equal('2026-12-20');
    expect(parseDateWord('1月5日', '2026-12-01')).to.equal('2027-01-05');
    expect(parseDateWord('2027/3/31', '2026-12-01')).to.equal('2027-03-31');
  });
});

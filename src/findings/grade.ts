import type { ReminderSettings } from '../../config/org';
import type { WorkCalendar } from '../calendar/work-calendar';
import { createWorkingTimeline, type WorkingTimeline } from '../calendar/working-timeline';
import type { OpenFinding } from './finding-views';
import { OPEN_STATUSES, type FindingDoc, type Grade } from './finding.model';

/**
 * 三色督办: every open finding is 绿 (on time), 黄 (its deadline within one working day, or no
 * step for `staleDays` working days) or 红 (past its deadline). A finding fixed in time and
 * waiting for its check stays as it was when fixed: the unit's part is done.
 */

export interface GradeInput {
  status: FindingDoc['status'];
  kind?: FindingDoc['kind'] | undefined;
  deadline: Date | null;
  rectifiedAt: Date | null;
  /** The finding's last step (its last history entry, or a 进展). */
  lastStepAt: Date;
}

/** The time since which a 持续整改 finding is quiet: it reports only every `progressEveryDays`. */
function staleAfterDays(f: GradeInput, s: Pick<ReminderSettings, 'staleDays' | 'progressEveryDays'>): number {
  return f.kind === '持续整改' ? Math.max(s.staleDays, s.progressEveryDays) : s.staleDays;
}

export function gradeOf(f: GradeInput, s: Pick<ReminderSettings, 'staleDays' | 'progressEveryDays'>, timeline: WorkingTimeline, now: Date): Grade | null {
  if (!OPEN_STATUSES.includes(f.status)) return null;
  if (f.status === 'rectified') return f.deadline && f.rectifiedAt && f.rectifiedAt > f.deadline ? 'red' : 'green';
  if (f.deadline && now > f.deadline) return 'red';
  if (f.deadline && timeline.between(now, f.deadline) <= timeline.dayHours + 1e-9) return 'yellow';
  if (timeline.between(f.lastStepAt, now) >= staleAfterDays(f, s) * timeline.dayHours - 1e-9) return 'yellow';
  return 'green';
}

/** The last step of a stored finding: its last history entry or 进展, whichever is later. */
export function lastStepOf(f: Pick<FindingDoc, 'history' | 'lastProgressAt'> & { updatedAt: Date }): Date {
  const last = f.history.at(-1)?.at ?? f.updatedAt;
  const progress = f.lastProgressAt;
  return progress && new Date(progress) > new Date(last) ? new Date(progress) : new Date(last);
}

type StoredForGrade = Pick<FindingDoc, 'status' | 'kind' | 'deadline' | 'rectifiedAt' | 'history' | 'lastProgressAt'> & { updatedAt: Date };

/** Grades stored findings as of `now`, sharing one timeline (it extends itself to whatever it is asked). */
export function createGrader(s: Pick<ReminderSettings, 'staleDays' | 'progressEveryDays'>, calendar: WorkCalendar, now: Date): (f: StoredForGrade) => Grade | null {
  const timeline = createWorkingTimeline(calendar, new Date(now.getTime() - 30 * 86_400_000), now);
  return (f) => gradeOf({ status: f.status, kind: f.kind, deadline: f.deadline, rectifiedAt: f.rectifiedAt, lastStepAt: lastStepOf(f) }, s, timeline, now);
}

/** The grade of one stored finding now (a page, 查询, the API). */
export function gradeOfFinding(f: StoredForGrade, s: Pick<ReminderSettings, 'staleDays' | 'progressEveryDays'>, calendar: WorkCalendar, now: Date): Grade | null {
  return createGrader(s, calendar, now)(f);
}

/** The grade of each open finding in the open view (reminders, the digest and the dashboard read it, not the findings). */
export function gradesOfOpen(open: OpenFinding[], s: Pick<ReminderSettings, 'staleDays' | 'progressEveryDays'>, calendar: WorkCalendar, now: Date): Map<number, Grade> {
  const timeline = createWorkingTimeline(calendar, new Date(now.getTime() - 30 * 86_400_000), now);
  const grades = new Map<number, Grade>();
  for (const f of open) {
    const progress = f.lastProgressAt ?? null;
    const lastStepAt = progress && progress > f.enteredAt ? progress : f.enteredAt;
    const g = gradeOf({ status: f.status, kind: f.kind, deadline: f.deadline, rectifiedAt: f.rectifiedAt, lastStepAt }, s, timeline, now);
    if (g) grades.set(f.no, g);
  }
  return grades;
}

export function countGrades(grades: Iterable<Grade>): Record<Grade, number> {
  const counts: Record<Grade, number> = { green: 0, yellow: 0, red: 0 };
  for (const g of grades) counts[g] += 1;
  return counts;
}

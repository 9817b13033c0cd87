import type { ReminderSettings } from '../../config/org';
import type { WorkingTimeline } from '../calendar/working-timeline';
import type { OpenFinding } from '../findings/finding-views';

/**
 * When a finding is due for a reminder, as pure arithmetic on its timestamps and the work
 * calendar. Every instance computes the same slot for the same finding at the same time, so the
 * slot's key is what makes a reminder happen once.
 *
 * - accept (待签收): first after `acceptWithinHours` working hours from dispatch, then every
 *   `repeatEveryHours`; slot = floor((hours since dispatch - N) / M).
 * - deadline (整改中): once a working day before the deadline ("due", the finding turns 黄), then on
 *   each working day after it ("over0", "over1", ...). Turning 红 (over0) puts it on the leaders'
 *   督办 list at once, and again every `escalateAfter` working days. Quiet for `staleDays` working
 *   days since its last step (签收 or 进展) while the deadline is further off, it turns 黄 too: the
 *   unit is asked for progress once per such stretch ("stale1", "stale2", ... counted from that
 *   step, which is the slot's base).
 * - progress (持续整改): no daily reminders; a progress report (进展) is asked for each
 *   `progressEveryDays` working days since the last one (or 签收): "p1", "p2", ...; the target date
 *   passing turns it 红 and puts it on the leaders' 督办 list at once ("target", based on the target
 *   date so that a 进展 does not repeat it), and every later ask goes to them too.
 * - confirm (待销号): the reporter, as accept but from the time of 整改完成.
 * - triage (待分派): the leaders, as accept but from the time it entered triage.
 *
 * After `escalateAfter` reminders of a kind the leaders hear of it too, and again after each
 * further `escalateAfter`; the escalation window is its own slot ("esc0", "esc1", ...).
 */

export type ReminderKind = 'accept' | 'deadline' | 'confirm' | 'triage' | 'progress';

/** The fields the rules read, of an open finding as findings_open keeps it (`enteredAt`: when it entered its current state). */
export type ReminderFinding = Pick<OpenFinding, 'no' | 'status' | 'task' | 'departments' | 'village' | 'cadre' | 'reporter' | 'deadline' | 'dispatchedAt' | 'rectifiedAt' | 'updatedAt'> &
  Partial<Pick<OpenFinding, 'enteredAt' | 'kind' | 'acceptedAt' | 'lastProgressAt'>>;

export interface SlotDue {
  no: number;
  kind: ReminderKind;
  /** The instant the kind counts from (dispatch, deadline, 整改完成, entering triage). */
  base: Date;
  slot: string;
  /** 1 for the first reminder of this kind. */
  count: number;
  /** Not due yet, but within the look-ahead: may come along when its recipient is told anyway. */
  early: boolean;
  /** The escalation window this reminder falls in, when the leaders are to hear of it. */
  escalation: number | null;
  /** Working hours since `base` (for deadline: past the deadline; negative before it). */
  hours: number;
}

/** The instant each open finding's reminders count from, or null when it has none. */
export function baseOf(f: ReminderFinding): { kind: ReminderKind; base: Date } | null {
  switch (f.status) {
    case 'dispatched':
      return f.dispatchedAt ? { kind: 'accept', base: f.dispatchedAt } : null;
    case 'accepted':
      if (f.kind === '持续整改') {
        const since = f.lastProgressAt ?? f.acceptedAt ?? f.enteredAt;
        return since ? { kind: 'progress', base: since } : null;
      }
      return f.deadline ? { kind: 'deadline', base: f.deadline } : null;
    case 'rectified':
      return f.rectifiedAt ? { kind: 'confirm', base: f.rectifiedAt } : null;
    case 'triage':
      // Entering triage (a report, or 退回) is the finding's last change.
      return { kind: 'triage', base: f.enteredAt ?? f.updatedAt };
    default:
      return null;
  }
}

function escalationOf(kind: ReminderKind, count: number, every: number): number | null {
  if (kind === 'triage' || kind === 'progress') return null;
  // Overdue (红) goes to the leaders at once: over0 is the 2nd deadline reminder.
  if (kind === 'deadline') return count < 2 ? null : Math.floor((count - 2) / every);
  if (count <= every) return null;
  return Math.floor((count - every - 1) / every);
}

/**
 * The slots of a finding worth looking at now: the one due (if any) and, within `lookAheadHours`
 * working hours, the next one (marked early).
 */
export function slotsOf(f: ReminderFinding, s: ReminderSettings, timeline: WorkingTimeline, now: Date, lookAheadHours: number): SlotDue[] {
  const start = baseOf(f);
  if (!start) return [];
  const { kind, base } = start;
  const make = (slot: string, count: number, early: boolean, hours: number): SlotDue => ({
    no: f.no,
    kind,
    base,
    slot,
    count,
    early,
    escalation: early ? null : escalationOf(kind, count, s.escalateAfter),
    hours,
  });

  if (kind === 'progress') {
    const hours = timeline.between(base, now);
    const k = Math.floor(hours / (s.progressEveryDays * timeline.dayHours) + 1e-9);
    const overdue = f.deadline !== null && now.getTime() > f.deadline.getTime();
    const result: SlotDue[] = [];
    if (overdue && f.deadline) result.push({ no: f.no, kind, base: f.deadline, slot: 'target', count: 1, early: false, escalation: 0, hours: timeline.between(f.deadline, now) });
    if (k >= 1) result.push({ ...make(`p${k}`, k, false, hours), escalation: overdue ? k - 1 : null });
    return result;
  }

  if (kind === 'deadline') {
    // Deadline reminders fall at the start of a working day, when every unit's fall together.
    const hours = timeline.between(base, now);
    if (now.getTime() < base.getTime()) {
      if (-hours <= timeline.dayHours) return [make('due', 1, false, hours)];
      return staleSlot(f, s, timeline, now);
    }
    const k = Math.floor(hours / timeline.dayHours);
    return [make(`over${k}`, k + 2, false, hours)];
  }

  const hours = timeline.between(base, now);
  const n = s.acceptWithinHours;
  const m = s.repeatEveryHours;
  const result: SlotDue[] = [];
  const current = hours >= n ? Math.floor((hours - n) / m + 1e-9) : -1;
  if (current >= 0) result.push(make(String(current), current + 1, false, hours));
  const next = current + 1;
  if (n + next * m - hours <= lookAheadHours) result.push(make(String(next), next + 1, true, hours));
  return result;
}

/** 黄 for want of a step: `staleDays` working days since 签收 or the last 进展, the unit asked once per stretch. */
function staleSlot(f: ReminderFinding, s: ReminderSettings, timeline: WorkingTimeline, now: Date): SlotDue[] {
  const entered = f.enteredAt ?? f.acceptedAt ?? f.updatedAt;
  const last = f.lastProgressAt && f.lastProgressAt > entered ? f.lastProgressAt : entered;
  const hours = timeline.between(last, now);
  const k = Math.floor(hours / (s.staleDays * timeline.dayHours) + 1e-9);
  if (k < 1) return [];
  return [{ no: f.no, kind: 'deadline', base: last, slot: `stale${k}`, count: 1, early: false, escalation: null, hours }];
}

/** The key of a reminder slot: the same finding, kind, start and slot give the same key everywhere. */
export function slotKey(d: { no: number; kind: ReminderKind; base: Date; slot: string }): string {
  return `remind:${d.no}:${d.kind}:${d.base.getTime()}:${d.slot}`;
}

/** The slots of `d`'s kind up to and including its own: those whose reminders may have gone. */
export function slotsSoFar(d: Pick<SlotDue, 'kind' | 'count'>): string[] {
  if (d.kind === 'deadline') return ['due', ...Array.from({ length: Math.max(0, d.count - 1) }, (_, k) => `over${k}`)];
  if (d.kind === 'progress') return Array.from({ length: d.count }, (_, k) => `p${k + 1}`);
  return Array.from({ length: d.count }, (_, k) => String(k));
}

export function escalationKey(d: SlotDue): string {
  return slotKey({ ...d, slot: `esc${d.escalation ?? 0}` });
}

/** How far ahead a reminder may be sent early to travel with another to the same recipient. */
export function lookAheadHours(s: ReminderSettings): number {
  return Math.min(1, s.repeatEveryHours / 2, s.acceptWithinHours / 2);
}

import type { FindingDoc } from './finding.model';

/**
 * When a finding counts as done on time, and the 按期办结率 built on it: one definition for the
 * digest, the ledger and the reports, so that a leader reading two of them reads one figure.
 */

/** A finding closed by its deadline: fixed (整改完成) by then, or closed by then when it has no such step. */
export function closedOnTime(f: Pick<FindingDoc, 'deadline' | 'rectifiedAt' | 'closedAt'>): boolean {
  const done = f.rectifiedAt ?? f.closedAt;
  return !f.deadline || (done !== null && done !== undefined && new Date(done) <= new Date(f.deadline));
}

/**
 * 按期办结率: findings closed by their deadline out of those that were due so far (closed, or open
 * and past their deadline). Null when none was due.
 */
export function onTimeRate(t: { closed: number; closedOnTime: number; overdue: number }): number | null {
  const due = t.closed + t.overdue;
  return due > 0 ? t.closedOnTime / due : null;
}

export function percent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

import { createHash } from 'node:crypto';
import { isDistrictTask, isTaskNo } from '../../config/division-table';
import { createWorkingTimeline, type WorkingTimeline } from '../calendar/working-timeline';
import type { DomainContext } from '../context';
import { sendToGroup } from '../dispatch/group-messages';
import type { OpenFinding } from '../findings/finding-views';
import { markupOf } from '../wecom/markup';
import { leadersRecipient, personRecipient, responsibleRecipient, unitRecipient, type Recipient } from './recipients';
import { createReminderRecords, type ReminderRecord, type ReminderRecords } from './reminder-record.model';
import { actLine, composeReminder, escalationLine, REMINDER_LIST_CAP, type ReminderItem, type ReminderSection } from './reminder.messages';
import { escalationKey, lookAheadHours, slotKey, slotsOf, slotsSoFar, type ReminderFinding, type SlotDue } from './reminder.rules';

/** What one run sent: a message per recipient, with the findings it names. */
export interface ReminderRunResult {
  at: string;
  /** Set when the run did nothing because `now` is outside working time. */
  quiet?: true;
  scanned: number;
  messages: { to: string; findings: number[]; escalated: number[]; dedupeKey: string; content: string }[];
}

interface Planned {
  due: SlotDue;
  finding: OpenFinding;
  /** The recipient asked to act. */
  to: Recipient;
  /** Told as an escalation (leaders; for tasks 1-2 also the 管区 group). */
  escalateTo: Recipient[];
}

/**
 * One reminder run as if it were `now`: finds every open finding with a slot due, records each
 * slot under its unique key (only the records this run inserts are sent), and queues one message
 * per recipient listing all of its items. Nothing happens outside working time: what falls due at
 * night is due at the next start of work.
 */
export async function runReminders(ctx: DomainContext, now: Date, options: { records?: ReminderRecords } = {}): Promise<ReminderRunResult> {
  const result: ReminderRunResult = { at: now.toISOString(), scanned: 0, messages: [] };
  if (!ctx.calendar.isWorkingTime(now)) return { ...result, quiet: true };
  const settings = ctx.directory.org.reminders;
  const records = options.records ?? createReminderRecords(ctx.findings.model.db);

  const open = await ctx.findings.open();
  result.scanned = open.length;
  if (open.length === 0) return result;

  const timeline = timelineFor(ctx, open, now);
  const ahead = lookAheadHours(settings);
  const leaders = leadersRecipient(ctx);
  const plans: Planned[] = [];
  for (const f of open) {
    const slots = slotsOf(f, settings, timeline, now, ahead);
    if (slots.length === 0) continue;
    const to = f.status === 'triage' ? leaders : f.status === 'rectified' ? (personRecipient(ctx, f.reporter) ?? leaders) : responsibleRecipient(ctx, f);
    if (!to) continue;
    for (const due of slots) plans.push({ due, finding: f, to, escalateTo: due.escalation === null ? [] : escalationRecipients(ctx, f, to, leaders) });
  }
  if (plans.length === 0) return result;

  // Slots due now first; an early one only joins a recipient that is being told anyway.
  const won = await claim(records, plans.filter((p) => !p.due.early), now);
  const active = new Set(plans.filter((p) => won.slots.has(slotKey(p.due))).map((p) => p.to.key));
  const early = await claim(
    records,
    plans.filter((p) => p.due.early && active.has(p.to.key)),
    now,
  );
  const sentSlots = new Set([...won.slots, ...early.slots]);

  // Per recipient: the items it is asked to act on, and the escalations it is told of.
  const byRecipient = new Map<string, { to: Recipient; act: Planned[]; escalated: Planned[] }>();
  const entry = (r: Recipient) => {
    let e = byRecipient.get(r.key);
    if (!e) byRecipient.set(r.key, (e = { to: r, act: [], escalated: [] }));
    return e;
  };
  const seen = new Set<string>();
  for (const p of plans) {
    if (!sentSlots.has(slotKey(p.due))) continue;
    // A finding is listed once per recipient, even when a due and an early slot both went.
    const once = `${p.to.key}#${p.finding.no}`;
    if (!seen.has(once)) {
      seen.add(once);
      entry(p.to).act.push(p);
    }
  }
  const escalatedOnce = new Set<string>();
  for (const p of plans) {
    if (!won.escalations.has(escalationKey(p.due))) continue;
    for (const r of p.escalateTo) {
      // A 持续整改 past its target may escalate twice in one run (the target, and an ask): listed once.
      const once = `${r.key}#${p.finding.no}`;
      if (escalatedOnce.has(once)) continue;
      escalatedOnce.add(once);
      entry(r).escalated.push(p);
    }
  }
  if (byRecipient.size === 0) return result;

  const planned = [...byRecipient.values()].map((e) => ({ ...e, sections: sectionsFor(e.to, e.act, e.escalated) }));
  const listed = planned.flatMap((e) => e.sections.flatMap((sec) => sec.plans.slice(0, REMINDER_LIST_CAP)));
  // Leaders read how many reminders really went out (after a restart or on a first run, fewer than the slots).
  const escalatedListed = new Map(listed.filter((p) => won.escalations.has(escalationKey(p.due))).map((p) => [escalationKey(p.due), p.due] as const));
  const sentCounts = await records.sentSoFar(
    [...escalatedListed].map(([key, due]) => ({
      key,
      previous: due.escalation ? slotKey({ ...due, slot: `esc${due.escalation - 1}` }) : null,
      prefix: slotKey({ ...due, slot: '' }),
      slots: slotsSoFar(due),
    })),
  );
  const item = (p: Planned): ReminderItem => ({
    due: p.due,
    finding: { ...p.finding, text: p.finding.textStart },
    overdueHours: p.finding.deadline && p.finding.deadline < now ? timeline.between(p.finding.deadline, now) : null,
    sent: sentCounts.get(escalationKey(p.due)) ?? p.due.count,
  });
  const unitOf = (f: ReminderFinding): string => f.departments[0] ?? '待分派';
  const nameOf = (userid: string): string => ctx.directory.displayName(userid);

  for (const { to, act, escalated, sections: planSections } of planned) {
    const markup = markupOf(to.destination.kind, to.format);
    const markdown = to.format === 'markdown';
    const sections: ReminderSection[] = planSections.map((sec) => ({
      title: sec.title,
      total: sec.plans.length,
      lines: sec.plans
        .slice(0, REMINDER_LIST_CAP)
        .map((p, i) => (sec.escalation ? escalationLine(i + 1, item(p), timeline.dayHours, markup, unitOf, nameOf) : actLine(i + 1, item(p), timeline.dayHours, markup, unitOf))),
    }));
    const content = composeReminder(sections, { markdown, dashboard: ctx.links.dashboard(), mentions: act.length ? to.mentions : [], maxBytes: to.maxBytes });
    const keys = [...act.map((p) => slotKey(p.due)), ...escalated.map((p) => escalationKey(p.due))].sort();
    const dedupeKey = `remind:${to.key}:${createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 24)}`;
    if (to.unit) await sendToGroup(ctx, to.unit, { dedupeKey, content, label: `remind ${to.name}` });
    else await ctx.outbox.enqueue({ dedupeKey, destination: to.destination, message: { type: to.format, content, mentions: to.mentions }, label: `remind ${to.name}` });
    result.messages.push({ to: to.key, findings: act.map((p) => p.finding.no), escalated: escalated.map((p) => p.finding.no), dedupeKey, content });
  }
  ctx.logger.info({ messages: result.messages.length, scanned: result.scanned }, '提醒已排队');
  return result;
}

function timelineFor(ctx: DomainContext, open: ReminderFinding[], now: Date): WorkingTimeline {
  let min = now.getTime();
  let max = now.getTime();
  for (const f of open) {
    for (const d of [f.dispatchedAt, f.rectifiedAt, f.deadline, f.enteredAt ?? f.updatedAt]) {
      if (!d) continue;
      const t = d.getTime();
      if (t < min) min = t;
      if (t > max) max = t;
    }
  }
  return createWorkingTimeline(ctx.calendar, new Date(min), new Date(max));
}

/** Leaders, and for tasks 1-2 the 管区 group when the 包村干部 was the one reminded. */
function escalationRecipients(ctx: DomainContext, f: ReminderFinding, to: Recipient, leaders: Recipient | null): Recipient[] {
  const result: Recipient[] = [];
  if (leaders && leaders.key !== to.key) result.push(leaders);
  if (isTaskNo(f.task) && isDistrictTask(f.task) && f.departments[0]) {
    const district = unitRecipient(ctx, f.departments[0], f.village);
    if (district && district.key !== to.key) result.push(district);
  }
  return result;
}

/** The sections of a recipient's message, each with its findings in the order they are listed. */
function sectionsFor(to: Recipient, act: Planned[], escalated: Planned[]): { title: string; plans: Planned[]; escalation: boolean }[] {
  // The earliest deadline first (the most overdue); without one, the longest waiting.
  const deadline = (p: Planned) => p.finding.deadline?.getTime() ?? Infinity;
  const sorted = (list: Planned[]) => [...list].sort((a, b) => deadline(a) - deadline(b) || b.due.hours - a.due.hours || a.finding.no - b.finding.no);
  const escalations = {
    title: to.key === 'leaders' ? `【督办】${escalated.length} 件问题多次催办仍未办结` : `【督办】${escalated.length} 件问题多次催办仍未办结，已报告镇领导`,
    plans: sorted(escalated),
    escalation: true,
  };
  if (to.key === 'leaders') {
    const triage = act.filter((p) => p.due.kind === 'triage');
    const other = act.filter((p) => p.due.kind !== 'triage');
    return [
      escalations,
      { title: `【待分派】${triage.length} 件问题等待镇领导分派`, plans: sorted(triage), escalation: false },
      // Leaders standing in for a unit or reporter the bot cannot reach.
      { title: `【催办】${other.length} 件问题待办理（无法直接通知责任人）`, plans: sorted(other), escalation: false },
    ];
  }
  const confirm = act.every((p) => p.due.kind === 'confirm');
  const title = confirm ? `【待销号】您报告的 ${act.length} 件问题已反馈整改完成，请核实` : `【催办】${to.name} ${act.length} 件待办`;
  return [{ title, plans: sorted(act), escalation: false }, escalations];
}

async function claim(records: ReminderRecords, plans: Planned[], now: Date): Promise<{ slots: Set<string>; escalations: Set<string> }> {
  const docs = new Map<string, ReminderRecord>();
  for (const p of plans) {
    const key = slotKey(p.due);
    docs.set(key, { _id: key, no: p.due.no, kind: p.due.kind, slot: p.due.slot, to: [p.to.key], at: now });
  }
  const slots = await records.claim([...docs.values()]);
  // An escalation goes with a slot sent now, or with one sent earlier in its window (a restart skipped it).
  const esc = new Map<string, ReminderRecord>();
  for (const p of plans) {
    if (p.due.escalation === null || p.escalateTo.length === 0) continue;
    const key = escalationKey(p.due);
    esc.set(key, { _id: key, no: p.due.no, kind: p.due.kind, slot: `esc${p.due.escalation}`, to: p.escalateTo.map((r) => r.key), at: now });
  }
  const escalations = esc.size ? await records.claim([...esc.values()]) : new Set<string>();
  return { slots, escalations };
}

import { findItem, isDistrictTask, isTaskNo, type TaskNo } from '../../config/division-table';
import type { DomainContext } from '../context';
import { dispatchToGroup, sendToGroup } from '../dispatch/group-messages';
import type { MarkdownDialect } from '../wecom/markup';

export { unitDestination } from '../dispatch/group-messages';
import { AppError } from '../errors';
import { evidenceRequiredBeforeClose, missingEvidence } from '../evidence/evidence.policy';
import type { Destination, OutboundMessageInput } from '../outbox/outbox.model';
import type { LearnedCorrection, RouteResult } from '../routing/router';
import { isStale } from './finding-cards';
import { DEFAULT_SOURCE, type FindingDoc } from './finding.model';
import type { Household } from '../households/household.repository';
import { MAX_BATCH_CHARS } from './batch.setting';
import type { OpenFinding } from './finding-views';
import type { Finding, NewFinding } from './finding.repository';
import { refusal, RULES, type Action } from './lifecycle';
import * as text from './messages';
import { deadlineOn, parseAcceptance, parseDateWord, splitDate } from './rectification';
import { createZonedTime } from '../calendar/zoned-time';

/** Where an answer to a person goes: the chat they wrote from, else the app. */
export type ReplyTo = { kind: 'bot_response'; url: string } | { kind: 'bot_chat'; to: string } | { kind: 'app'; userid: string };

/** How to answer whoever sent this event: the smart-bot chat it came from, else the app. */
export function replyToOf(event: { channel: 'app' | 'bot'; from: string; chatId?: string | undefined; responseUrl?: string | undefined }): ReplyTo {
  if (event.channel === 'bot' && event.responseUrl) return { kind: 'bot_response', url: event.responseUrl };
  if (event.channel === 'bot') return { kind: 'bot_chat', to: event.chatId ?? event.from };
  return { kind: 'app', userid: event.from };
}

export interface ReportInput {
  text: string;
  reporter: string;
  village?: string | null;
  task?: number | null;
  item?: string | null;
  channel: FindingDoc['channel'];
  /** 问题来源; 自查 when not given. */
  source?: FindingDoc['source'];
  /** The round it belongs to; the current batch when not given. */
  batch?: string | null;
  /** The delivery (or request) that carries the report: the same key never makes a second finding. */
  sourceKey: string;
  replyTo?: ReplyTo;
  household?: { name?: string | null; idNumber?: string | null } | null;
  urgency?: 'normal' | 'urgent';
  /** The responsible unit when a list names it (instead of the division table's). */
  unit?: string | null;
  /** The deadline when a list gives one (instead of the reminder rules'). */
  deadline?: Date | null;
  /**
   * false: one finding whatever the text holds (a ledger row is one problem by definition).
   * Otherwise a report listing several problems becomes one finding per problem.
   */
  split?: boolean;
  /** An import's row: who imported it (see FindingDoc.importedBy). */
  importedBy?: string;
}

export interface ReportOutcome {
  /** The first part's finding: what a report about one problem makes. */
  finding: Finding;
  created: boolean;
  /** Every finding the report made, in the report's order (the first included). */
  parts: Finding[];
}

export const MAX_REPORT_CHARS = 2000;

function personDestination(ctx: DomainContext, userid: string, replyTo?: ReplyTo | null): Destination | null {
  if (replyTo?.kind === 'bot_response') return { kind: 'bot_response', url: replyTo.url };
  if (replyTo?.kind === 'bot_chat') return { kind: 'bot_chat', to: replyTo.to };
  return ctx.appMessaging ? { kind: 'app', users: [userid] } : null;
}

export async function tell(
  ctx: DomainContext,
  userid: string,
  dedupeKey: string,
  message: OutboundMessageInput,
  replyTo?: ReplyTo | null,
): Promise<void> {
  const destination = personDestination(ctx, userid, replyTo);
  if (!destination) {
    ctx.logger.info({ userid, dedupeKey }, '无法单独通知此人（未配置自建应用）');
    return;
  }
  await ctx.outbox.enqueue({ dedupeKey, destination, message, label: dedupeKey.split(':').slice(0, 2).join(' ') });
}

/**
 * A markdown message of its own to a unit's group (not a new finding: those are collected), at
 * once; past the group's daily ceiling it waits for the next collection. See sendToGroup.
 */
export async function tellUnit(ctx: DomainContext, unitName: string, dedupeKey: string, content: (dialect: MarkdownDialect) => string, mentionMembers: boolean): Promise<void> {
  await sendToGroup(ctx, unitName, { dedupeKey, content, mentionMembers });
}

function routeFields(ctx: DomainContext, route: Pick<RouteResult, 'task' | 'item' | 'departments' | 'village' | 'district' | 'cadre'>, now: Date) {
  return {
    task: route.task,
    item: route.item,
    departments: route.departments,
    village: route.village,
    district: route.district,
    cadre: route.cadre,
    status: 'dispatched' as const,
    dispatchedAt: now,
    deadline: ctx.calendar.addWorkingDays(now, ctx.directory.org.reminders.deadlineDays),
  };
}

/** What a batch of reports (an import) reads once instead of once per report. */
export interface ReportPrefetch {
  learned: LearnedCorrection[];
  open: OpenFinding[];
  batch: string | null;
  /** The household of the report, resolved with the others beforehand. */
  household?: Household | null;
}

export interface ReportOptions {
  /** False: no receipt and no dispatch messages (an import tells each unit once for all its rows). */
  announce?: boolean;
  prefetch?: ReportPrefetch;
}

/**
 * A report from chat, the form, the API or an import becomes findings, one per problem it names:
 * dispatched when routing is sure, else in triage; merged into an open finding of the same
 * household and key problem instead of being dispatched twice. The reporter gets one receipt.
 */
export async function reportFinding(ctx: DomainContext, input: ReportInput, options: ReportOptions = {}): Promise<ReportOutcome> {
  const body = input.text.trim();
  if (body === '') throw new AppError('bad_request', '问题描述不能为空');
  if (body.length > MAX_REPORT_CHARS) throw new AppError('bad_request', `问题描述过长（最多 ${MAX_REPORT_CHARS} 字）`);
  if (input.village && !ctx.directory.village(input.village)) throw new AppError('bad_request', `组织文件中没有“${input.village}”`);
  if (input.item && !findItem(input.item)) throw new AppError('bad_request', `没有“${input.item}”这一重点问题`);

  const now = ctx.clock.now();
  const prefetch = options.prefetch;
  const learned = prefetch?.learned ?? (await ctx.corrections.all());
  const batch = input.batch !== undefined ? input.batch : prefetch ? prefetch.batch : await ctx.batches.current();
  const routeInput = { text: body, village: input.village ?? null, task: input.task ?? null, item: input.item ?? null };
  const routed = input.split === false ? [{ text: body, route: ctx.router.route(routeInput, learned) }] : ctx.router.routeReport(routeInput, learned);

  const made: Array<{ finding: Finding; created: boolean; sure: boolean; villageMissing: boolean }> = [];
  for (const [i, part] of routed.entries()) {
    // The first part keeps the delivery's key, so a report made before splitting existed is still recognised.
    const sourceKey = i === 0 ? input.sourceKey : `${input.sourceKey}#${i + 1}`;
    made.push(await createPart(ctx, input, { text: part.text, route: part.route, sourceKey, message: body, now, learned, batch, prefetch }));
  }
  const first = made[0]!;
  // A delivery seen before: its findings exist. Their messages are queued again only if the first
  // try may have stopped before queueing them (the keys make that a no-op otherwise).
  if (made.every((m) => !m.created && m.finding.version !== 0)) return { finding: first.finding, created: false, parts: made.map((m) => m.finding) };
  if (options.announce === false) return { finding: first.finding, created: first.created, parts: made.map((m) => m.finding) };

  // Unsure: through the app the reporter picks from buttons; elsewhere from a numbered list.
  const appChoice = ctx.appMessaging && (!input.replyTo || input.replyTo.kind === 'app');
  const choose = (m: (typeof made)[number]) => !m.sure && !m.villageMissing && m.finding.routing.alternatives.length > 0 && appChoice;
  if (made.length === 1 && first.finding.linkedTo !== null) {
    await tell(ctx, input.reporter, `receipt:${first.finding.no}`, { type: 'text', content: text.mergedReceipt(first.finding) }, input.replyTo);
  } else if (made.length === 1 && choose(first)) {
    await tellCard(ctx, input.reporter, `receipt:${first.finding.no}`, first.finding, text.triageCard(first.finding, ctx.directory), text.receipt(first.finding), input.replyTo);
  } else if (made.length === 1) {
    await tell(ctx, input.reporter, `receipt:${first.finding.no}`, { type: 'text', content: text.receipt(first.finding) }, input.replyTo);
  } else {
    await tell(ctx, input.reporter, `receipt:${first.finding.no}`, { type: 'text', content: text.splitReceipt(made.map((m) => m.finding)) }, input.replyTo);
    for (const m of made.filter(choose)) {
      await tellCard(ctx, input.reporter, `choose:${m.finding.no}`, m.finding, text.triageCard(m.finding, ctx.directory), text.triageQuestion(m.finding), input.replyTo);
    }
  }
  for (const m of made) {
    if (m.finding.linkedTo !== null) continue;
    if (m.sure) await announceDispatch(ctx, m.finding);
    else await tellLeadersTriage(ctx, m.finding);
  }
  return { finding: first.finding, created: first.created, parts: made.map((m) => m.finding) };
}

type Part = { text: string; route: RouteResult; sourceKey: string; message: string; now: Date; learned: LearnedCorrection[]; batch: string | null; prefetch: ReportPrefetch | undefined };

async function createPart(ctx: DomainContext, input: ReportInput, part: Part): Promise<{ finding: Finding; created: boolean; sure: boolean; villageMissing: boolean }> {
  const { doc, sure, villageMissing } = await preparePart(ctx, input, part);
  const { finding, created } = await ctx.findings.create(doc);
  return { finding, created, sure, villageMissing };
}

/**
 * A list's row as the finding a report of it would make, not yet stored (an import stores many at
 * once): routed as one problem, its household and open findings read beforehand.
 */
export async function prepareRow(ctx: DomainContext, input: ReportInput, prefetch: ReportPrefetch): Promise<NewFinding> {
  const body = input.text.trim();
  const route = ctx.router.route({ text: body, village: input.village ?? null, task: input.task ?? null, item: input.item ?? null }, prefetch.learned);
  const part: Part = { text: body, route, sourceKey: input.sourceKey, message: body, now: ctx.clock.now(), learned: prefetch.learned, batch: input.batch !== undefined ? input.batch : prefetch.batch, prefetch };
  return (await preparePart(ctx, input, part)).doc;
}

async function preparePart(ctx: DomainContext, input: ReportInput, part: Part): Promise<{ doc: NewFinding; sure: boolean; villageMissing: boolean }> {
  const { now, learned } = part;
  let route = part.route;
  // Tasks 1-2 go to the village's 管区: without a village, a cadre of one village means that
  // one; otherwise the reporter is asked which village (a finding sent to "管区" reaches nobody).
  const home = ctx.directory.villages().filter((v) => v.cadre === input.reporter);
  if (route.task !== null && isDistrictTask(route.task) && !route.village && home.length === 1) {
    route = ctx.router.route({ text: part.text, village: home[0]!.name, task: route.task, item: route.item }, learned);
  }
  if (input.unit && route.task !== null) route = { ...route, departments: [input.unit] };
  const villageMissing = route.task !== null && isDistrictTask(route.task) && !route.village && !input.unit;
  const sure = route.task !== null && !route.needsConfirmation && !villageMissing;

  const { prefetch } = part;
  const household =
    prefetch?.household !== undefined
      ? prefetch.household
      : input.household
        ? await ctx.households.resolve({ village: route.village, name: input.household.name ?? null, idNumber: input.household.idNumber ?? null })
        : null;
  // The same household and key problem while one is open: merged into it, not dispatched again.
  const openOnes = household && route.item && sure ? (prefetch?.open ?? (await ctx.findings.open())) : [];
  const mergedInto = openOnes.find((o) => o.householdCode === household!.code && o.item === route.item && o.status !== 'triage') ?? null;
  const relapse = Boolean(household && route.item && household.closed.some((c) => c.item === route.item));

  const doc: NewFinding = {
    reporter: input.reporter,
    text: part.text,
    channel: input.channel,
    source: input.source ?? DEFAULT_SOURCE,
    batch: part.batch,
    linkedTo: mergedInto?.no ?? null,
    relapse,
    ...(input.importedBy ? { importedBy: input.importedBy } : {}),
    sourceKey: part.sourceKey,
    household: input.household
      ? { code: household?.code ?? null, name: input.household.name ?? null, idNumber: input.household.idNumber?.toUpperCase() ?? null }
      : null,
    urgency: input.urgency ?? 'normal',
    // A smart bot's response_url answers once, within the hour: it carries the receipt, and
    // later notices go to the person through the app instead.
    replyTo: input.replyTo && input.replyTo.kind !== 'bot_response' ? input.replyTo : null,
    routing: { confidence: route.confidence, source: route.source, reasons: route.reasons, alternatives: route.alternatives },
    ...(mergedInto
      ? { ...routeFields(ctx, route, now), status: 'cancelled' as const, deadline: null, dispatchedAt: null }
      : sure
      ? { ...routeFields(ctx, route, now), ...(input.deadline ? { deadline: input.deadline } : {}) }
      : {
          status: 'triage' as const,
          task: route.task,
          item: route.item,
          departments: [],
          village: route.village,
          district: route.district,
          cadre: route.cadre,
          deadline: null,
          dispatchedAt: null,
        }),
    acceptedAt: null,
    rectifiedAt: null,
    closedAt: null,
    cancelledAt: mergedInto ? now : null,
    rectifyNote: null,
    history: [
      { at: now, by: input.reporter, action: '报告', from: null, to: sure ? 'dispatched' : 'triage', note: route.reasons.slice(0, 3).join('；') || null, text: part.message },
      ...(mergedInto ? [{ at: now, by: 'system', action: '并入', from: 'dispatched', to: 'cancelled', note: `同一农户同一问题，并入第 ${mergedInto.no} 号`, text: null }] : []),
    ],
  };
  return { doc, sure, villageMissing };
}

/** A button card about `f` to one person, kept in the card registry so it can be replaced when `f` moves on. */
async function tellCard(ctx: DomainContext, userid: string, key: string, f: Finding, card: Record<string, unknown>, fallback: string, replyTo?: ReplyTo | null): Promise<void> {
  await ctx.cards.queued(key, f, taskIdOf(card));
  await tell(ctx, userid, key, { type: 'card', card, fallback }, replyTo);
}

async function tellLeadersTriage(ctx: DomainContext, f: Finding): Promise<void> {
  for (const leader of ctx.directory.leaders().filter((l) => l !== f.reporter)) {
    await tell(ctx, leader, `triage:${f.no}:v${f.version}:${leader}`, {
      type: 'text',
      content: `第 ${f.no} 号问题暂未能自动归类，待分派：${text.summary(f.text, 60)}\n可回复“改派 ${f.no} 问题编号”（如 改派 ${f.no} 5.2）或“改派 ${f.no} #任务号”（如 #8）。`,
    });
  }
}

/** The lead unit's group, assisting units (配合), the 包村干部 personally, and button cards to the responsible people. */
async function announceDispatch(ctx: DomainContext, f: Finding): Promise<void> {
  const key = `dispatch:${f.no}:v${f.version}`;
  for (const [i, unit] of f.departments.entries()) {
    const role = i === 0 ? 'lead' : 'assist';
    await dispatchToGroup(ctx, f, unit, role, `${key}:${unit}`, (dialect) => text.dispatchMarkdown(f, unit, role, ctx.directory, { finding: ctx.links.finding(f.no) }, dialect));
  }
  const districtTask = f.task !== null && isDistrictTask(f.task);
  const cadre = districtTask ? f.cadre : null;
  if (!ctx.appMessaging) return;
  // One personal card each for the lead unit's people and, for tasks 1-2, the village's 包村干部:
  // it carries the 签收 / 退回 buttons, so nobody also gets a separate text.
  const lead = f.departments[0] ? ctx.directory.unit(f.departments[0]) : undefined;
  const people = [...new Set([...(lead?.members ?? []), ...(cadre ? [cadre] : [])])];
  if (people.length > 0) {
    const card = text.dispatchCard(f, ctx.directory);
    await ctx.cards.queued(`${key}:card`, f, taskIdOf(card));
    await ctx.outbox.enqueue({
      dedupeKey: `${key}:card`,
      destination: { kind: 'app', users: people },
      message: { type: 'card', card, fallback: `第 ${f.no} 号问题待签收，请回复“签收 ${f.no}”。` },
      label: `card ${f.no}`,
    });
  }
}

export interface ActResult {
  ok: boolean;
  message: string;
  finding?: Finding;
}

/** A state change by a person (command or button). Refusals change nothing and say why. */
export async function act(ctx: DomainContext, no: number, action: Action, actor: string, note: string, messageText: string): Promise<ActResult> {
  const f = await ctx.findings.get(no);
  if (!f) return { ok: false, message: `没有第 ${no} 号问题，请核对编号。` };
  const why = refusal(action, f, actor, ctx.directory, note) ?? (action === 'close' ? await missingEvidence(ctx.directory.org, ctx.evidence, f) : null);
  if (why) return { ok: false, message: why };

  const rule = RULES[action];
  const now = ctx.clock.now();
  const step = changeFor(ctx, action, f, note.trim(), actor, now);
  if ('error' in step) return { ok: false, message: step.error };

  const updated = await ctx.findings.change(
    no,
    { version: f.version, status: rule.from },
    { status: rule.to, ...step.set },
    step.history === false ? null : { at: now, by: actor, action: rule.verb, from: f.status, to: rule.to, note: step.history ?? (note.trim() || null), text: messageText },
  );
  if (!updated) return { ok: false, message: `第 ${no} 号问题刚被他人处理，请发“查询 ${no}”查看最新状态。` };

  await settleCards(ctx, updated);
  await notifyAfter(ctx, action, f, updated, actor, note.trim());
  let alike = '';
  if (action === 'close') {
    if (updated.household?.code && updated.item) await ctx.households.noteClosed(updated.household.code, updated.item, updated.no, now);
    alike = text.alikeElsewhere(updated, await openAlikeElsewhere(ctx, updated));
  }
  const evidenceHint =
    action === 'rectify' && evidenceRequiredBeforeClose(ctx.directory.org, updated.departments)
      ? `\n本问题销号前须有整改照片：请在 10 分钟内把照片发给我，或在问题页面上传：${ctx.links.finding(no)}`
      : '';
  return { ok: true, message: text.ACTION_DONE[action]!(updated) + evidenceHint + alike, finding: updated };
}

/** 举一反三: open findings of the same key problem in other villages. */
export async function openAlikeElsewhere(ctx: DomainContext, f: Pick<Finding, 'no' | 'item' | 'village'>): Promise<OpenFinding[]> {
  if (!f.item) return [];
  return (await ctx.findings.open()).filter((o) => o.item === f.item && o.no !== f.no && o.village !== f.village);
}

/** 拆分 N: a leader undoes a merge, and the finding is dispatched on its own. */
export async function splitFinding(ctx: DomainContext, no: number, actor: string, messageText: string): Promise<ActResult> {
  const f = await ctx.findings.get(no);
  if (!f) return { ok: false, message: `没有第 ${no} 号问题，请核对编号。` };
  if (!ctx.directory.isLeader(actor)) return { ok: false, message: `只有镇领导可以拆分第 ${no} 号问题。` };
  if (f.linkedTo === null || f.status !== 'cancelled') return { ok: false, message: `第 ${no} 号问题没有并入其他问题，无需拆分。` };
  const route = ctx.router.route({ text: f.text, village: f.village, task: f.task, item: f.item });
  if (route.task === null) return { ok: false, message: `第 ${no} 号问题归类不明，请用“改派 ${no} 问题编号”分派。` };
  const now = ctx.clock.now();
  const updated = await ctx.findings.change(
    no,
    { version: f.version, status: ['cancelled'] },
    { ...routeFields(ctx, route, now), linkedTo: null, cancelledAt: null },
    { at: now, by: actor, action: '拆分', from: 'cancelled', to: 'dispatched', note: `不再并入第 ${f.linkedTo} 号`, text: messageText },
  );
  if (!updated) return { ok: false, message: `第 ${no} 号问题刚被他人处理，请发“查询 ${no}”查看最新状态。` };
  await announceDispatch(ctx, updated);
  if (updated.reporter !== actor) {
    await tell(ctx, updated.reporter, `split:${no}:v${updated.version}:reporter`, { type: 'text', content: text.receipt(updated) }, updated.replyTo as ReplyTo | null);
  }
  return { ok: true, message: `第 ${no} 号问题已从第 ${f.linkedTo} 号拆出，单独交办：${text.itemLabel(updated.task, updated.item)} → ${updated.departments.join('、')}，时限 ${text.formatDate(updated.deadline)}。`, finding: updated };
}

/** 批次 名称: a leader names the round new findings belong to; 批次 alone says which it is. */
export async function setBatch(ctx: DomainContext, name: string, actor: string): Promise<ActResult> {
  const wanted = name.trim();
  if (wanted === '') {
    const current = await ctx.batches.current();
    return { ok: true, message: current ? `当前批次：${current}` : '尚未设定批次。镇领导可发“批次 名称”设定，如：批次 2026年回头看第一轮' };
  }
  if (!ctx.directory.isLeader(actor)) return { ok: false, message: '只有镇领导可以设定批次。' };
  if (wanted.length > MAX_BATCH_CHARS) return { ok: false, message: `批次名称过长（最多 ${MAX_BATCH_CHARS} 字）。` };
  await ctx.batches.set(wanted, actor, ctx.clock.now());
  return { ok: true, message: `当前批次已设为“${wanted}”，此后上报和导入的问题都记入这一批次。` };
}

/**
 * What an action changes beyond the status, and the note its history entry keeps (undefined: the
 * person's note; false: no entry, as for a 延期 request until a leader decides it).
 */
function changeFor(
  ctx: DomainContext,
  action: Action,
  f: Finding,
  note: string,
  actor: string,
  now: Date,
): { set: Partial<FindingDoc>; history?: string | false } | { error: string } {
  switch (action) {
    case 'accept': {
      const a = parseAcceptance(note, now, ctx.calendar, ctx.directory.org.reminders);
      if ('error' in a) return a;
      const deadline = a.deadline ?? f.deadline;
      return {
        set: { acceptedAt: now, kind: a.kind, measure: a.measure, ...(a.deadline ? { deadline: a.deadline } : {}) },
        history: [a.kind, `时限 ${text.formatDate(deadline)}`, a.measure ? `措施：${a.measure}` : null].filter(Boolean).join('，'),
      };
    }
    case 'rectify':
      return { set: { rectifiedAt: now, rectifyNote: note } };
    case 'close':
      return { set: { closedAt: now, checkedBy: actor, checkNote: note || null } };
    case 'cancel':
      return { set: { cancelledAt: now } };
    case 'return':
      return { set: { departments: [], deadline: null, dispatchedAt: null, acceptedAt: null, kind: null, measure: null, extension: null } };
    case 'reject':
      return { set: {} };
    case 'progress':
      return { set: { lastProgressAt: now } };
    case 'extend': {
      if (f.extension) return { error: `第 ${f.no} 号问题已申请延期至 ${text.formatDate(f.extension.deadline)}，正等待镇领导审批。` };
      const parts = splitDate(note);
      const zone = createZonedTime(ctx.calendar.timeZone);
      const date = parts ? parseDateWord(parts.date, zone.dateOf(now)) : undefined;
      if (!parts || !date) return { error: `请写明延期到的日期和原因，例如：延期 ${f.no} 12月30日 管材到货推迟` };
      if (parts.rest === '') return { error: `请写明延期原因，例如：延期 ${f.no} ${parts.date} 管材到货推迟` };
      const deadline = deadlineOn(ctx.calendar, date);
      if (f.deadline && deadline <= f.deadline) return { error: `延期日期须晚于现在的整改时限 ${text.formatDate(f.deadline)}。` };
      if (deadline <= now) return { error: `日期 ${date} 已经过去，请写今天以后的日期。` };
      return { set: { extension: { deadline, reason: parts.rest, by: actor, at: now } }, history: false };
    }
    case 'approveExtension': {
      const ext = f.extension;
      if (!ext) return { error: `第 ${f.no} 号问题没有待审批的延期申请。` };
      return {
        set: { deadline: ext.deadline, extension: null },
        history: `整改时限 ${text.formatDate(f.deadline)} → ${text.formatDate(ext.deadline)}（${ctx.directory.displayName(ext.by)} 申请：${ext.reason}）`,
      };
    }
    case 'refuseExtension':
      if (!f.extension) return { error: `第 ${f.no} 号问题没有待审批的延期申请。` };
      return { set: { extension: null }, history: false };
  }
}

async function notifyAfter(ctx: DomainContext, action: Action, before: Finding, f: Finding, actor: string, note: string): Promise<void> {
  const key = `${action}:${f.no}:v${f.version}`;
  switch (action) {
    case 'rectify': {
      if (f.reporter === actor) break;
      const replyTo = f.replyTo as ReplyTo | null;
      // Through the app the reporter gets a card with a 销号 button; elsewhere the text says what to reply.
      if (ctx.appMessaging && (!replyTo || replyTo.kind === 'app')) {
        await tellCard(ctx, f.reporter, `${key}:reporter`, f, text.rectifiedCard(f, ctx.directory), text.rectifiedNotice(f, ctx.directory), replyTo);
      } else {
        await tell(ctx, f.reporter, `${key}:reporter`, { type: 'text', content: text.rectifiedNotice(f, ctx.directory) }, replyTo);
      }
      break;
    }
    case 'return':
      for (const leader of ctx.directory.leaders()) {
        await tell(ctx, leader, `${key}:${leader}`, { type: 'text', content: text.returnedNotice(before, actor, note, ctx.directory) });
      }
      if (f.reporter !== actor) {
        await tell(ctx, f.reporter, `${key}:reporter`, { type: 'text', content: `您报告的第 ${f.no} 号问题被责任单位退回（${note}），镇领导将重新分派。` }, f.replyTo as ReplyTo | null);
      }
      break;
    case 'close':
    case 'reject':
    case 'cancel':
      if (before.departments[0]) {
        const unit = before.departments[0];
        await sendToGroup(ctx, unit, { dedupeKey: `${key}:${unit}`, content: (dialect) => text.groupStatusNotice(f, action, actor, note, ctx.directory, dialect), mentionMembers: action === 'reject' });
      }
      if (action === 'cancel' && f.reporter !== actor) {
        await tell(ctx, f.reporter, `${key}:reporter`, { type: 'text', content: `您报告的第 ${f.no} 号问题已被 ${ctx.directory.displayName(actor)} 撤销。` }, f.replyTo as ReplyTo | null);
      }
      break;
    case 'extend':
      for (const leader of ctx.directory.leaders()) {
        await tell(
          ctx,
          leader,
          `${key}:${leader}`,
          ctx.appMessaging
            ? { type: 'card', card: text.extensionCard(f, ctx.directory), fallback: text.extensionRequest(f, ctx.directory) }
            : { type: 'text', content: text.extensionRequest(f, ctx.directory) },
        );
      }
      break;
    case 'approveExtension':
    case 'refuseExtension': {
      const ext = before.extension!;
      const unit = before.departments[0];
      const decided = (dialect: MarkdownDialect | null) => text.extensionDecision(f, ext, action === 'approveExtension', actor, note, ctx.directory, dialect);
      if (unit) await sendToGroup(ctx, unit, { dedupeKey: `${key}:${unit}`, content: decided });
      if (!unit || !ctx.directory.unit(unit)?.members.includes(ext.by)) await tell(ctx, ext.by, `${key}:requester`, { type: 'text', content: decided(null) });
      break;
    }
    case 'accept':
    case 'progress':
      break;
  }
}

/**
 * 改派: the reporter chooses for a finding in triage, a leader (re)routes any open one. The
 * choice is an option number from the triage list, an item code ("5.2") or a task ("8", "#8").
 */
export async function reroute(ctx: DomainContext, no: number, choice: string, actor: string, messageText: string): Promise<ActResult> {
  const f = await ctx.findings.get(no);
  if (!f) return { ok: false, message: `没有第 ${no} 号问题，请核对编号。` };
  const leader = ctx.directory.isLeader(actor);
  if (!leader && !(actor === f.reporter && f.status === 'triage')) {
    return { ok: false, message: f.status === 'triage' ? `只有报告人或镇领导可以分派第 ${no} 号问题。` : `只有镇领导可以改派已交办的第 ${no} 号问题。` };
  }
  if (f.status === 'closed' || f.status === 'cancelled') return { ok: false, message: `第 ${no} 号问题已办结，不能改派。` };

  // "改派 12 东岭村" names the village; "改派 12 1.2 东岭村" both.
  const named = ctx.router.findVillage(choice);
  const rest = named ? choice.replace(named.village, '').replace(named.village.replace(/村$/, ''), '').trim() : choice.trim();
  const picked = rest === '' && named && f.task !== null ? { task: f.task, item: f.item } : parseChoice(rest, f);
  if (!picked) return { ok: false, message: `没看懂“${choice.trim()}”。请回复选项序号、任务号（1-8）或问题编号（如 5.2）。` };
  const village = named?.village ?? f.village;
  if (isDistrictTask(picked.task) && !village) {
    return { ok: false, message: `第 ${picked.task} 项任务由村所在管区办理，请写明村名，例如：改派 ${no} ${picked.item ?? `#${picked.task}`} 东岭村` };
  }

  const route = ctx.router.route({ text: f.text, village, task: picked.task, item: picked.item });
  if (route.task === null) return { ok: false, message: `没看懂“${choice.trim()}”。请回复任务号（1-8）或问题编号（如 5.2）。` };
  const now = ctx.clock.now();
  const fields = routeFields(ctx, route, now);
  const updated = await ctx.findings.change(
    no,
    { version: f.version, status: ['triage', 'dispatched', 'accepted', 'rectified'] },
    { ...fields, acceptedAt: null, rectifiedAt: null },
    { at: now, by: actor, action: f.status === 'triage' ? '分派' : '改派', from: f.status, to: 'dispatched', note: text.itemLabel(route.task, route.item), text: messageText },
  );
  if (!updated) return { ok: false, message: `第 ${no} 号问题刚被他人处理，请发“查询 ${no}”查看最新状态。` };

  await settleCards(ctx, updated);
  // A person's decision teaches the router how such reports are meant.
  if (route.task !== f.task || route.item !== f.item || f.status !== 'triage') {
    await ctx.corrections.record({ text: f.text, task: route.task, item: route.item ?? '', findingNo: no, by: actor, at: now });
  }
  if (f.departments[0] && f.departments[0] !== updated.departments[0] && f.status !== 'triage') {
    await sendToGroup(ctx, f.departments[0], { dedupeKey: `reroute:${no}:v${updated.version}:${f.departments[0]}`, content: `第 ${no} 号问题已改派给 ${updated.departments.join('、')}，本单位无需再办理。` });
  }
  await announceDispatch(ctx, updated);
  if (updated.reporter !== actor) {
    await tell(ctx, updated.reporter, `reroute:${no}:v${updated.version}:reporter`, { type: 'text', content: text.receipt(updated) }, updated.replyTo as ReplyTo | null);
  }
  return { ok: true, message: `第 ${no} 号问题已交办：${text.itemLabel(updated.task, updated.item)} → ${updated.departments.join('、')}，时限 ${text.formatDate(updated.deadline)}。`, finding: updated };
}

function parseChoice(choice: string, f: Finding): { task: TaskNo; item: string | null } | null {
  const explicitTask = choice.startsWith('#');
  const s = choice.replace(/^#/, '').replace(/^第/, '').replace(/[项号]$/, '');
  // In triage a bare digit is an option of the list the reporter was shown; "#8" is always task 8.
  const option = !explicitTask && /^[1-9]$/.test(s) && f.status === 'triage' && f.routing.alternatives.length >= Number(s) ? f.routing.alternatives[Number(s) - 1] : undefined;
  if (option && isTaskNo(option.task)) return { task: option.task, item: option.item };
  const ref = findItem(s);
  if (ref) return { task: ref.task.no, item: ref.problem.code };
  const n = Number(s);
  if (isTaskNo(n)) return { task: n, item: null };
  return null;
}

function taskIdOf(card: Record<string, unknown>): string | null {
  return typeof card.task_id === 'string' ? card.task_id : null;
}

/**
 * Every card about `f` whose buttons no longer apply, and that WeCom still lets the bot replace,
 * is replaced for all its recipients by one that says where the finding stands (no buttons).
 * Called after every change of a finding, and when a card's code arrives after the change.
 */
export async function settleCards(ctx: DomainContext, f: Finding): Promise<void> {
  for (const card of await ctx.cards.updatable(f.no, ctx.clock.now())) {
    if (!isStale(card, f) || !(await ctx.cards.take(card))) continue;
    await ctx.outbox.enqueue({
      dedupeKey: `card-settle:${card.code}`,
      destination: { kind: 'card_update', responseCode: card.code!, users: [] },
      message: { type: 'card', card: { template_card: text.settledCard(f, ctx.directory, ctx.links.finding(f.no)) }, fallback: text.staleClickNotice(f, ctx.directory) },
      label: `card-update ${f.no}`,
    });
  }
}

/** message/send gave a card its code: if the finding moved on while the card was on its way, the card is settled now. */
export async function cardSent(ctx: DomainContext, outboxKey: string, code: string | undefined): Promise<void> {
  if (!code) return;
  const no = await ctx.cards.sent(outboxKey, code, ctx.clock.now());
  const f = no === null ? null : await ctx.findings.get(no);
  if (f) await settleCards(ctx, f);
}

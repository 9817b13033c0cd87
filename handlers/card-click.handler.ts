import { act, reroute, settleCards, type ActResult } from '../src/findings/finding.service';
import { isStale } from '../src/findings/finding-cards';
import type { FindingStatus } from '../src/findings/finding.model';
import { RULES, type Action } from '../src/findings/lifecycle';
import { staleClickNotice } from '../src/findings/messages';
import type { InboundEvent } from '../src/wecom/events';
import type { HandlerContext } from './context';

type CardClick = Extract<InboundEvent, { kind: 'card_click' }>;

/** What each button does: the action, the note it carries, and what the button says afterwards when its card stays otherwise true. */
const BUTTONS: Record<string, { action: Action; note: string; done: string }> = {
  accept: { action: 'accept', note: '', done: '已签收' },
  'accept-now': { action: 'accept', note: '立行立改', done: '已签收（立行立改）' },
  'extend-yes': { action: 'approveExtension', note: '', done: '已同意延期' },
  'extend-no': { action: 'refuseExtension', note: '（卡片）不同意', done: '已不同意延期' },
  return: { action: 'return', note: '不属于本单位职责（卡片退回）', done: '已退回' },
  close: { action: 'close', note: '', done: '已销号' },
};

/**
 * Buttons on a dispatch card ("accept:N" 签收, "accept-now:N" 签收 as 立行立改, "return:N" 退回), on a
 * rectified finding's card to its reporter ("close:N" 销号), on a 延期 request's card to the
 * leaders ("extend-yes:N", "extend-no:N") and on the reporter's choice card ("route:N:5.2"). Every
 * click brings a fresh code for its card: after the click, whether it changed the finding or came
 * too late, each card about the finding whose buttons no longer apply is replaced (finding-cards.ts).
 */
export async function handleCardClick(event: CardClick, ctx: HandlerContext): Promise<void> {
  const choice = /^route:(\d+):([1-8](?:\.\d{1,2}){1,2})$/.exec(event.eventKey);
  const m = /^(accept|accept-now|return|close|extend-yes|extend-no):(\d+)$/.exec(event.eventKey);
  const button = m ? BUTTONS[m[1]!] : undefined;
  if (!choice && !button) {
    ctx.logger.info({ eventKey: event.eventKey }, '未知的卡片按钮');
    return;
  }
  const no = Number(choice ? choice[1] : m![2]);
  // The state the button acts on: a card the bot has no record of is taken to offer it.
  const offered: FindingStatus = choice ? 'triage' : RULES[button!.action].from[0]!;
  const now = ctx.clock.now();
  if (event.responseCode) await ctx.cards.clicked({ taskId: event.taskId, code: event.responseCode, no, status: offered, at: now });

  const result = choice
    ? await reroute(ctx, no, choice[2]!, event.from, `[卡片按钮] 改派 ${choice[2]}`)
    : await act(ctx, no, button!.action, event.from, button!.note, `[卡片按钮] ${RULES[button!.action].verb}`);
  if (result.ok && button && event.responseCode) await markDone(event.responseCode, no, `${button.done}（${ctx.directory.displayName(event.from)}）`, ctx);
  await ctx.reply(result.ok ? result.message : await refusalAnswer(no, offered, result, ctx));
}

/**
 * A card the change did not make stale (a 延期 decision leaves the finding 整改中) still loses the
 * button that was used: while the click's code is unused, the button becomes what was done.
 */
async function markDone(code: string, no: number, done: string, ctx: HandlerContext): Promise<void> {
  const card = (await ctx.cards.updatable(no, ctx.clock.now())).find((c) => c.code === code);
  if (!card || !(await ctx.cards.take(card))) return;
  await ctx.outbox.enqueue({
    dedupeKey: `card-update:${code}`,
    destination: { kind: 'card_update', responseCode: code, users: [] },
    message: { type: 'card', card: { button: { replace_name: done } }, fallback: done },
    label: `card-update ${no}`,
  });
}

/** A click that came too late says where the finding stands, and its card is replaced now; other refusals say why. */
async function refusalAnswer(no: number, offered: FindingStatus, result: ActResult, ctx: HandlerContext): Promise<string> {
  const f = await ctx.findings.get(no);
  if (!f) return result.message;
  await settleCards(ctx, f);
  return isStale({ status: offered, transitions: null }, f) ? staleClickNotice(f, ctx.directory) : result.message;
}

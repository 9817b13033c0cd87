import { act, reroute, type ActResult } from '../src/findings/finding.service';
import { RULES, type Action } from '../src/findings/lifecycle';
import type { InboundEvent } from '../src/wecom/events';
import type { HandlerContext } from './context';

type CardClick = Extract<InboundEvent, { kind: 'card_click' }>;

/** What each button does: the action, the note it carries, and what the button says afterwards. */
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
 * rectified finding's card to its reporter ("close:N" 销号) and on a 延期 request's card to the
 * leaders ("extend-yes:N", "extend-no:N"). The card is then updated for everyone who got it.
 */
export async function handleCardClick(event: CardClick, ctx: HandlerContext): Promise<void> {
  const choice = /^route:(\d+):([1-8](?:\.\d{1,2}){1,2})$/.exec(event.eventKey);
  if (choice) return handleRouteChoice(event, Number(choice[1]), choice[2]!, ctx);
  const m = /^(accept|accept-now|return|close|extend-yes|extend-no):(\d+)$/.exec(event.eventKey);
  const button = m ? BUTTONS[m[1]!] : undefined;
  if (!m || !button) {
    ctx.logger.info({ eventKey: event.eventKey }, '未知的卡片按钮');
    return;
  }
  const { action, note } = button;
  const no = Number(m[2]);
  const result = await act(ctx, no, action, event.from, note, `[卡片按钮] ${RULES[action].verb}`);
  await answerClick(event, no, result, `${button.done}（${ctx.directory.displayName(event.from)}）`, ctx);
}

/** A button of the reporter's choice card: "route:N:5.2" routes N as 5.2 (改派). */
async function handleRouteChoice(event: CardClick, no: number, item: string, ctx: HandlerContext): Promise<void> {
  const result = await reroute(ctx, no, item, event.from, `[卡片按钮] 改派 ${item}`);
  await answerClick(event, no, result, `已选 ${item}`, ctx);
}

/** The clicker hears what happened; when it worked, the card's buttons are replaced for everyone. */
async function answerClick(event: CardClick, no: number, result: ActResult, replaceName: string, ctx: HandlerContext): Promise<void> {
  if (result.ok && event.responseCode) {
    await ctx.outbox.enqueue({
      dedupeKey: `card-update:${event.deliveryKey}`,
      destination: { kind: 'card_update', responseCode: event.responseCode, users: [] },
      message: { type: 'card', card: { button: { replace_name: replaceName } }, fallback: result.message },
      label: `card-update ${no}`,
    });
  }
  await ctx.reply(result.message);
}

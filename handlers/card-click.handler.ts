import { act } from '../src/findings/finding.service';
import type { InboundEvent } from '../src/wecom/events';
import type { HandlerContext } from './context';

type CardClick = Extract<InboundEvent, { kind: 'card_click' }>;

/** Buttons on a dispatch card: "accept:N" (签收) and "return:N" (退回). The card is then updated for everyone who got it. */
export async function handleCardClick(event: CardClick, ctx: HandlerContext): Promise<void> {
  const m = /^(accept|return):(\d+)$/.exec(event.eventKey);
  if (!m) {
    ctx.logger.info({ eventKey: event.eventKey }, '未知的卡片按钮');
    return;
  }
  const action = m[1] === 'accept' ? 'accept' : 'return';
  const no = Number(m[2]);
  const note = action === 'return' ? '不属于本单位职责（卡片退回）' : '';
  const result = await act(ctx, no, action, event.from, note, `[卡片按钮] ${action === 'accept' ? '签收' : '退回'}`);
  if (result.ok && event.responseCode) {
    await ctx.outbox.enqueue({
      dedupeKey: `card-update:${event.deliveryKey}`,
      destination: { kind: 'card_update', responseCode: event.responseCode, users: [] },
      message: {
        type: 'card',
        card: { button: { replace_name: `${action === 'accept' ? '已签收' : '已退回'}（${ctx.directory.displayName(event.from)}）` } },
        fallback: result.message,
      },
      label: `card-update ${no}`,
    });
  }
  await ctx.reply(result.message);
}

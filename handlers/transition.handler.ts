import { act } from '../src/findings/finding.service';
import type { Action } from '../src/findings/lifecycle';
import type { HandlerContext } from './context';

/** 签收 / 退回 / 整改完成 / 销号 / 驳回 / 撤销: the answer goes back to whoever sent it. */
export async function handleTransition(command: { action: Action; no: number; note: string }, from: string, text: string, ctx: HandlerContext): Promise<void> {
  const result = await act(ctx, command.no, command.action, from, command.note, text);
  await ctx.reply(result.message);
}

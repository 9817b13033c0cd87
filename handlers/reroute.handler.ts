import { reroute } from '../src/findings/finding.service';
import type { HandlerContext } from './context';

/** 改派 N 类别: the reporter picks for a finding in triage; a leader routes or re-routes any open one. */
export async function handleReroute(command: { no: number; choice: string }, from: string, text: string, ctx: HandlerContext): Promise<void> {
  if (command.choice === '') {
    await ctx.reply(`请写明归类，例如：改派 ${command.no} 5.2 或 改派 ${command.no} #8`);
    return;
  }
  const result = await reroute(ctx, command.no, command.choice, from, text);
  await ctx.reply(result.message);
}

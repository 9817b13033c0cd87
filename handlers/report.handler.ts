import { replyToOf, reportFinding } from '../src/findings/finding.service';
import type { InboundEvent } from '../src/wecom/events';
import type { HandlerContext } from './context';

/** A message that is not a command is a new finding. */
export async function handleReport(event: InboundEvent, text: string, ctx: HandlerContext): Promise<void> {
  if (text.trim().length < 4) {
    await ctx.reply('请描述发现的问题（村、户、什么问题），例如：东岭村王某某家屋顶漏雨。发“帮助”查看全部命令。');
    return;
  }
  const replyTo = replyToOf(event);
  await reportFinding(ctx, {
    text,
    reporter: event.from,
    channel: event.channel === 'bot' ? 'bot' : 'chat',
    sourceKey: `wecom:${event.deliveryKey}`,
    replyTo,
  });
}

import { parseCommand } from '../src/commands/command-parser';
import type { DomainContext } from '../src/context';
import { isAppError } from '../src/errors';
import { replyToOf, setBatch, splitFinding, tell } from '../src/findings/finding.service';
import type { InboundEvent } from '../src/wecom/events';
import { handleCardClick } from './card-click.handler';
import type { HandlerContext } from './context';
import { handleImage } from './image.handler';
import { handleHelp, handleQuery, handleStats, handleTodo } from './query.handler';
import { handleReport } from './report.handler';
import { handleReroute } from './reroute.handler';
import { handleTransition } from './transition.handler';

/**
 * One inbound event, whatever its channel, to its handler. Answers go back the way it came. A
 * refusal (bad input, not allowed) is answered and done; anything else is thrown so the inbox
 * tries again later.
 */
export async function handleInbound(event: InboundEvent, domain: DomainContext): Promise<void> {
  const ctx = handlerContext(event, domain);
  try {
    await dispatch(event, ctx);
  } catch (err) {
    if (isAppError(err) && err.status < 500) {
      await ctx.reply(err.message);
      return;
    }
    throw err;
  }
}

function handlerContext(event: InboundEvent, domain: DomainContext): HandlerContext {
  let replies = 0;
  return {
    ...domain,
    logger: domain.logger.child({ delivery: event.deliveryKey, from: event.from }),
    reply: (content) =>
      tell(
        domain,
        event.from,
        `reply:${event.deliveryKey}:${replies++}`,
        { type: 'text', content },
        replyToOf(event),
      ),
  };
}

async function dispatch(event: InboundEvent, ctx: HandlerContext): Promise<void> {
  const domain = ctx;

  if (!domain.directory.knows(event.from)) {
    ctx.logger.warn('发送者不在组织文件中');
    await ctx.reply('您还不在本镇“回头看”工作人员名单中，请联系镇扶贫办添加后再使用。');
    return;
  }

  switch (event.kind) {
    case 'text': {
      const command = parseCommand(event.text);
      switch (command.kind) {
        case 'action':
          return handleTransition(command, event.from, event.text, ctx);
        case 'reroute':
          return handleReroute(command, event.from, event.text, ctx);
        case 'query':
          return handleQuery(command.no, ctx);
        case 'todo':
          return handleTodo(event.from, ctx);
        case 'stats':
          return handleStats(ctx);
        case 'help':
          return handleHelp(ctx);
        case 'split':
          return ctx.reply((await splitFinding(ctx, command.no, event.from, event.text)).message);
        case 'batch':
          return ctx.reply((await setBatch(ctx, command.name, event.from)).message);
        case 'malformed':
          return ctx.reply(`请在“${command.verb}”后写上问题编号，例如：${command.verb} 12。发“帮助”查看全部命令。`);
        case 'report':
          return handleReport(event, command.text, ctx);
      }
      return;
    }
    case 'card_click':
      return handleCardClick(event, ctx);
    case 'image':
      return handleImage(event, ctx);
    case 'enter':
    case 'other':
      return;
  }
}

import { AppError } from '../errors';
import { APP_MARKDOWN_MAX_BYTES, APP_TEXT_MAX_BYTES, ROBOT_MARKDOWN_MAX_BYTES, ROBOT_TEXT_MAX_BYTES, truncateMarkdown, truncateText } from '../wecom/limits';
import type { WeComClient } from '../wecom/wecom.client';
import type { Destination, OutboundMessage } from './outbox.model';
import type { Transport } from './outbox';

/** Each destination kind to the WeCom call that reaches it, within WeCom's size limits. */
export function createWeComTransport(
  client: WeComClient,
  options: { fetch?: typeof fetch; /** the smart bot's long connection, when configured */ botChat?: (to: string, markdown: string) => Promise<void> } = {},
): Transport {
  const doFetch = options.fetch ?? fetch;

  const appBody = (message: OutboundMessage): Record<string, unknown> => {
    switch (message.type) {
      case 'markdown':
        return { msgtype: 'markdown', markdown: { content: truncateMarkdown(message.content, APP_MARKDOWN_MAX_BYTES) } };
      case 'text':
        return { msgtype: 'text', text: { content: truncateText(message.content, APP_TEXT_MAX_BYTES) } };
      case 'card':
        return { msgtype: 'template_card', template_card: message.card };
    }
  };

  return async (destination: Destination, message: OutboundMessage) => {
    switch (destination.kind) {
      case 'webhook': {
        const body =
          message.type === 'markdown'
            ? { msgtype: 'markdown', markdown: { content: truncateMarkdown(message.content, ROBOT_MARKDOWN_MAX_BYTES) } }
            : message.type === 'text'
              ? { msgtype: 'text', text: { content: truncateText(message.content, ROBOT_TEXT_MAX_BYTES), mentioned_list: message.mentions } }
              : { msgtype: 'text', text: { content: truncateText(message.fallback, ROBOT_TEXT_MAX_BYTES) } }; // robots take no interactive cards
        await client.webhookSend(destination.key, body);
        return;
      }
      case 'appchat': {
        // App group chats take no template_card: send its text instead.
        const body = message.type === 'card' ? { msgtype: 'text', text: { content: message.fallback } } : appBody(message);
        await client.appchatSend({ chatid: destination.chatid, ...body } as { chatid: string; msgtype: string });
        return;
      }
      case 'app': {
        await client.sendAppMessage({ touser: destination.users.join('|'), ...appBody(message) } as { touser: string; msgtype: string });
        return;
      }
      case 'card_update': {
        if (message.type !== 'card') throw new AppError('internal', 'card_update needs a card message');
        await client.updateTemplateCard({ response_code: destination.responseCode, ...(destination.users.length ? { userids: destination.users } : { atall: 1 }), ...message.card });
        return;
      }
      case 'bot_chat': {
        if (!options.botChat) {
          throw Object.assign(new AppError('wecom', '未配置智能机器人长连接，无法回复'), { retryable: false });
        }
        const content = message.type === 'card' ? message.fallback : message.content;
        await options.botChat(destination.to, truncateMarkdown(content, ROBOT_MARKDOWN_MAX_BYTES));
        return;
      }
      case 'bot_response': {
        const content = message.type === 'card' ? message.fallback : message.content;
        const res = await doFetch(destination.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ msgtype: 'markdown', markdown: { content: truncateMarkdown(content, ROBOT_MARKDOWN_MAX_BYTES) } }),
          signal: AbortSignal.timeout(10_000),
        });
        const answer = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
        if (!res.ok || (answer.errcode ?? 0) !== 0) {
          const error = new AppError('wecom', `智能机器人回复失败（${answer.errcode ?? res.status}）`);
          // An expired response_url (valid for an hour, once) will never work: do not retry it forever.
          (error as AppError & { retryable: boolean }).retryable = res.status >= 500 || answer.errcode === -1;
          throw error;
        }
        return;
      }
    }
  };
}

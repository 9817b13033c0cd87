import { AppError } from '../errors';
import {
  APP_MARKDOWN_MAX_BYTES,
  APP_TEXT_MAX_BYTES,
  markdownToText,
  ROBOT_MARKDOWN_MAX_BYTES,
  ROBOT_TEXT_MAX_BYTES,
  safeTaskId,
  SMART_BOT_MARKDOWN_MAX_BYTES,
  toMarkdownV2,
  truncateMarkdown,
  truncateText,
} from '../wecom/limits';
import { inertText } from '../wecom/markup';
import type { DeliveryResult, WebhookMessageBody, WeComClient } from '../wecom/wecom.client';
import type { Destination, OutboundMessage } from './outbox.model';
import type { Transport, UnreachedMember } from './outbox';

export interface TransportOptions {
  fetch?: typeof fetch;
  /** The smart bot's long connection, when configured. */
  botChat?: (to: string, markdown: string) => Promise<void>;
  /**
   * Whether the app may send cards with buttons: WeCom refuses them from an app without a
   * callback URL ("没有配置回调接口的应用不可发送支持回调的卡片"). Off: the card's text goes instead.
   */
  cards?: boolean;
  /** Destinations read on 微工作台 (WeCom inside WeChat), which shows neither cards nor markdown. */
  plainText?: (destination: Destination) => boolean;
  /** Makes task_ids unique per install (WeCom keeps them for good); resolves the install id. */
  installId?: () => Promise<string>;
  /** Told once when WeCom says the app has no callback URL (cards then go as text). */
  onCardsRefused?: () => void;
}

/** "The app needs a callback URL for cards with buttons." */
const NO_CALLBACK_URL = 43012;

const textBody = (content: string, max: number) => ({ msgtype: 'text', text: { content: truncateText(content, max) } });

/** What the outbox keeps of a send: who was not reached, and a button card's code (see findings/finding-cards.ts). */
const unreachedOf = (result: DeliveryResult): { unreached: UnreachedMember[]; responseCode?: string } => ({
  ...(result.responseCode ? { responseCode: result.responseCode } : {}),
  unreached: [
    ...result.invalidUsers.map((userid) => ({ userid, why: 'invisible' as const })),
    ...result.unlicensedUsers.map((userid) => ({ userid, why: 'unlicensed' as const })),
  ],
});

const isContentRefusal = (err: unknown): boolean => (err as { kind?: string }).kind === 'content';

/** Said at the end of a text cut short after WeCom refused the whole of it. */
const CUT_NOTE = '\n（内容过长已截断，详情见进度看板）';

/**
 * What to send when WeCom refused a text or markdown body as such (45002 too long by its count,
 * 40058 a field it will not take): markdown as plain text, and text at half the length with a note;
 * null when nothing plainer is left to try. The message is not lost to a limit counted differently
 * from ours.
 */
function plainerBody(body: Record<string, unknown>, plain: string, max: number): Record<string, unknown> | null {
  const mentions = (body.text as { mentioned_list?: string[] } | undefined)?.mentioned_list;
  const withMentions = (b: { msgtype: string; text: { content: string } }) => (mentions?.length ? { ...b, text: { ...b.text, mentioned_list: mentions } } : b);
  if (body.msgtype === 'markdown') return withMentions(textBody(plain, max));
  if (body.msgtype !== 'text') return null;
  const half = Math.floor(max / 2);
  return withMentions({ msgtype: 'text', text: { content: truncateText(plain, half - Buffer.byteLength(CUT_NOTE)) + CUT_NOTE } });
}

/** Sends `body`; on each content refusal the plainer body, at most twice (markdown, text, half of it). */
async function sendOrPlainer<T>(send: (body: Record<string, unknown>) => Promise<T>, body: Record<string, unknown>, plain: string, max: number): Promise<T> {
  let current = body;
  for (let tries = 0; ; tries++) {
    try {
      return await send(current);
    } catch (err) {
      const plainer = isContentRefusal(err) && tries < 2 ? plainerBody(current, plain, max) : null;
      if (!plainer) throw err;
      current = plainer;
    }
  }
}

/** Each destination kind to the WeCom call that reaches it, within WeCom's size limits and rules. */
export function createWeComTransport(client: WeComClient, options: TransportOptions = {}): Transport {
  const doFetch = options.fetch ?? fetch;
  // Off when configured so, or once WeCom said the app has no callback URL.
  let cards = options.cards ?? true;

  /** The text/markdown a reader sees when the message cannot be shown as it is. */
  const plainOf = (message: OutboundMessage): string =>
    message.type === 'card' ? message.fallback : message.type === 'markdown' ? markdownToText(message.content) : message.content;

  const appBody = async (message: OutboundMessage, plain: boolean): Promise<Record<string, unknown>> => {
    if (plain || (message.type === 'card' && !cards)) return textBody(plainOf(message), APP_TEXT_MAX_BYTES);
    switch (message.type) {
      case 'markdown':
        return { msgtype: 'markdown', markdown: { content: truncateMarkdown(message.content, APP_MARKDOWN_MAX_BYTES) } };
      case 'text':
        return textBody(message.content, APP_TEXT_MAX_BYTES);
      case 'card': {
        const own = typeof message.card.task_id === 'string' ? message.card.task_id : '';
        const taskId = options.installId && own ? safeTaskId(`${await options.installId()}-${own}`) : safeTaskId(own);
        return { msgtype: 'template_card', template_card: { ...message.card, ...(taskId ? { task_id: taskId } : {}) } };
      }
    }
  };

  // The smart bot sends markdown_v2 only: a text message (or a card's text) has no markup of its
  // own, so all of it is made inert, or a reason or note quoted in it would render.
  const smartBotMarkdown = (message: OutboundMessage): string =>
    truncateMarkdown(
      message.type === 'markdown' ? toMarkdownV2(message.content) : inertText(message.type === 'card' ? message.fallback : message.content, 'bot'),
      SMART_BOT_MARKDOWN_MAX_BYTES,
    );

  return async (destination: Destination, message: OutboundMessage) => {
    const plain = options.plainText?.(destination) ?? false;
    switch (destination.kind) {
      case 'webhook': {
        const body =
          message.type === 'markdown' && !plain
            ? { msgtype: 'markdown', markdown: { content: truncateMarkdown(message.content, ROBOT_MARKDOWN_MAX_BYTES) } }
            : message.type === 'text'
              ? { msgtype: 'text', text: { content: truncateText(message.content, ROBOT_TEXT_MAX_BYTES), mentioned_list: message.mentions } }
              : textBody(plainOf(message), ROBOT_TEXT_MAX_BYTES); // robots take no interactive cards
        await sendOrPlainer((b) => client.webhookSend(destination.key, b as WebhookMessageBody), body, plainOf(message), ROBOT_TEXT_MAX_BYTES);
        return;
      }
      case 'appchat': {
        // App group chats take no template_card: send its text instead.
        const body = message.type === 'card' ? textBody(message.fallback, APP_TEXT_MAX_BYTES) : await appBody(message, plain);
        await sendOrPlainer((b) => client.appchatSend({ chatid: destination.chatid, ...b } as { chatid: string; msgtype: string }), body, plainOf(message), APP_TEXT_MAX_BYTES);
        return;
      }
      case 'app': {
        const touser = destination.users.join('|');
        const body = await appBody(message, plain);
        const send = async (b: Record<string, unknown>) => unreachedOf(await client.sendAppMessage({ touser, ...b } as { touser: string; msgtype: string }));
        if (body.msgtype !== 'template_card') return sendOrPlainer(send, body, plainOf(message), APP_TEXT_MAX_BYTES);
        try {
          return await send(body);
        } catch (err) {
          if (!isContentRefusal(err)) throw err;
          // A card WeCom will not take (a task_id it has seen, a field it refuses): its text still says what to do.
          if ((err as { errcode?: number }).errcode === NO_CALLBACK_URL && cards) {
            cards = false;
            options.onCardsRefused?.();
          }
          return sendOrPlainer(send, textBody(plainOf(message), APP_TEXT_MAX_BYTES), plainOf(message), APP_TEXT_MAX_BYTES);
        }
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
        await options.botChat(destination.to, smartBotMarkdown(message));
        return;
      }
      case 'bot_response': {
        const res = await doFetch(destination.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ msgtype: 'markdown', markdown: { content: smartBotMarkdown(message) } }),
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

import AiBot, { type WsFrame } from '@wecom/aibot-node-sdk';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { parseBotMessage } from './callback-parse';
import type { InboundEvent } from './events';

/**
 * The smart bot's long connection (WebSocket): for towns without a public URL. It produces the
 * same InboundEvents as the /wecom/bot callback and hands them to the same inbox; answers go
 * out through `send` (aibot_send_msg), since a long connection has no response_url. WeCom keeps
 * one live connection per bot: a second one takes over and the first is told to close.
 */
export interface BotConnection {
  /** Posts markdown to a chat: a group's chatid, or a userid for a 1:1 chat. */
  send(to: string, markdown: string): Promise<void>;
  start(): void;
  stop(): void;
  readonly connected: boolean;
}

const FRAMES = ['message.text', 'message.image', 'message.mixed', 'message.voice', 'event.template_card_event', 'event.enter_chat'] as const;

export function createBotConnection(options: {
  botId: string;
  secret: string;
  wsUrl?: string;
  clock: Clock;
  logger: Logger;
  accept(event: InboundEvent): Promise<void>;
}): BotConnection {
  const log = options.logger.child({ channel: 'bot-ws' });
  const client = new AiBot.WSClient({
    botId: options.botId,
    secret: options.secret,
    ...(options.wsUrl ? { wsUrl: options.wsUrl } : {}),
    maxReconnectAttempts: -1,
    logger: {
      debug: () => {},
      info: (msg: string) => log.debug(msg),
      warn: (msg: string) => log.warn(msg),
      error: (msg: string) => log.error(msg),
    },
  });

  const onFrame = (frame: WsFrame): void => {
    let event: InboundEvent;
    try {
      event = parseBotMessage(frame.body, { now: options.clock.now() });
    } catch (err) {
      log.warn({ err }, '长连接收到无法识别的消息，已忽略');
      return;
    }
    // A long-connection frame has no response_url: answers go back over the connection.
    const { responseUrl: _ignored, ...rest } = event;
    options.accept(rest as InboundEvent).catch((err: unknown) => log.error({ err, delivery: event.deliveryKey }, '长连接消息未能存入收件箱'));
  };
  for (const name of FRAMES) client.on(name, onFrame);
  client.on('authenticated', () => log.info('智能机器人长连接已认证'));
  client.on('disconnected', (reason: string) => log.warn({ reason }, '智能机器人长连接断开，将自动重连'));

  return {
    async send(to, markdown) {
      await client.sendMessage(to, { msgtype: 'markdown', markdown: { content: markdown } });
    },
    start: () => {
      client.connect();
    },
    stop: () => client.disconnect(),
    get connected() {
      return client.isConnected;
    },
  };
}

import AiBot, { type WsFrame } from '@wecom/aibot-node-sdk';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { parseBotMessage } from './callback-parse';
import type { ConnectionLease } from './connection-lease';
import type { InboundEvent } from './events';

/**
 * The smart bot's long connection (WebSocket): for towns without a public URL. It produces the
 * same InboundEvents as the /wecom/bot callback and hands them to the same inbox; answers go
 * out through `send` (aibot_send_msg), since a long connection has no response_url. WeCom keeps
 * one live connection per bot: a second one takes over and the first is told to close
 * (`disconnected_event`, after which the SDK does not reconnect). So with several instances only
 * the holder of a lease (see connection-lease.ts) connects; the others stand by and take over
 * when it stops or dies.
 */
export interface BotConnection {
  /** Posts markdown to a chat: a group's chatid, or a userid for a 1:1 chat. */
  send(to: string, markdown: string): Promise<void>;
  start(): void;
  /** Closes the connection and gives up the lease, so a standby takes over. */
  stop(): Promise<void>;
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
  /** Several instances: only the lease's holder connects. Absent: this instance always does. */
  lease?: ConnectionLease;
  /** How often the lease is looked at; default 3 s. */
  leaseCheckMs?: number;
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

  let open = false;
  let leaving = false;
  let supplanted = false;
  let timer: NodeJS.Timeout | undefined;
  const lease = options.lease;
  /** After another connection took over, this instance leaves the bot to it for a while. */
  const SUPPLANTED_PAUSE_MS = 10 * 60_000;

  client.on('event.disconnected_event', () => {
    supplanted = true;
    log.warn('企业微信通知：同一智能机器人的另一条长连接已建立，本连接被关闭，不再重连（同一机器人只能有一条长连接；若不是本服务的其他实例，请检查是否有别处也在使用这个 BotID）');
    lease?.pause(SUPPLANTED_PAUSE_MS);
    void lease?.release();
  });
  client.on('disconnected', (reason: string) => {
    open = false;
    if (leaving || supplanted) log.info({ reason }, '智能机器人长连接已关闭');
    else log.warn({ reason }, '智能机器人长连接断开，将自动重连');
  });

  const connect = (): void => {
    if (open) return;
    open = true;
    leaving = false;
    supplanted = false;
    client.connect();
  };
  const disconnect = (): void => {
    if (!open) return;
    leaving = true;
    open = false;
    client.disconnect();
  };

  /** Connects while this instance holds the lease, disconnects when it lost it. */
  const check = async (): Promise<void> => {
    if (!lease) return;
    try {
      const holding = await lease.tick();
      if (holding && !open) {
        log.info('本实例持有智能机器人长连接');
        connect();
      } else if (!holding && open) {
        log.info('智能机器人长连接改由另一实例持有，本实例待命');
        disconnect();
      }
    } catch (err) {
      log.warn({ err }, '无法确认智能机器人长连接的持有者，稍后再试');
    }
  };

  return {
    async send(to, markdown) {
      await client.sendMessage(to, { msgtype: 'markdown', markdown: { content: markdown } });
    },
    start: () => {
      if (!lease) return connect();
      void check();
      timer = setInterval(() => void check(), options.leaseCheckMs ?? 3_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      disconnect();
      await lease?.release();
    },
    get connected() {
      return client.isConnected;
    },
  };
}

import { WebSocketServer, type WebSocket } from 'ws';
import { startTestService, type TestService } from './service';

/** A stand-in for WeCom's long-connection server: authenticates the bot, pushes frames, records what it sends. */
export async function startFakeBotServer() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const sent: { chatid: string; content: string }[] = [];
  const auths: { bot_id: string; secret: string }[] = [];
  let socket: WebSocket | undefined;
  wss.on('connection', (ws) => {
    socket = ws;
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { cmd?: string; headers: { req_id: string }; body?: Record<string, unknown> };
      if (frame.cmd === 'aibot_subscribe') auths.push(frame.body as { bot_id: string; secret: string });
      if (frame.cmd === 'aibot_send_msg') {
        const body = frame.body as { chatid: string; markdown: { content: string } };
        sent.push({ chatid: body.chatid, content: body.markdown.content });
      }
      ws.send(JSON.stringify({ headers: { req_id: frame.headers.req_id }, errcode: 0, errmsg: 'ok' }));
    });
  });
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}`,
    sent,
    auths,
    push(body: Record<string, unknown>) {
      socket?.send(JSON.stringify({ cmd: 'aibot_msg_callback', headers: { req_id: `r-${String(body.msgid)}` }, body }));
    },
    /** An event frame (aibot_event_callback), e.g. `disconnected_event` when another connection took over. */
    pushEvent(eventtype: string) {
      socket?.send(JSON.stringify({ cmd: 'aibot_event_callback', headers: { req_id: `e-${eventtype}` }, body: { msgid: `e-${eventtype}`, msgtype: 'event', event: { eventtype } } }));
    },
    /** How many connections are open now. */
    get open() {
      return wss.clients.size;
    },
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}

/** Polls `check` until it holds (real time), failing after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type FakeBotServer = Awaited<ReturnType<typeof startFakeBotServer>>;

/** The service with its smart bot on a long connection to a fake server, once the bot has authenticated. */
export async function startServiceWithBot(): Promise<{ server: FakeBotServer; t: TestService }> {
  const server = await startFakeBotServer();
  const t = await startTestService({ env: { WECOM_BOT_ID: 'bot-yaocun', WECOM_BOT_SECRET: 'bot-secret', WECOM_BOT_WS_URL: server.url } });
  await until(() => server.auths.length > 0);
  return { server, t };
}

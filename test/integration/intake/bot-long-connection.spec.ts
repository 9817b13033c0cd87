import { expect } from 'chai';
import { WebSocketServer, type WebSocket } from 'ws';
import { startTestService, type TestService } from '../../helpers/service';
import { botTextJson, signedBotCallback, TEST_BOT } from '../../helpers/wecom-signer';

/** A stand-in for WeCom's long-connection server: authenticates the bot, pushes frames, records what it sends. */
async function startFakeBotServer() {
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
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('smart bot over the long connection (fake WeCom WebSocket server)', () => {
  let server: Awaited<ReturnType<typeof startFakeBotServer>>;
  let t: TestService;

  beforeEach(async () => {
    server = await startFakeBotServer();
    t = await startTestService({ env: { WECOM_BOT_ID: 'bot-yaocun', WECOM_BOT_SECRET: 'bot-secret', WECOM_BOT_WS_URL: server.url } });
    await until(() => server.auths.length > 0);
  });
  afterEach(async () => {
    await t.stop();
    await server.close();
  });

  it('authenticates, takes a report from a group, dispatches it and answers in that chat; a repeated frame adds nothing', async () => {
    expect(server.auths[0]).to.deep.include({ bot_id: 'bot-yaocun', secret: 'bot-secret' });
    const frame = {
      msgid: 'ws-msg-1',
      aibotid: 'bot-yaocun',
      chatid: 'CHAT-DONGLING',
      chattype: 'group',
      from: { userid: 'zhuxia' },
      msgtype: 'text',
      text: { content: '@回头看助手 东岭村李某某家危房，屋顶漏雨' },
    };
    server.push(frame);
    await until(async () => (await t.service.domain.findings.count()) === 1);
    await t.settle();
    const f = await t.service.domain.findings.get(1);
    expect(f).to.include({ status: 'dispatched', task: 8, channel: 'bot', source: '自查', reporter: 'zhuxia' });
    await until(() => server.sent.length > 0);
    expect(server.sent[0]!.chatid).to.equal('CHAT-DONGLING');
    expect(server.sent[0]!.content).to.contain('已收到，编号 1').and.to.contain('镇建办');
    expect(t.wecom.toWebhook('EXAMPLE-ZHENJIAN-ROBOT-KEY')).to.have.length(1);

    server.push(frame);
    await new Promise((r) => setTimeout(r, 200));
    await t.settle();
    expect(await t.service.domain.findings.count()).to.equal(1);
  });
});

describe('smart bot over the URL callback (/wecom/bot)', () => {
  let t: TestService;

  beforeEach(async () => {
    t = await startTestService({ env: { WECOM_BOT_TOKEN: TEST_BOT.token, WECOM_BOT_ENCODING_AES_KEY: TEST_BOT.encodingAesKey } });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('takes an @bot report in a group and answers through its response_url', async () => {
    const json = botTextJson({
      msgid: 'bot-cb-1',
      from: 'zhuxia',
      chatid: 'CHAT-DONGLING',
      mention: '回头看助手',
      content: '东岭村王某某家自来水不通，现在挑水吃',
      responseUrl: `${t.wecom.base}/cgi-bin/aibot/response?response_code=RC1`,
    });
    const signed = signedBotCallback({ ...TEST_BOT, json, timestamp: String(Math.floor(t.clock.now().getTime() / 1000)) });
    const res = await fetch(`${t.base}/wecom/bot?${signed.query}`, { method: 'POST', body: signed.body });
    expect(res.status).to.equal(200);
    await t.settle();
    const f = await t.service.domain.findings.get(1);
    expect(f).to.include({ item: '5.2', channel: 'bot' });
    const answer = t.wecom.received.find((r) => r.api === 'aibot/response');
    expect(answer?.to).to.equal('RC1');
    expect(answer?.content).to.contain('已收到，编号 1').and.to.contain('农业服务站');
  });
});

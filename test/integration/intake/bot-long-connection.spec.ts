import { expect } from 'chai';
import { startServiceWithBot, until, type FakeBotServer } from '../../helpers/fake-bot-server';
import { startTestService, type TestService } from '../../helpers/service';
import { botTextJson, signedBotCallback, TEST_BOT } from '../../helpers/wecom-signer';

describe('smart bot over the long connection (fake WeCom WebSocket server)', () => {
  let server: FakeBotServer;
  let t: TestService;
  beforeEach(async () => {
    ({ server, t } = await startServiceWithBot());
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

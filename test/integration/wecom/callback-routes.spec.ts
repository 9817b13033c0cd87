import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import { FixedClock } from '../../../src/clock';
import { createApp } from '../../../src/http/app';
import { silentLogger } from '../../../src/logger';
import { createWeComCallbackRouter, type CallbackRouterDeps } from '../../../src/wecom/callback.routes';
import type { InboundEvent } from '../../../src/wecom/events';
import { OFFICIAL_SAMPLE as S } from '../../fixtures/wecom/official-sample';
import {
  appCardClickXml,
  appTextXml,
  botCardClickJson,
  botTextJson,
  signedAppCallback,
  signedBotCallback,
  signedEchoQuery,
  TEST_APP,
  TEST_BOT,
} from '../../helpers/wecom-signer';

const NOW = new Date('2026-05-11T02:00:00.000Z');
const TS = String(Math.floor(NOW.getTime() / 1000));

describe('WeCom callback routes (real Koa app on port 0)', () => {
  let server: Server | undefined;
  let base: string;
  let accepted: InboundEvent[];
  let clock: FixedClock;
  let failAccept: boolean;

  async function start(overrides: Partial<CallbackRouterDeps> = {}): Promise<void> {
    const router = createWeComCallbackRouter({
      app: { token: TEST_APP.token, encodingAesKey: TEST_APP.encodingAesKey, corpId: TEST_APP.corpId },
      bot: { token: TEST_BOT.token, encodingAesKey: TEST_BOT.encodingAesKey },
      accept: async (event) => {
        if (failAccept) throw new Error('database down');
        accepted.push(event);
      },
      clock,
      logger: silentLogger(),
      ...overrides,
    });
    const app = createApp({ logger: silentLogger(), databaseReady: async () => true, routers: [router] });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  beforeEach(() => {
    accepted = [];
    failAccept = false;
    clock = new FixedClock(NOW);
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  const post = (path: string, query: string, body: string) =>
    fetch(`${base}${path}?${query}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });

  async function expectRefused(res: Response, status: number): Promise<void> {
    expect(res.status).to.equal(status);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).to.be.a('string').and.not.equal('');
    expect(body.error.message).not.to.match(/at .*\.ts/);
    expect(accepted).to.deep.equal([]);
  }

  describe("GET /wecom/callback with WeCom's official sample", () => {
    it('answers the decrypted echostr as bare text/plain', async () => {
      const v = S.verifyUrl;
      clock.set(new Date(Number(v.timestamp) * 1000 + 30_000));
      await start({ app: { token: S.token, encodingAesKey: S.encodingAesKey, corpId: S.corpId } });
      // As in the sample's request line: echostr URL-encoded.
      const query = `msg_signature=${v.msgSignature}&timestamp=${v.timestamp}&nonce=${v.nonce}&echostr=${encodeURIComponent(v.echostr)}`;
      const res = await fetch(`${base}/wecom/callback?${query}`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain/);
      expect(await res.text()).to.equal(v.plaintext);
    });

    it('copes with an echostr whose "+" arrived unencoded', async () => {
      const v = S.verifyUrl;
      clock.set(new Date(Number(v.timestamp) * 1000));
      await start({ app: { token: S.token, encodingAesKey: S.encodingAesKey, corpId: S.corpId } });
      const raw = v.echostr.replace(/\//g, '%2F').replace(/=/g, '%3D'); // '+' left as is: decodes to ' '
      const res = await fetch(`${base}/wecom/callback?msg_signature=${v.msgSignature}&timestamp=${v.timestamp}&nonce=${v.nonce}&echostr=${raw}`);
      expect(await res.text()).to.equal(v.plaintext);
    });

    it('refuses a wrong signature with 401', async () => {
      const v = S.verifyUrl;
      await start({ app: { token: S.token, encodingAesKey: S.encodingAesKey, corpId: S.corpId } });
      const bad = `msg_signature=${'0'.repeat(40)}&timestamp=${v.timestamp}&nonce=${v.nonce}&echostr=${encodeURIComponent(v.echostr)}`;
      await expectRefused(await fetch(`${base}/wecom/callback?${bad}`), 401);
      const otherNonce = `msg_signature=${v.msgSignature}&timestamp=${v.timestamp}&nonce=1&echostr=${encodeURIComponent(v.echostr)}`;
      await expectRefused(await fetch(`${base}/wecom/callback?${otherNonce}`), 401);
    });

    it('answers whatever the clock says: a URL check has no replay window (the sample is from 2016)', async () => {
      const v = S.verifyUrl;
      await start({ app: { token: S.token, encodingAesKey: S.encodingAesKey, corpId: S.corpId } });
      const res = await fetch(`${base}/wecom/callback?msg_signature=${v.msgSignature}&timestamp=${v.timestamp}&nonce=${v.nonce}&echostr=${encodeURIComponent(v.echostr)}`);
      expect(await res.text()).to.equal(v.plaintext);
    });

    it('refuses missing parameters with 400', async () => {
      await start();
      await expectRefused(await fetch(`${base}/wecom/callback`), 400);
      await expectRefused(await fetch(`${base}/wecom/callback?msg_signature=abc&timestamp=1&nonce=1&echostr=x`), 400);
    });
  });

  describe("POST /wecom/callback with WeCom's official sample", () => {
    it('verifies, decrypts, parses and accepts it, answering 200 with an empty body', async () => {
      const m = S.message;
      clock.set(new Date(Number(m.timestamp) * 1000));
      await start({ app: { token: S.token, encodingAesKey: S.encodingAesKey, corpId: S.corpId } });
      const res = await post('/wecom/callback', `msg_signature=${m.msgSignature}&timestamp=${m.timestamp}&nonce=${m.nonce}`, m.body);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('');
      expect(accepted).to.deep.equal([
        { channel: 'app', deliveryKey: '1456453720', from: 'ChenJiaShun', at: '2016-10-14T05:26:19.000Z', kind: 'text', text: '你好' },
      ]);
    });
  });

  describe('POST /wecom/callback (signed with the test helper)', () => {
    it('accepts a text message with a 64-bit MsgId kept exact', async () => {
      await start();
      const xml = appTextXml({ from: 'lisi', content: '东岭村 李某家房屋墙体开裂', msgId: '7193715848394528797', createTime: NOW });
      const { query, body } = signedAppCallback({ ...TEST_APP, xml, timestamp: TS });
      const res = await post('/wecom/callback', query, body);
      expect(res.status).to.equal(200);
      expect(accepted).to.have.length(1);
      expect(accepted[0]).to.include({ kind: 'text', deliveryKey: '7193715848394528797', text: '东岭村 李某家房屋墙体开裂', channel: 'app' });
    });

    it('accepts a card click', async () => {
      await start();
      const xml = appCardClickXml({ from: 'wangwu', eventKey: 'accept:12', taskId: 'f12-1', responseCode: 'RC', createTime: NOW });
      const res = await post('/wecom/callback', signedAppCallback({ ...TEST_APP, xml, timestamp: TS }).query, signedAppCallback({ ...TEST_APP, xml, timestamp: TS, nonce: '1' }).body);
      // Query and body from different signings: the signature does not cover this ciphertext.
      await expectRefused(res, 401);
      const good = signedAppCallback({ ...TEST_APP, xml, timestamp: TS });
      expect((await post('/wecom/callback', good.query, good.body)).status).to.equal(200);
      expect(accepted[0]).to.deep.include({ kind: 'card_click', eventKey: 'accept:12', taskId: 'f12-1', responseCode: 'RC' });
    });

    it('refuses a wrong signature before decrypting, and accepts nothing', async () => {
      await start();
      const signed = signedAppCallback({ ...TEST_APP, xml: appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: NOW }), timestamp: TS });
      const query = signed.query.replace(signed.msgSignature, 'f'.repeat(40));
      await expectRefused(await post('/wecom/callback', query, signed.body), 401);
    });

    it('refuses a callback signed with another token', async () => {
      await start();
      const signed = signedAppCallback({ ...TEST_APP, token: 'other', xml: appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: NOW }), timestamp: TS });
      await expectRefused(await post('/wecom/callback', signed.query, signed.body), 401);
    });

    it('refuses a callback for another corp (receive id) with 400', async () => {
      await start();
      const signed = signedAppCallback({ ...TEST_APP, corpId: 'wwsomeoneelse', xml: appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: NOW }), timestamp: TS });
      await expectRefused(await post('/wecom/callback', signed.query, signed.body), 400);
    });

    it('refuses replays: timestamps more than 5 minutes old or ahead', async () => {
      await start();
      const xml = appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: NOW });
      const old = signedAppCallback({ ...TEST_APP, xml, timestamp: String(Number(TS) - 301) });
      await expectRefused(await post('/wecom/callback', old.query, old.body), 401);
      const ahead = signedAppCallback({ ...TEST_APP, xml, timestamp: String(Number(TS) + 301) });
      await expectRefused(await post('/wecom/callback', ahead.query, ahead.body), 401);
      const edge = signedAppCallback({ ...TEST_APP, xml, timestamp: String(Number(TS) - 299) });
      expect((await post('/wecom/callback', edge.query, edge.body)).status).to.equal(200);
    });

    it('refuses a body over 64 KB with 413, by its declared length, before reading it', async () => {
      await start();
      const signed = signedAppCallback({ ...TEST_APP, xml: appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: NOW }), timestamp: TS });
      await expectRefused(await post('/wecom/callback', signed.query, `${signed.body}${' '.repeat(70 * 1024)}`), 413);
    });

    it('cuts off a body over 64 KB sent chunked without a length, accepting nothing', async () => {
      // readTextBody (src/http/body.ts) destroys the socket once past the limit, so the client sees
      // a reset rather than the 413; either way nothing is read past 64 KB or accepted.
      await start();
      const signed = signedAppCallback({ ...TEST_APP, xml: appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: NOW }), timestamp: TS });
      const outcome = await new Promise<number | string>((resolve, reject) => {
        const req = httpRequest(`${base}/wecom/callback?${signed.query}`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        for (let i = 0; i < 80; i++) req.write(' '.repeat(1024));
        req.end();
      }).catch((err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error');
      expect([413, 'ECONNRESET', 'EPIPE']).to.include(outcome);
      expect(accepted).to.deep.equal([]);
    });

    it('refuses XML with a DOCTYPE (billion laughs) with 400', async () => {
      await start();
      const signed = signedAppCallback({ ...TEST_APP, xml: appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: NOW }), timestamp: TS });
      const bomb = `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>${signed.body}`;
      await expectRefused(await post('/wecom/callback', signed.query, bomb), 400);
    });

    it('refuses a decrypted message that is not a valid event with 400', async () => {
      await start();
      const signed = signedAppCallback({ ...TEST_APP, xml: '<xml><MsgType>text</MsgType></xml>', timestamp: TS });
      await expectRefused(await post('/wecom/callback', signed.query, signed.body), 400);
      const notXml = signedAppCallback({ ...TEST_APP, xml: 'hello', timestamp: TS });
      await expectRefused(await post('/wecom/callback', notXml.query, notXml.body), 400);
    });

    it('refuses garbage bodies with 4xx, never 500', async () => {
      await start();
      const { query } = signedAppCallback({ ...TEST_APP, xml: 'x', timestamp: TS });
      for (const body of ['', 'garbage', '<xml>', '<xml><Encrypt><a>b</a></Encrypt></xml>', '{"encrypt":"x"}', '\u0000\u0001']) {
        const res = await post('/wecom/callback', query, body);
        expect(res.status, JSON.stringify(body)).to.be.within(400, 499);
      }
      expect(accepted).to.deep.equal([]);
    });

    it('keeps trying to store the event for a while, then closes the connection without an answer (WeCom retries that)', async () => {
      await start({ storeRetryMs: 400 });
      failAccept = true;
      const signed = signedAppCallback({ ...TEST_APP, xml: appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: NOW }), timestamp: TS });
      const started = Date.now();
      const outcome = await post('/wecom/callback', signed.query, signed.body).then(
        (res) => `answered ${res.status}`,
        () => 'no answer',
      );
      expect(outcome).to.equal('no answer');
      expect(Date.now() - started).to.be.at.least(300);
      expect(accepted).to.deep.equal([]);
    });

    it('answers 200 when the store works again within that while', async () => {
      await start({ storeRetryMs: 3_000 });
      failAccept = true;
      setTimeout(() => (failAccept = false), 250);
      const signed = signedAppCallback({ ...TEST_APP, xml: appTextXml({ from: 'lisi', content: 'x', msgId: '2', createTime: NOW }), timestamp: TS });
      const res = await post('/wecom/callback', signed.query, signed.body);
      expect(res.status).to.equal(200);
      expect(accepted.map((e) => e.deliveryKey)).to.deep.equal(['2']);
    });
  });

  describe('/wecom/bot', () => {
    it('answers the URL verification (receive id "")', async () => {
      await start();
      const { query } = signedEchoQuery({ ...TEST_BOT, echo: '6843519832217349012', timestamp: TS });
      const res = await fetch(`${base}/wecom/bot?${query}`);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('6843519832217349012');
    });

    it('refuses an echostr made for the app (receive id = CorpID) with 400', async () => {
      await start({ bot: { token: TEST_BOT.token, encodingAesKey: TEST_BOT.encodingAesKey } });
      const { query } = signedEchoQuery({ ...TEST_BOT, echo: '1', receiveId: TEST_APP.corpId, timestamp: TS });
      await expectRefused(await fetch(`${base}/wecom/bot?${query}`), 400);
    });

    it('accepts a group text with the @mention stripped, answering 200 with an empty body', async () => {
      await start();
      const json = botTextJson({ msgid: 'BOTMSG1', from: 'lisi', chatid: 'CHAT1', content: '签收 12', mention: '回头看助手' });
      const { query, body } = signedBotCallback({ ...TEST_BOT, json, timestamp: TS });
      const res = await fetch(`${base}/wecom/bot?${query}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('');
      expect(accepted).to.have.length(1);
      expect(accepted[0]).to.deep.include({ channel: 'bot', deliveryKey: 'BOTMSG1', kind: 'text', text: '签收 12', chatId: 'CHAT1', chatType: 'group', at: NOW.toISOString() });
    });

    it('accepts a card click', async () => {
      await start();
      const json = botCardClickJson({ msgid: 'BOTEV1', from: 'lisi', eventKey: 'close:7', taskId: 'f7-2', createTime: Number(TS) });
      const { query, body } = signedBotCallback({ ...TEST_BOT, json, timestamp: TS });
      expect((await fetch(`${base}/wecom/bot?${query}`, { method: 'POST', body })).status).to.equal(200);
      expect(accepted[0]).to.deep.include({ kind: 'card_click', eventKey: 'close:7', taskId: 'f7-2' });
    });

    it('refuses a wrong signature, an XML body and malformed JSON', async () => {
      await start();
      const signed = signedBotCallback({ ...TEST_BOT, json: botTextJson({ msgid: 'x', from: 'lisi', content: 'x' }), timestamp: TS });
      await expectRefused(await fetch(`${base}/wecom/bot?${signed.query.replace(signed.msgSignature, 'a'.repeat(40))}`, { method: 'POST', body: signed.body }), 401);
      await expectRefused(await fetch(`${base}/wecom/bot?${signed.query}`, { method: 'POST', body: `<xml><Encrypt>${signed.encrypt}</Encrypt></xml>` }), 400);
      const broken = signedBotCallback({ ...TEST_BOT, json: '{"msgid":', timestamp: TS });
      await expectRefused(await fetch(`${base}/wecom/bot?${broken.query}`, { method: 'POST', body: broken.body }), 400);
    });

    it('refuses an app-encrypted message sent to the bot (receive id) with 400', async () => {
      await start({ bot: { token: TEST_APP.token, encodingAesKey: TEST_APP.encodingAesKey } });
      const plaintext = JSON.stringify(botTextJson({ msgid: 'x', from: 'lisi', content: 'x' }));
      const asApp = signedAppCallback({ ...TEST_APP, xml: plaintext, timestamp: TS });
      const body = JSON.stringify({ encrypt: asApp.encrypt });
      await expectRefused(await fetch(`${base}/wecom/bot?${asApp.query}`, { method: 'POST', body }), 400);
    });
  });

  describe('a channel that is not configured', () => {
    it('answers 404 on both routes', async () => {
      await start({ app: undefined, bot: undefined });
      const signed = signedAppCallback({ ...TEST_APP, xml: appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: NOW }), timestamp: TS });
      await expectRefused(await post('/wecom/callback', signed.query, signed.body), 404);
      await expectRefused(await fetch(`${base}/wecom/bot?${signed.query}`), 404);
    });
  });

  it('answers quickly: well inside WeCom\'s 1 s for a normal callback', async () => {
    await start();
    const signed = signedAppCallback({ ...TEST_APP, xml: appTextXml({ from: 'lisi', content: 'x', msgId: '5', createTime: NOW }), timestamp: TS });
    const started = performance.now();
    expect((await post('/wecom/callback', signed.query, signed.body)).status).to.equal(200);
    expect(performance.now() - started).to.be.below(500);
  });
});

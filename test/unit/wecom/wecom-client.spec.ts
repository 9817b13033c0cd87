import { Writable } from 'node:stream';
import { expect } from 'chai';
import nock from 'nock';
import { FixedClock } from '../../../src/clock';
import { createLogger } from '../../../src/logger';
import { createWeComClient, WeComApiError, type WeComClientOptions } from '../../../src/wecom/wecom.client';

const BASE = 'https://qyapi.weixin.qq.com';
const CORP = 'wwyaocun0000000001';
const SECRET = 'app-secret-do-not-log';

describe('WeCom API client (src/wecom/wecom.client.ts)', () => {
  let clock: FixedClock;
  let sleeps: number[];
  let logLines: string[];

  function client(overrides: Partial<WeComClientOptions> = {}) {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    return createWeComClient({
      apiBase: BASE,
      corpId: CORP,
      secret: SECRET,
      agentId: 1000002,
      logger: createLogger({ level: 'debug', destination: sink }),
      clock,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...overrides,
    });
  }

  const tokenOk = (token = 'TOKEN1', expiresIn = 7200) =>
    nock(BASE).get('/cgi-bin/gettoken').query({ corpid: CORP, corpsecret: SECRET }).reply(200, { errcode: 0, errmsg: 'ok', access_token: token, expires_in: expiresIn });

  beforeEach(() => {
    clock = new FixedClock('2026-05-11T01:00:00Z');
    sleeps = [];
    logLines = [];
    nock.cleanAll();
  });

  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending, 'every mocked WeCom call was made').to.deep.equal([]);
  });

  describe('access token', () => {
    it('fetches once and reuses it for later calls', async () => {
      tokenOk();
      const sent: unknown[] = [];
      nock(BASE)
        .post('/cgi-bin/message/send', (body) => {
          sent.push(body);
          return true;
        })
        .query({ access_token: 'TOKEN1' })
        .times(2)
        .reply(200, { errcode: 0, errmsg: 'ok', msgid: 'M1' });
      const c = client();
      await c.sendAppMessage({ touser: 'lisi', msgtype: 'text', text: { content: '你好' } });
      await c.sendAppMessage({ touser: 'wangwu', msgtype: 'text', text: { content: '再见' } });
      expect(sent).to.deep.equal([
        { touser: 'lisi', msgtype: 'text', text: { content: '你好' }, agentid: 1000002 },
        { touser: 'wangwu', msgtype: 'text', text: { content: '再见' }, agentid: 1000002 },
      ]);
    });

    it('shares one in-flight fetch between concurrent callers', async () => {
      nock(BASE).get('/cgi-bin/gettoken').query(true).delay(30).reply(200, { errcode: 0, access_token: 'SHARED', expires_in: 7200 });
      const c = client();
      const tokens = await Promise.all([c.getAccessToken(), c.getAccessToken(), c.getAccessToken()]);
      expect(tokens).to.deep.equal(['SHARED', 'SHARED', 'SHARED']);
    });

    it('renews the token before its 7200 s run out (5 minutes of margin)', async () => {
      tokenOk('OLD');
      const c = client();
      expect(await c.getAccessToken()).to.equal('OLD');
      clock.advance((7200 - 301) * 1000);
      expect(await c.getAccessToken()).to.equal('OLD');
      clock.advance(2000);
      tokenOk('NEW');
      expect(await c.getAccessToken()).to.equal('NEW');
    });

    it('on 42001 (expired) or 40014 (invalid) fetches a new token once and retries', async () => {
      tokenOk('STALE');
      nock(BASE).post('/cgi-bin/appchat/send').query({ access_token: 'STALE' }).reply(200, { errcode: 42001, errmsg: 'access_token expired' });
      tokenOk('FRESH');
      nock(BASE).post('/cgi-bin/appchat/send').query({ access_token: 'FRESH' }).reply(200, { errcode: 0, errmsg: 'ok' });
      const res = await client().appchatSend({ chatid: 'CHAT1', msgtype: 'markdown', markdown: { content: '**整改通知**' } });
      expect(res.errcode).to.equal(0);
      expect(sleeps).to.deep.equal([]);
    });

    it('refreshes only once: a second token error is thrown', async () => {
      tokenOk('A');
      nock(BASE).post('/cgi-bin/appchat/send').query({ access_token: 'A' }).reply(200, { errcode: 40014, errmsg: 'invalid access_token' });
      tokenOk('B');
      nock(BASE).post('/cgi-bin/appchat/send').query({ access_token: 'B' }).reply(200, { errcode: 40014, errmsg: 'invalid access_token' });
      const err = await client()
        .appchatSend({ chatid: 'C', msgtype: 'text', text: { content: 'x' } })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(WeComApiError);
      expect(err).to.include({ errcode: 40014, retryable: false, status: 502 });
    });

    it('reports a wrong secret (40001) without retrying', async () => {
      nock(BASE).get('/cgi-bin/gettoken').query(true).reply(200, { errcode: 40001, errmsg: 'invalid credential' });
      const err = await client().getAccessToken().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(WeComApiError);
      expect(err).to.include({ errcode: 40001, errmsg: 'invalid credential', retryable: false, path: 'gettoken' });
      expect(sleeps).to.deep.equal([]);
    });

    it('says so when there is no corp id or secret', async () => {
      const err = await client({ secret: undefined }).getAccessToken().catch((e: unknown) => e);
      expect((err as Error).message).to.contain('Secret');
    });
  });

  describe('retries', () => {
    it('backs off exponentially on -1 and 45009, then succeeds', async () => {
      tokenOk();
      nock(BASE).post('/cgi-bin/message/send').query(true).reply(200, { errcode: -1, errmsg: 'system busy' });
      nock(BASE).post('/cgi-bin/message/send').query(true).reply(200, { errcode: 45009, errmsg: 'api freq out of limit' });
      nock(BASE).post('/cgi-bin/message/send').query(true).reply(200, { errcode: 0, errmsg: 'ok' });
      await client().sendAppMessage({ touser: 'lisi', msgtype: 'text', text: { content: 'x' } });
      expect(sleeps).to.deep.equal([500, 1000]);
    });

    it('gives up after a bounded number of tries with a retryable error', async () => {
      tokenOk();
      nock(BASE).post('/cgi-bin/message/send').query(true).times(4).reply(200, { errcode: 45033, errmsg: 'api concurrent out of limit' });
      const err = await client()
        .sendAppMessage({ touser: 'lisi', msgtype: 'text', text: { content: 'x' } })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(WeComApiError);
      expect(err).to.include({ errcode: 45033, retryable: true });
      expect(sleeps).to.deep.equal([500, 1000, 2000]);
    });

    it('caps the backoff', async () => {
      tokenOk();
      nock(BASE).post('/cgi-bin/message/send').query(true).times(6).reply(200, { errcode: -1, errmsg: 'busy' });
      await client({ maxAttempts: 6, backoffMs: 1000, maxBackoffMs: 5000 })
        .sendAppMessage({ touser: 'lisi', msgtype: 'text', text: { content: 'x' } })
        .catch(() => undefined);
      expect(sleeps).to.deep.equal([1000, 2000, 4000, 5000, 5000]);
    });

    it('retries HTTP 5xx and network errors', async () => {
      tokenOk();
      nock(BASE).post('/cgi-bin/message/send').query(true).reply(502, 'Bad Gateway');
      nock(BASE).post('/cgi-bin/message/send').query(true).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
      nock(BASE).post('/cgi-bin/message/send').query(true).reply(200, { errcode: 0, errmsg: 'ok' });
      await client().sendAppMessage({ touser: 'lisi', msgtype: 'text', text: { content: 'x' } });
      expect(sleeps).to.deep.equal([500, 1000]);
    });

    it('retries a request that times out', async () => {
      tokenOk();
      nock(BASE).post('/cgi-bin/message/send').query(true).delay(500).reply(200, { errcode: 0 });
      nock(BASE).post('/cgi-bin/message/send').query(true).reply(200, { errcode: 0, errmsg: 'ok' });
      await client({ timeoutMs: 50 }).sendAppMessage({ touser: 'lisi', msgtype: 'text', text: { content: 'x' } });
      expect(sleeps).to.deep.equal([500]);
    });

    it('throws other errcodes at once, typed, not retryable (60020: server IP not trusted)', async () => {
      tokenOk();
      nock(BASE).post('/cgi-bin/message/send').query(true).reply(200, { errcode: 60020, errmsg: 'not allow to access from your ip' });
      const err = await client()
        .sendAppMessage({ touser: 'lisi', msgtype: 'text', text: { content: 'x' } })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(WeComApiError);
      expect(err).to.include({ errcode: 60020, errmsg: 'not allow to access from your ip', retryable: false, path: 'message/send' });
      expect((err as WeComApiError).message).to.equal('企业微信接口调用失败（60020）');
      expect(sleeps).to.deep.equal([]);
    });

    it('says what each refusal means for the message: configuration, content, recipient or final', async () => {
      tokenOk();
      const answers: [number, string][] = [
        [60020, 'configuration'],
        [48002, 'configuration'],
        [86008, 'configuration'],
        [301002, 'configuration'],
        [42014, 'content'],
        [45002, 'content'],
        [82001, 'recipient'],
        [60140, 'final'],
      ];
      for (const [errcode] of answers) nock(BASE).post('/cgi-bin/message/send').query(true).reply(200, { errcode, errmsg: 'refused' });
      const c = client();
      for (const [errcode, kind] of answers) {
        const err = (await c.sendAppMessage({ touser: 'a', msgtype: 'text' }).catch((e: unknown) => e)) as WeComApiError;
        expect(err, String(errcode)).to.include({ errcode, kind, retryable: false });
      }
      expect(sleeps).to.deep.equal([]);
    });

    it('does not retry HTTP 4xx, nor an answer that is not JSON', async () => {
      tokenOk();
      nock(BASE).post('/cgi-bin/message/send').query(true).reply(404, 'not found');
      nock(BASE).post('/cgi-bin/appchat/send').query(true).reply(200, '<html>proxy</html>');
      const c = client();
      expect(await c.sendAppMessage({ touser: 'a', msgtype: 'text' }).catch((e: unknown) => e)).to.include({ httpStatus: 404, retryable: false });
      expect(await c.appchatSend({ chatid: 'c', msgtype: 'text' }).catch((e: unknown) => e)).to.include({ retryable: false });
      expect(sleeps).to.deep.equal([]);
    });
  });

  describe('methods', () => {
    it('sendAppMessage reports undelivered users, parties and tags, and the response code', async () => {
      tokenOk();
      nock(BASE)
        .post('/cgi-bin/message/send', { touser: 'lisi|ghost1|ghost2', msgtype: 'template_card', template_card: { card_type: 'button_interaction', task_id: 'f12-1' }, agentid: 1000009 })
        .query({ access_token: 'TOKEN1' })
        .reply(200, { errcode: 0, errmsg: 'ok', invaliduser: 'ghost1|ghost2', invalidparty: '', invalidtag: '7', unlicenseduser: '', msgid: 'MSG', response_code: 'RC' });
      const result = await client().sendAppMessage({
        touser: 'lisi|ghost1|ghost2',
        msgtype: 'template_card',
        template_card: { card_type: 'button_interaction', task_id: 'f12-1' },
        agentid: 1000009,
      });
      expect(result).to.deep.equal({ invalidUsers: ['ghost1', 'ghost2'], invalidParties: [], invalidTags: ['7'], unlicensedUsers: [], msgId: 'MSG', responseCode: 'RC' });
    });

    it('reads undelivered users given as an array too, and the unlicensed ones', async () => {
      tokenOk();
      nock(BASE)
        .post('/cgi-bin/message/send')
        .query(true)
        .reply(200, { errcode: 0, errmsg: 'ok', invaliduser: ['ghost1', 'ghost2'], unlicenseduser: ['nolicence'], invalidparty: [3] });
      const result = await client().sendAppMessage({ touser: 'lisi|ghost1|ghost2|nolicence', msgtype: 'text', text: { content: 'x' } });
      expect(result).to.deep.include({ invalidUsers: ['ghost1', 'ghost2'], unlicensedUsers: ['nolicence'], invalidParties: ['3'] });
    });

    it('updateTemplateCard posts to message/update_template_card with the agent id', async () => {
      tokenOk();
      nock(BASE)
        .post('/cgi-bin/message/update_template_card', {
          userids: ['lisi'],
          response_code: 'RC',
          button: { replace_name: '已签收' },
          agentid: 1000002,
        })
        .query(true)
        .reply(200, { errcode: 0, errmsg: 'ok', invaliduser: '' });
      const result = await client().updateTemplateCard({ userids: ['lisi'], response_code: 'RC', button: { replace_name: '已签收' } });
      expect(result.invalidUsers).to.deep.equal([]);
    });

    it('webhookSend posts to webhook/send?key=KEY without a token, and backs off on 45009', async () => {
      const body = { msgtype: 'markdown', markdown: { content: '## 今日新增问题 3 条' } };
      nock(BASE).post('/cgi-bin/webhook/send', body).query({ key: 'ROBOT-KEY' }).reply(200, { errcode: 45009, errmsg: 'api freq out of limit' });
      nock(BASE).post('/cgi-bin/webhook/send', body).query({ key: 'ROBOT-KEY' }).reply(200, { errcode: 0, errmsg: 'ok' });
      const res = await client({ corpId: undefined, secret: undefined }).webhookSend('ROBOT-KEY', body);
      expect(res.errcode).to.equal(0);
      expect(sleeps).to.deep.equal([500]);
    });

    it('webhookSend throws on a bad key (93000)', async () => {
      nock(BASE).post('/cgi-bin/webhook/send').query({ key: 'BAD' }).reply(200, { errcode: 93000, errmsg: 'invalid webhook url' });
      const err = await client().webhookSend('BAD', { msgtype: 'text', text: { content: 'x' } }).catch((e: unknown) => e);
      expect(err).to.include({ errcode: 93000, retryable: false });
    });

    it('call() is GET with a query and POST with a body', async () => {
      tokenOk();
      nock(BASE).get('/cgi-bin/user/get').query({ access_token: 'TOKEN1', userid: 'lisi' }).reply(200, { errcode: 0, errmsg: 'ok', name: '李四' });
      nock(BASE).post('/cgi-bin/appchat/create', { name: '民政办整改群', userlist: ['a', 'b'] }).query({ access_token: 'TOKEN1' }).reply(200, { errcode: 0, chatid: 'CHAT9' });
      const c = client();
      expect(await c.call('user/get', { query: { userid: 'lisi' } })).to.include({ name: '李四' });
      expect(await c.call('appchat/create', { body: { name: '民政办整改群', userlist: ['a', 'b'] } })).to.include({ chatid: 'CHAT9' });
    });

    it('getUserIdByOAuthCode reads userid (and the older UserId) or openid', async () => {
      tokenOk();
      nock(BASE).get('/cgi-bin/auth/getuserinfo').query({ access_token: 'TOKEN1', code: 'C1' }).reply(200, { errcode: 0, errmsg: 'ok', userid: 'lisi', user_ticket: 'T' });
      nock(BASE).get('/cgi-bin/auth/getuserinfo').query({ access_token: 'TOKEN1', code: 'C2' }).reply(200, { errcode: 0, errmsg: 'ok', UserId: 'wangwu', DeviceId: '' });
      nock(BASE).get('/cgi-bin/auth/getuserinfo').query({ access_token: 'TOKEN1', code: 'C3' }).reply(200, { errcode: 0, errmsg: 'ok', openid: 'OPEN' });
      nock(BASE).get('/cgi-bin/auth/getuserinfo').query({ access_token: 'TOKEN1', code: 'USED' }).reply(200, { errcode: 40029, errmsg: 'invalid code' });
      const c = client();
      expect(await c.getUserIdByOAuthCode('C1')).to.deep.equal({ userId: 'lisi' });
      expect(await c.getUserIdByOAuthCode('C2')).to.deep.equal({ userId: 'wangwu' });
      expect(await c.getUserIdByOAuthCode('C3')).to.deep.equal({ openId: 'OPEN' });
      expect(await c.getUserIdByOAuthCode('USED').catch((e: unknown) => e)).to.include({ errcode: 40029 });
    });

    it('getMedia returns the bytes, type and file name', async () => {
      tokenOk();
      const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
      nock(BASE)
        .get('/cgi-bin/media/get')
        .query({ access_token: 'TOKEN1', media_id: 'MEDIA_1' })
        .reply(200, jpeg, { 'Content-Type': 'image/jpeg', 'Content-Disposition': 'attachment; filename="photo.jpg"' });
      nock(BASE)
        .get('/cgi-bin/media/get')
        .query({ access_token: 'TOKEN1', media_id: 'MEDIA_2' })
        .reply(200, jpeg, { 'Content-Type': 'image/jpeg', 'Content-Disposition': "attachment; filename*=UTF-8''%E7%8E%B0%E5%9C%BA.jpg" });
      const c = client();
      const file = await c.getMedia('MEDIA_1');
      expect(file.buffer.equals(jpeg)).to.equal(true);
      expect(file).to.include({ contentType: 'image/jpeg', filename: 'photo.jpg' });
      expect((await c.getMedia('MEDIA_2')).filename).to.equal('现场.jpg');
    });

    it('getMedia throws the errcode WeCom answers in JSON', async () => {
      tokenOk();
      nock(BASE).get('/cgi-bin/media/get').query(true).reply(200, { errcode: 40007, errmsg: 'invalid media_id' }, { 'Content-Type': 'application/json' });
      const err = await client().getMedia('GONE').catch((e: unknown) => e);
      expect(err).to.include({ errcode: 40007, retryable: false });
    });

    it('uploadMedia sends multipart form data with the file name', async () => {
      tokenOk();
      let received = '';
      nock(BASE)
        .post('/cgi-bin/media/upload', (body: string) => {
          received = body;
          return true;
        })
        .query({ access_token: 'TOKEN1', type: 'file' })
        .reply(200, { errcode: 0, errmsg: '', type: 'file', media_id: 'M9', created_at: '1380000000' });
      const result = await client().uploadMedia({ type: 'file', filename: 'ledger.xlsx', buffer: Buffer.from('XLSX'), contentType: 'application/vnd.ms-excel' });
      expect(result).to.deep.equal({ mediaId: 'M9' });
      expect(received).to.contain('name="media"; filename="ledger.xlsx"');
      expect(received).to.contain('XLSX');
    });

    it('uses the configured base URL (private deployments, the simulator)', async () => {
      const base = 'https://wecom.example.gov.cn';
      nock(base).get('/cgi-bin/gettoken').query(true).reply(200, { errcode: 0, access_token: 'P', expires_in: 7200 });
      nock(base).post('/cgi-bin/message/send').query({ access_token: 'P' }).reply(200, { errcode: 0 });
      await client({ apiBase: `${base}/` }).sendAppMessage({ touser: 'a', msgtype: 'text', text: { content: 'x' } });
    });
  });

  it('never writes the secret, the token or a webhook key to the log', async () => {
    tokenOk('SECRET-TOKEN-VALUE');
    nock(BASE).post('/cgi-bin/message/send').query(true).reply(200, { errcode: -1, errmsg: 'busy' });
    nock(BASE).post('/cgi-bin/message/send').query(true).reply(200, { errcode: 60020, errmsg: 'ip' });
    nock(BASE).post('/cgi-bin/webhook/send').query(true).reply(200, { errcode: 93000, errmsg: 'bad' });
    const c = client();
    await c.sendAppMessage({ touser: 'a', msgtype: 'text', text: { content: 'x' } }).catch(() => undefined);
    await c.webhookSend('WEBHOOK-KEY-VALUE', { msgtype: 'text' }).catch(() => undefined);
    const log = logLines.join('');
    expect(log).to.contain('企业微信接口调用失败');
    expect(log).not.to.contain(SECRET);
    expect(log).not.to.contain('SECRET-TOKEN-VALUE');
    expect(log).not.to.contain('WEBHOOK-KEY-VALUE');
  });
});

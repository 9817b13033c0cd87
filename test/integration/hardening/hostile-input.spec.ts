import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createApp } from '../../../src/http/app';
import { rateLimit } from '../../../src/http/rate-limit';
import { createLogger, silentLogger } from '../../../src/logger';
import { ADMIN_TOKEN, startTestService, type TestService } from '../../helpers/service';
import { TEST_APP } from '../../helpers/wecom-signer';

describe('hostile input: a quick 4xx, nothing stored, the process healthy', () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(async () => {
    await t.stop();
  });

  const count = async (): Promise<number> => ((await (await t.api('/api/findings')).json()) as { items: unknown[] }).items.length;
  const post = (body: string) => t.api('/api/findings', { method: 'POST', body });

  it('refuses MongoDB operators in JSON fields', async () => {
    for (const body of [
      { text: { $gt: '' }, reporter: 'zhuxia' },
      { text: '东岭村李某某家屋顶漏雨', reporter: { $ne: null } },
      { text: '东岭村李某某家屋顶漏雨', reporter: 'zhuxia', village: { $regex: '.*' } },
      { text: '东岭村李某某家屋顶漏雨', reporter: 'zhuxia', $where: 'sleep(1000)' },
    ]) {
      const res = await post(JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).to.match(/[\u4e00-\u9fa5]/);
    }
    const list = await t.api('/api/findings?status[$ne]=closed');
    expect(list.status).to.equal(400);
    expect(await count()).to.equal(0);
  });

  it('refuses malformed JSON, overlong text, unknown villages and task 9 with a readable message', async () => {
    const cases: [string, string][] = [
      ['{"text": "漏雨", "reporter":', '不是有效的 JSON'],
      [JSON.stringify({ text: '漏'.repeat(2001), reporter: 'zhuxia' }), '最多 2000 字'],
      [JSON.stringify({ text: '屋顶漏雨', reporter: 'zhuxia', village: '不存在村' }), '不存在村'],
      [JSON.stringify({ text: '屋顶漏雨', reporter: 'zhuxia', task: 9 }), 'task 必须是 1-8'],
      [JSON.stringify({ text: '   ', reporter: 'zhuxia' }), 'text 不能为空'],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).to.contain(message);
    }
    expect(await count()).to.equal(0);
  });

  it('answers an overlong chat report with a short reason and stores no finding', async () => {
    await t.say('zhuxia', `东岭村${'情况'.repeat(1200)}`);
    await t.settle();
    expect(await count()).to.equal(0);
    expect(t.wecom.toUser('zhuxia').at(-1)?.content).to.contain('问题描述过长');
  });

  it('answers /api without the right token with 401 and changes nothing', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN}x`]) {
      const res = await fetch(`${t.base}/api/findings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ text: '东岭村李某某家屋顶漏雨', reporter: 'zhuxia' }),
      });
      expect(res.status).to.equal(401);
    }
    expect(await count()).to.equal(0);
    const health = await fetch(`${t.base}/healthz`);
    expect(health.status).to.equal(200);
  });

  it('refuses everything on /api when no ADMIN_TOKEN is configured', async () => {
    const open = await startTestService({ env: { ADMIN_TOKEN: '' } });
    try {
      const res = await fetch(`${open.base}/api/findings`, { headers: { authorization: 'Bearer ' } });
      expect(res.status).to.equal(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).to.contain('未配置 ADMIN_TOKEN');
    } finally {
      await open.stop();
    }
  });
});

describe('rate limits on public routes', () => {
  it('answers 429 with a Chinese message and Retry-After once an address spends its budget', async () => {
    let now = 0;
    const app = createApp({ logger: silentLogger(), databaseReady: async () => true });
    // a tight rule in front of the app, with a clock the test moves
    app.middleware.splice(1, 0, rateLimit([{ prefix: '/', limit: 3, windowMs: 60_000 }], () => now));
    const server = app.listen(0);
    const port = (server.address() as { port: number }).port;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`http://127.0.0.1:${port}/healthz`)).status);
      expect(statuses).to.deep.equal([200, 200, 200, 429, 429]);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.headers.get('retry-after')).to.equal('60');
      expect(((await res.json()) as { error: { message: string } }).error.message).to.equal('请求过于频繁，请稍后再试');
      now = 61_000;
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).to.equal(200);
    } finally {
      server.close();
    }
  });
});

describe('logs', () => {
  it('never contain secrets, tokens or AES keys, and mask personal numbers', async () => {
    let output = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        output += chunk.toString();
        done();
      },
    });
    const t = await startTestService({ logger: createLogger({ level: 'trace', destination: sink }) });
    try {
      await t.say('zhuxia', '东岭村王某某（身份证370983198807120315，电话13905381234）家屋顶漏雨');
      await t.api('/api/findings', { method: 'POST', body: JSON.stringify({ text: '姚村李某某电话13905381234，吃水困难', reporter: 'zhuxia' }) });
      await fetch(`${t.base}/api/findings`, { headers: { authorization: 'Bearer not-the-admin-token-at-all' } });
      t.wecom.setDown({ errcode: 40014 });
      await t.say('zhuxia', '签收 1');
      await t.settle();
      t.wecom.setDown(false);
      await t.settle();
    } finally {
      await t.stop();
    }
    expect(output.length).to.be.greaterThan(1000);
    for (const secret of ['test-secret', TEST_APP.token, TEST_APP.encodingAesKey, ADMIN_TOKEN, 'FAKE_TOKEN', '370983198807120315', '13905381234']) {
      expect(output, secret).not.to.contain(secret);
    }
  });
});

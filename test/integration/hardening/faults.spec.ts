import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../../src/db/connection';
import { freePort, startFerretDb, hasGo, type EmbeddedDatabase } from '../../../src/db/embedded-db';
import { freshDatabaseUri } from '../../helpers/database';
import { startFakeWeCom, type FakeWeCom } from '../../helpers/fake-wecom';
import { ADMIN_TOKEN, startTestService, type TestService } from '../../helpers/service';
import { appTextXml, signedAppCallback, TEST_APP } from '../../helpers/wecom-signer';

const root = path.resolve(import.meta.dirname, '../../..');

async function until(check: () => Promise<boolean>, ms: number, what: string, everyMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('faults', function () {
  this.timeout(120_000);

  describe('the process is killed (SIGKILL) between acknowledging callbacks and processing them', () => {
    let wecom: FakeWeCom;
    let child: ChildProcess | undefined;
    let uri: string;
    const exits: string[] = [];

    before(async () => {
      uri = freshDatabaseUri('kill');
      wecom = await startFakeWeCom();
    });
    after(async () => {
      child?.kill('SIGKILL');
      await wecom.close();
    });

    async function startBot(port: number): Promise<ChildProcess> {
      // node itself, not npx: SIGKILL must reach the process that holds the port.
      const bot = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          PORT: String(port),
          MONGODB_URI: uri,
          ORG_CONFIG: 'config/org.example.yaml',
          WECOM_API_BASE: wecom.base,
          WECOM_CORP_ID: TEST_APP.corpId,
          WECOM_AGENT_ID: '1000002',
          WECOM_SECRET: 'test-secret',
          WECOM_TOKEN: TEST_APP.token,
          WECOM_ENCODING_AES_KEY: TEST_APP.encodingAesKey,
          ADMIN_TOKEN,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      bot.once('exit', (code, signal) => exits.push(signal ?? String(code)));
      await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 30_000, 'the bot to start');
      return bot;
    }

    it('finds every acknowledged report after a restart, each once', async () => {
      const port = await freePort();
      child = await startBot(port);
      const reports = Array.from({ length: 25 }, (_, i) => {
        const signed = signedAppCallback({ ...TEST_APP, xml: appTextXml({ from: 'zhuxia', content: `东岭村第${i + 1}户屋顶漏雨，墙体开裂`, msgId: String(7_500_000_000_000_000_000n + BigInt(i)), agentId: '1000002' }) });
        return fetch(`http://127.0.0.1:${port}/wecom/callback?${signed.query}`, { method: 'POST', body: signed.body }).then((r) => r.status);
      });
      const statuses = await Promise.all(reports);
      child.kill('SIGKILL'); // at once: some are acknowledged but not yet processed
      expect(statuses).to.deep.equal(Array(25).fill(200));
      await new Promise((r) => child!.once('exit', r));
      expect(exits).to.deep.equal(['SIGKILL']);
      await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).then(() => false, () => true)), 5000, 'the port to be free');
      const db = await openDatabase(uri);
      const unprocessed = await db.collection('inbox').countDocuments({ status: { $ne: 'done' } });
      const before = await db.collection('findings').countDocuments();
      await db.close();
      console.log(`      at the kill: ${unprocessed} of 25 acknowledged reports not yet processed, ${before} findings`);

      child = await startBot(port);
      // Polled twice a second: /api allows 600 requests a minute from one address, and a faster poll
      // would be refused (429) for the rest of the minute just as the findings come in.
      const api = (p: string) => fetch(`http://127.0.0.1:${port}${p}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      await until(async () => ((await (await api('/api/findings')).json()) as { items: unknown[] }).items.length >= 25, 60_000, '25 findings', 500).catch(async (e) => {
        const dbg = await openDatabase(uri);
        console.log(JSON.stringify(await dbg.collection('inbox').find({}, { projection: { status: 1, attempts: 1, leaseUntil: 1, error: 1, notBefore: 1 } }).toArray()));
        console.log(await dbg.collection('findings').countDocuments());
        await dbg.close();
        throw e;
      });
      await new Promise((r) => setTimeout(r, 500)); // anything extra would show up now
      const items = ((await (await api('/api/findings')).json()) as { items: { no: number; text: string }[] }).items;
      expect(items).to.have.length(25);
      expect(new Set(items.map((f) => f.text)).size).to.equal(25);
      // SIGTERM is a graceful stop: jobs end, HTTP drains, the database closes, exit code 0.
      const stopping = Date.now();
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
      child = undefined;
      expect(exits).to.deep.equal(['SIGKILL', '0']);
      expect(Date.now() - stopping).to.be.below(10_000);
    });
  });

  describe('the database goes away and comes back', () => {
    let db: EmbeddedDatabase;
    let dir: string;
    let port: number;
    let t: TestService;

    before(async function () {
      if (process.env.MONGODB_URI || !hasGo()) this.skip(); // needs a database this test can stop
      dir = mkdtempSync(path.join(os.tmpdir(), 'yaocun-outage-'));
      port = await freePort();
      db = await startFerretDb({ dataDir: dir, port, say: () => {} });
      t = await startTestService({ databaseUri: `mongodb://127.0.0.1:${port}/outage` });
    });
    after(async () => {
      await t?.stop();
      await db?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('says 503 on /healthz, leaves callbacks unanswered so WeCom retries, and recovers by itself', async () => {
      expect((await fetch(`${t.base}/healthz`)).status).to.equal(200);
      await db.stop();

      expect((await fetch(`${t.base}/healthz`)).status).to.equal(503);
      // No error status (WeCom is not documented to retry one): the connection closes unanswered.
      const during = await t.say('zhuxia', '东岭村李某某家屋顶漏雨', '7500000000000000777').then(
        (status) => `answered ${status}`,
        () => 'no answer',
      );
      expect(during).to.equal('no answer');

      db = await startFerretDb({ dataDir: dir, port, say: () => {} });
      await until(async () => (await fetch(`${t.base}/healthz`)).status === 200, 30_000, 'the database to be back');
      // WeCom retries the same delivery; now it is stored and processed once
      expect(await t.say('zhuxia', '东岭村李某某家屋顶漏雨', '7500000000000000777')).to.equal(200);
      await t.settle();
      const items = ((await (await t.api('/api/findings')).json()) as { items: unknown[] }).items;
      expect(items).to.have.length(1);
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freshDatabaseUri } from '../../helpers/database';
import { startTestService, type TestService } from '../../helpers/service';
import { cliEnv, spawnCli } from '../../helpers/spawn-cli';

const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';

describe('`cli remind --now <time>` (spawned)', function () {
  this.timeout(120_000);
  let t: TestService;
  let uri: string;

  beforeEach(async () => {
    uri = freshDatabaseUri('remcli');
    t = await startTestService({ now: '2026-10-12T09:00:00+08:00', env: { MONGODB_URI: uri } });
    await t.say('zhuxia', '东岭村王某某家吃水困难，自来水一周没来水了，还在挑水吃');
    await t.settle();
    t.wecom.clear();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('runs the job as if it were that time, delivers before exiting and prints what it sent; a second run sends nothing', async () => {
    const env = cliEnv(uri, t.wecom.base);
    const early = await spawnCli(['remind', '--now', '2026-10-12T12:00:00+08:00'], env);
    expect(early.status, early.stderr).to.equal(0);
    expect(JSON.parse(early.stdout)).to.deep.include({ at: '2026-10-12T04:00:00.000Z', scanned: 1, messages: [] });

    const run = await spawnCli(['remind', '--now', '2026-10-12T13:00:00+08:00'], env);
    expect(run.status, run.stderr).to.equal(0);
    const out = JSON.parse(run.stdout) as { messages: { to: string; findings: number[]; content: string }[]; delivery: { sent: number } };
    expect(out.messages).to.have.length(1);
    expect(out.messages[0]).to.deep.include({ to: 'unit:农业服务站', findings: [1] });
    expect(out.messages[0]!.content).to.contain('签收 1');
    expect(out.delivery.sent).to.equal(1);
    // Delivered by the command itself: the service's workers are not involved.
    const got = t.wecom.toWebhook(NONGYE);
    expect(got).to.have.length(1);
    expect(got[0]!.content).to.equal(out.messages[0]!.content);

    const again = await spawnCli(['remind', '--now', '2026-10-12T13:05:00+08:00'], env);
    expect(JSON.parse(again.stdout).messages).to.deep.equal([]);
    expect(t.wecom.toWebhook(NONGYE)).to.have.length(1);

    const night = await spawnCli(['remind', '--now=2026-10-12T22:00:00+08:00'], env);
    expect(JSON.parse(night.stdout)).to.deep.include({ quiet: true, messages: [] });
  });

  it('refuses a bad time with a Chinese message and a non-zero exit', async () => {
    const bad = await spawnCli(['remind', '--now', 'tomorrow'], cliEnv(uri, t.wecom.base));
    expect(bad.status).to.not.equal(0);
    expect(bad.stdout).to.equal('');
    expect(bad.stderr).to.contain('--now 后面需要 ISO 时间');
  });

  it('starts the embedded database when MONGODB_URI is not set, as `npm start` does', async function () {
    if (process.env.MONGODB_URI) this.skip(); // the suite was given a database; the embedded one may not exist here
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yaocun-cli-'));
    try {
      const run = await spawnCli(['remind', '--now', '2026-10-12T13:00:00+08:00'], { ...cliEnv('', t.wecom.base), MONGODB_URI: '', DATA_DIR: dataDir });
      expect(run.status, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout)).to.deep.include({ scanned: 0, messages: [] });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

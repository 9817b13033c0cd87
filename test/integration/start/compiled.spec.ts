import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, hasGo } from '../../../src/db/embedded-db';
import { projectRoot } from '../../helpers/spawn-cli';

/** What `npm start` and `npm run cli` run: plain node on dist/, built by `npm install` (prepare) or before the start. */
describe('the compiled build (dist/)', function () {
  this.timeout(180_000);

  before(() => {
    // As `prestart` does: builds when a source is newer than dist/, else nothing.
    const build = spawnSync(process.execPath, ['src/build/build.mjs', '--if-stale'], { cwd: projectRoot, encoding: 'utf8', timeout: 170_000 });
    expect(build.status, build.stderr).to.equal(0);
  });

  it('answers `cli route` with plain node', () => {
    const run = spawnSync(process.execPath, ['dist/src/cli.js', 'route', '东岭村王某某家吃水困难，自来水一周没来水了'], { cwd: projectRoot, encoding: 'utf8', timeout: 90_000 });
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.include({ task: 5, item: '5.2', departments: ['农业服务站'], village: '东岭村' });
    expect(run.stderr).to.equal('');
  });

  it('starts the server with its embedded database, found from dist/ (Go sources, FerretDB cache, example organisation file)', async function () {
    if (!hasGo()) this.skip();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'yaocun-dist-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), DATA_DIR: dir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const end = Date.now() + 60_000;
      let status = 0;
      while (status !== 200 && Date.now() < end && child.exitCode === null) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status, output).to.equal(200);
      expect(output).to.contain('config/org.example.yaml');
      const page = await fetch(`http://127.0.0.1:${port}/sim`);
      expect(page.status).to.equal(200);
      expect(await page.text()).to.contain('姚村镇');
      expect(readdirSync(path.join(dir, 'ferretdb'))).to.include('huitoukan.sqlite');
      expect(existsSync(path.join(dir, 'bot.lock'))).to.equal(true);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
      // A clean stop lets go of the data directory.
      expect(existsSync(path.join(dir, 'bot.lock'))).to.equal(false);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

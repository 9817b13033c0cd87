import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, loadDotEnv } from '../../../config/env';
import { freePort, hasGo } from '../../../src/db/embedded-db';
import { freshDatabaseUri } from '../../helpers/database';
import { entryArgs, projectRoot } from '../../helpers/spawn-cli';

/** A started bot as an operator starts it (`node` on the entry point), with what it printed. */
interface Bot {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startBot(cwd: string, env: Record<string, string>): Bot {
  const child = spawn(process.execPath, entryArgs('main'), {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function healthy(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.status === 200,
    () => false,
  );
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(bot: Bot | undefined): Promise<void> {
  if (!bot || bot.child.exitCode !== null) return;
  bot.child.kill('SIGTERM');
  await bot.exited;
}

/** FerretDB processes serving files under `dir` (read from /proc: what is running, not what was said). */
function databaseProcesses(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args[0]?.includes('ferretdb') && args.some((a) => a.startsWith(dir))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('starting the bot', function () {
  // Up to three bots started one after another, each loading the sources through tsx.
  this.timeout(300_000);
  let dir: string;
  const bots: Bot[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'yaocun-start-'));
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) await stop(bot);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('.env', () => {
    it('is read from the working directory, and the environment wins over it', async () => {
      const [filePort, envPort] = [await freePort(), await freePort()];
      writeFileSync(
        path.join(dir, '.env'),
        [`PORT=${filePort}`, `MONGODB_URI=${freshDatabaseUri('dotenv')}`, `ORG_CONFIG=${path.join(projectRoot, 'config/org.example.yaml')}`, ''].join('\n'),
      );
      const fromFile = startBot(dir, {});
      bots.push(fromFile);
      await until(() => healthy(filePort), 90_000, `the bot on ${filePort} (PORT from .env)`);
      await stop(fromFile);

      const fromEnv = startBot(dir, { PORT: String(envPort) });
      bots.push(fromEnv);
      await until(() => healthy(envPort), 90_000, `the bot on ${envPort} (PORT from the environment)`);
      expect(await healthy(filePort)).to.equal(false);
    });

    it('copied from .env.example as the README says, falls back to the example organisation file', () => {
      const file = path.join(dir, '.env');
      copyFileSync(path.join(projectRoot, '.env.example'), file);
      const env: NodeJS.ProcessEnv = {};
      loadDotEnv(file, env);
      const config = loadConfig(env);
      expect(config.orgConfigPath).to.equal('config/org.yaml');
      // Not explicit: while config/org.yaml is missing the shipped example is used.
      expect(config.orgConfigExplicit).to.equal(false);
      expect(config.port).to.equal(3000);
      expect(config.simulator).to.equal(true);
    });
  });

  it('without Go and without mongod: the three ways out first, then the reasons, and no stack trace', async () => {
    // PATH without the directories that hold go or mongod; the mongod download pointed nowhere.
    const bare = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((d) => !existsSync(path.join(d, 'go')) && !existsSync(path.join(d, 'mongod')))
      .join(path.delimiter);
    const bot = startBot(projectRoot, {
      PATH: bare,
      PORT: String(await freePort()),
      DATA_DIR: path.join(dir, 'data'),
      ORG_CONFIG: 'config/org.example.yaml',
      MONGOMS_DOWNLOAD_DIR: path.join(dir, 'mongod-download'),
      MONGOMS_DOWNLOAD_MIRROR: 'http://127.0.0.1:1',
    });
    bots.push(bot);
    expect(await bot.exited).to.equal(1);
    const lines = bot.output().trim().split('\n');
    const first = lines.findIndex((l) => l.includes('没有可用的数据库'));
    expect(first, bot.output()).to.be.at.least(0);
    expect(lines.slice(first + 1, first + 4).map((l) => l.trim().slice(0, 2))).to.deep.equal(['1.', '2.', '3.']);
    expect(lines[first + 1]).to.contain('MONGODB_URI');
    expect(lines[first + 2]).to.contain('Go 1.22');
    expect(lines[first + 3]).to.contain('mongod');
    expect(bot.output()).to.contain('未找到 Go 工具链');
    expect(bot.output()).not.to.contain('DownloadError');
    expect(bot.output()).not.to.match(/\n\s+at /);
  });

  describe('twice', () => {
    before(function () {
      if (!hasGo()) this.skip(); // the embedded database is what a second start must not start again
    });

    it('on the same port: the second exits non-zero, says in Chinese the bot may be running (with its PID), and starts no database', async () => {
      const port = await freePort();
      const env = { PORT: String(port), DATA_DIR: path.join(dir, 'data'), ORG_CONFIG: 'config/org.example.yaml' };
      const first = startBot(projectRoot, env);
      bots.push(first);
      await until(() => healthy(port), 120_000, 'the first bot');
      expect(databaseProcesses(dir)).to.have.length(1);

      const second = startBot(projectRoot, env);
      bots.push(second);
      const code = await second.exited;
      expect(code).to.not.equal(0);
      expect(second.output()).to.contain(`端口 ${port} 已被占用（进程 ${first.child.pid}）`).and.to.contain('机器人可能已在运行');
      expect(second.output()).not.to.match(/\n\s+at /); // no stack trace
      expect(second.output()).not.to.contain('FerretDB');
      expect(databaseProcesses(dir)).to.have.length(1);
      expect(await healthy(port)).to.equal(true);
    });

    it('on another port over the same data directory: refused by the data lock, naming the running process', async () => {
      const [port, other] = [await freePort(), await freePort()];
      const dataDir = path.join(dir, 'data');
      const first = startBot(projectRoot, { PORT: String(port), DATA_DIR: dataDir, ORG_CONFIG: 'config/org.example.yaml' });
      bots.push(first);
      await until(() => healthy(port), 120_000, 'the first bot');
      // The embedded database's file is named for the bot, not the driver's default `test`.
      expect(readdirSync(path.join(dataDir, 'ferretdb')).filter((f) => f.endsWith('.sqlite'))).to.deep.equal(['huitoukan.sqlite']);

      const second = startBot(projectRoot, { PORT: String(other), DATA_DIR: dataDir, ORG_CONFIG: 'config/org.example.yaml' });
      bots.push(second);
      expect(await second.exited).to.not.equal(0);
      expect(second.output()).to.contain(`数据目录 ${dataDir} 正被进程 ${first.child.pid} 使用（端口 ${port}）`).and.to.contain('机器人可能已在运行');
      expect(databaseProcesses(dir)).to.have.length(1);
      expect(await healthy(other)).to.equal(false);

      // Stopped, it lets go: the next start takes the directory.
      await stop(first);
      const third = startBot(projectRoot, { PORT: String(other), DATA_DIR: dataDir, ORG_CONFIG: 'config/org.example.yaml' });
      bots.push(third);
      await until(() => healthy(other), 120_000, 'the bot after the first stopped');
    });
  });
});

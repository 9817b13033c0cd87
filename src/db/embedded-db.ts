import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockDataDir, StartRefused } from './data-lock';

/**
 * A MongoDB-compatible server started by this process: FerretDB (built from the Go module proxy)
 * or mongodb-memory-server. Used by `npm start` without MONGODB_URI and by the test suite.
 */
export interface EmbeddedDatabase {
  kind: 'ferretdb' | 'mongodb-memory-server';
  uri: string;
  dataDir: string;
  stop(): Promise<void>;
}

type Say = (message: string) => void;

const here = path.dirname(fileURLToPath(import.meta.url));
// src/db, or dist/src/db in the compiled build: the Go sources and the cache stay in the project.
const projectRoot = path.resolve(here, '..', '..', ...(path.basename(path.resolve(here, '..', '..')) === 'dist' ? ['..'] : []));
const ferretSourceDir = path.join(projectRoot, 'src', 'db', 'ferretdb');
const ferretCache = path.join(projectRoot, 'node_modules', '.cache', 'ferretdb');
/** Named after the patch below, so a binary built without it is not taken for one built with it. */
const ferretBinary = path.join(ferretCache, 'ferretdb-embedded-idfix1');

/**
 * FerretDB v1.24's SQLite backend creates the `_id` index on `_ferretdb_sjson->"_id"` but looks
 * documents up by `_ferretdb_sjson->'$._id'`, which SQLite does not match to that index: every
 * lookup, update and delete by `_id` read the whole table (250 ms at 100,000 documents instead of
 * 2 ms). The build uses a copy of the module with the lookup written as the index is.
 */
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const ID_COLUMN_FILE = path.join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go');
const ID_COLUMN_AS_SHIPPED = `IDColumn = DefaultColumn + "->'$._id'"`;
const ID_COLUMN_AS_INDEXED = 'IDColumn = DefaultColumn + `->"_id"`';

export function hasGo(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function binaryIsFresh(): boolean {
  if (!existsSync(ferretBinary)) return false;
  const built = statSync(ferretBinary).mtimeMs;
  return ['main.go', 'go.mod', 'go.sum'].every((f) => statSync(path.join(ferretSourceDir, f)).mtimeMs <= built);
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(full);
    else chmodSync(full, 0o644);
  }
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, CGO_ENABLED: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`FerretDB 构建失败 (${command} ${args.join(' ')} exit ${code}):\n${stderr.slice(-4000)}`)),
    );
  });
}

/** Builds the FerretDB wrapper once (with the `_id` lookup patched, see above); later calls reuse the binary. */
export async function buildFerretDb(say: Say): Promise<string> {
  if (binaryIsFresh()) return ferretBinary;
  say('正在用 Go 构建内置数据库 FerretDB（首次构建需下载约 1 GB 的 Go 依赖，可能需要几分钟，只需一次）…');
  mkdirSync(ferretCache, { recursive: true });
  const started = Date.now();
  const progress = reportProgress(say, { downloadedBytes: downloadGrowth(goDownloadCache()) });
  try {
    // The module as go.mod requires it, copied and patched beside a copy of the wrapper that uses it.
    progress.stage('正在下载 FerretDB 源码');
    const downloaded = JSON.parse(await run('go', ['mod', 'download', '-json', FERRETDB_MODULE], ferretSourceDir)) as { Dir?: string };
    progress.stage('正在下载依赖并编译');
    buildPatched(downloaded);
    await run('go', ['build', '-o', ferretBinary, '.'], path.join(ferretCache, 'wrapper'));
  } finally {
    progress.stop();
  }
  say(`FerretDB 构建完成，用时 ${Math.round((Date.now() - started) / 1000)} 秒`);
  return ferretBinary;
}

/** The timer and clock behind the progress lines (a spec passes its own). */
export interface ProgressClock {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

const realClock: ProgressClock = {
  now: () => Date.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export const PROGRESS_EVERY_MS = 5_000;

/**
 * Every few seconds while Go works: what it is doing, how long it has taken and how much it has
 * downloaded ("正在下载依赖并编译… 已用 35 秒，已下载 412 MB"; without a download cache to
 * measure, the time alone).
 */
export function reportProgress(say: Say, o: { downloadedBytes: () => number | undefined; clock?: ProgressClock }): { stage(what: string): void; stop(): void } {
  const clock = o.clock ?? realClock;
  const started = clock.now();
  let current = '';
  const stop = clock.every(PROGRESS_EVERY_MS, () => {
    const seconds = Math.round((clock.now() - started) / 1000);
    const bytes = o.downloadedBytes();
    say(`${current}… 已用 ${seconds} 秒${bytes === undefined ? '' : `，已下载 ${Math.round(bytes / 1e6)} MB`}`);
  });
  return {
    stage(what) {
      current = what;
    },
    stop,
  };
}

/** How much a download cache has grown since this call (Go's, where modules and toolchains land). */
export function downloadGrowth(cache: string | undefined): () => number | undefined {
  if (!cache) return () => undefined;
  const before = directoryBytes(cache);
  return () => Math.max(0, directoryBytes(cache) - before);
}

function goDownloadCache(): string | undefined {
  const modCache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout?.trim();
  return modCache ? path.join(modCache, 'cache', 'download') : undefined;
}

function directoryBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(full);
    else if (entry.isFile()) total += statSync(full, { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}

/** The downloaded module copied where it may be changed, patched, and the wrapper pointed at it. */
function buildPatched(downloaded: { Dir?: string }): void {
  if (!downloaded.Dir) throw new Error(`FerretDB 构建失败：go mod download 未给出 ${FERRETDB_MODULE} 的目录`);
  const moduleCopy = path.join(ferretCache, 'module');
  const wrapper = path.join(ferretCache, 'wrapper');
  if (existsSync(moduleCopy)) makeWritable(moduleCopy);
  rmSync(moduleCopy, { recursive: true, force: true });
  rmSync(wrapper, { recursive: true, force: true });
  cpSync(downloaded.Dir, moduleCopy, { recursive: true });
  // Go's module cache is read-only; the copy is ours to change and to delete.
  makeWritable(moduleCopy);
  const patched = path.join(moduleCopy, ID_COLUMN_FILE);
  const source = readFileSync(patched, 'utf8');
  if (!source.includes(ID_COLUMN_AS_SHIPPED)) throw new Error(`FerretDB 构建失败：${ID_COLUMN_FILE} 中未找到 ${ID_COLUMN_AS_SHIPPED}（FerretDB 版本变了？）`);
  writeFileSync(patched, source.replace(ID_COLUMN_AS_SHIPPED, ID_COLUMN_AS_INDEXED));
  mkdirSync(wrapper, { recursive: true });
  for (const f of ['main.go', 'go.mod', 'go.sum']) copyFileSync(path.join(ferretSourceDir, f), path.join(wrapper, f));
  writeFileSync(path.join(wrapper, 'go.mod'), `${readFileSync(path.join(wrapper, 'go.mod'), 'utf8')}\nreplace ${FERRETDB_MODULE} => ../module\n`);
}

export async function startFerretDb(options: { dataDir: string; port?: number; say: Say }): Promise<EmbeddedDatabase> {
  const binary = await buildFerretDb(options.say);
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-dir', options.dataDir, '-exit-with-parent'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  await waitForReady(child, 'ready', 30_000);
  return {
    kind: 'ferretdb',
    uri: `mongodb://127.0.0.1:${port}/`,
    dataDir: options.dataDir,
    stop: () => stopChild(child),
  };
}

function waitForReady(child: ChildProcess, marker: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`FerretDB 在 ${timeoutMs / 1000} 秒内没有启动:\n${output.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(marker)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`FerretDB 启动后立即退出 (exit ${code}):\n${output.slice(-2000)}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A mongod is at hand without a download: a system binary, or one mongodb-memory-server fetched earlier. */
function mongodAvailableOffline(): boolean {
  if (process.env.MONGOMS_SYSTEM_BINARY) return true;
  return spawnSync('mongod', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function startMemoryServer(options: { dataDir?: string; say: Say }): Promise<EmbeddedDatabase> {
  let mod: typeof import('mongodb-memory-server-core');
  try {
    mod = await import('mongodb-memory-server-core');
  } catch {
    throw new Error('mongodb-memory-server-core 未安装');
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // The binary first (a download when none is cached), so that a failed download is one error to
  // report, not a stack trace the library prints before giving up.
  await mod.MongoBinary.getPath();
  const server = await mod.MongoMemoryServer.create({
    instance: options.dataDir ? { dbPath: options.dataDir, storageEngine: 'wiredTiger' } : {},
  });
  return {
    kind: 'mongodb-memory-server',
    uri: server.getUri(),
    dataDir: options.dataDir ?? '(内存)',
    stop: async () => {
      await server.stop({ doCleanup: !options.dataDir });
    },
  };
}

/**
 * The bot's database in the embedded FerretDB, and so its file (`<name>.sqlite`): named for what it
 * holds rather than the driver's default `test`.
 */
export const EMBEDDED_DATABASE = 'huitoukan';

/** Data written before the database had its name (`test.sqlite`) keeps being used under the new one. */
function renameDefaultDatabase(dataDir: string, say: Say): void {
  const from = path.join(dataDir, 'test.sqlite');
  const to = path.join(dataDir, `${EMBEDDED_DATABASE}.sqlite`);
  if (!existsSync(from) || existsSync(to)) return;
  // SQLite's write-ahead log and shared memory travel with the file.
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix);
  say(`数据库文件 ${from} 已改名为 ${to}`);
}

/**
 * Starts whichever embedded server this machine can run. A mongod that needs no download comes
 * first (real MongoDB), then FerretDB when Go is installed, then a mongod download.
 */
export async function startEmbeddedDatabase(options: {
  dataDir: string;
  say: Say;
  prefer?: 'mongod' | 'ferretdb';
  /** The HTTP port of the process taking the data directory, named to a second one that is refused. */
  port?: number;
}): Promise<EmbeddedDatabase> {
  // Before anything starts: a second database over the same files would corrupt them.
  const lock = lockDataDir(options.dataDir, options.port);
  try {
    const db = await startFirstAvailable(options);
    return {
      ...db,
      stop: async () => {
        await db.stop();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startFirstAvailable(options: { dataDir: string; say: Say; prefer?: 'mongod' | 'ferretdb' }): Promise<EmbeddedDatabase> {
  const problems: string[] = [];
  const tryMongod = async (): Promise<EmbeddedDatabase | undefined> => {
    try {
      return await startMemoryServer({ dataDir: path.join(options.dataDir, 'mongod'), say: options.say });
    } catch (err) {
      // A download error runs to many lines; its first two say what failed.
      problems.push(`mongodb-memory-server: ${(err as Error).message.split('\n').slice(0, 2).join(' ')}`);
      return undefined;
    }
  };
  const tryFerret = async (): Promise<EmbeddedDatabase | undefined> => {
    if (!hasGo()) {
      problems.push('FerretDB: 未找到 Go 工具链 (go)');
      return undefined;
    }
    try {
      const dataDir = path.join(options.dataDir, 'ferretdb');
      renameDefaultDatabase(dataDir, options.say);
      const db = await startFerretDb({ dataDir, say: options.say });
      return { ...db, uri: `${db.uri}${EMBEDDED_DATABASE}` };
    } catch (err) {
      problems.push(`FerretDB: ${(err as Error).message}`);
      return undefined;
    }
  };

  const order = options.prefer === 'ferretdb' || !mongodAvailableOffline() ? [tryFerret, tryMongod] : [tryMongod, tryFerret];
  for (const attempt of order) {
    const db = await attempt();
    if (db) return db;
  }
  // The ways out first; the reasons after, one line each (a download error's first line only).
  throw new StartRefused(
    [
      '没有可用的数据库，机器人无法启动。请任选其一：',
      '  1. 设置 MONGODB_URI 指向已有的 MongoDB（可写在 .env 里）',
      '  2. 安装 Go 1.22 或更新版本，内置数据库 FerretDB 会在首次启动时自动构建（约下载 1 GB，只需一次）',
      '  3. 在能访问互联网的机器上启动，由 mongodb-memory-server 下载 mongod（约 100 MB）',
      '原因：',
      ...problems.map((p) => `  - ${p}`),
    ].join('\n'),
  );
}

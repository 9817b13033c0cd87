// `npm run bench`: intake throughput and latency against the real app and a bare server, and the
// reminder scan, digest and memory at 100,000 findings, and a 2,000-row 问题清单 import. Progress on stderr; the last line on
// stdout is one JSON object. Not part of `npm test`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Koa from 'koa';
import { pino } from 'pino';
import { allItems, isDistrictTask, type TaskNo } from '../../config/division-table';
import { loadOrgConfig } from '../../config/org';
import { openDatabase } from '../../src/db/connection';
import { freePort, startFerretDb, type EmbeddedDatabase } from '../../src/db/embedded-db';
import { findingModel, type FindingDoc, type FindingStatus, type HistoryEntry } from '../../src/findings/finding.model';
import { readTextBody } from '../../src/http/body';
import { createLogger } from '../../src/logger';
import { createService } from '../../src/main';
import { createDirectory } from '../../src/org/directory';
import { DEMO_REPORTS, DEMO_SURNAMES } from '../../src/simulator/demo-data';
import { createCallbackCrypto } from '../../src/wecom/callback-crypto';
import { parseAppEnvelope } from '../../src/wecom/callback-parse';
import { benchConfig } from './bench-config';
import { startFakeWeCom } from '../helpers/fake-wecom';
import { routingBench, type RoutingBench } from './routing.bench';
import { appTextXml, signedAppCallback, TEST_APP } from '../helpers/wecom-signer';
import { importBench, type ImportBench } from './import.bench';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const WARMUP = 300;
const SCALE = Number(process.env.BENCH_FINDINGS ?? 100_000);
/** `intake`, `scale`, `start` or `routing` runs only that part (while working on one); the default runs all. */
const ONLY = process.env.BENCH_ONLY;
const AGENT_ID = '1000002';
const say = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number | null;
  p99: number | null;
  statuses: Record<string, number>;
  exhausted: boolean;
}

const org = loadOrgConfig('config/org.example.yaml');
const directory = createDirectory(org);
const cadres = directory.villages().flatMap((v) => (v.cadre ? [{ village: v.name, cadre: v.cadre }] : []));
const reports = Object.values(DEMO_REPORTS).flat();

/** Signed app callbacks, each a distinct report with its own MsgId, as WeCom would send them. */
function signRequests(count: number, offset: number): { query: string; body: string; ip: string }[] {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    const who = cadres[n % cadres.length]!;
    const content = `${reports[n % reports.length]!.replace('{v}', who.village).replace('{x}', DEMO_SURNAMES[n % DEMO_SURNAMES.length]!)}（${n}）`;
    const xml = appTextXml({ from: who.cadre, to: TEST_APP.corpId, content, msgId: String(7_400_000_000_000_000_000n + BigInt(n)), createTime: Number(timestamp), agentId: AGENT_ID });
    const signed = signedAppCallback({ ...TEST_APP, xml, agentId: AGENT_ID, timestamp });
    // WeCom calls back from many servers; spread over 256 addresses so the per-address limit is not what is measured.
    return { query: signed.query, body: signed.body, ip: `10.0.${(n >> 8) & 255}.${n & 255}` };
  });
}

function load(url: string, requests: { query: string; body: string; ip: string }[]): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load.worker.mjs', import.meta.url), { workerData: { url, requests, concurrency: CONCURRENCY, durationMs: DURATION_MS, warmup: WARMUP } });
    worker.once('message', (m: LoadResult) => resolve(m));
    worker.once('error', reject);
  });
}

const listen = (app: Koa): Promise<{ server: Server; base: string }> =>
  new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
    });
  });
const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/**
 * A Koa server that reads the body, checks the signature and decrypts, then hands the event to
 * `keep` (nothing, or a store) before answering: the floors the bot's intake is compared with.
 */
function verifyingApp(keep: (event: { id: string; xml: string }) => Promise<void>): Koa {
  const crypto = createCallbackCrypto({ token: TEST_APP.token, encodingAesKey: TEST_APP.encodingAesKey, receiveId: TEST_APP.corpId });
  const app = new Koa();
  app.use(async (ctx) => {
    const body = await readTextBody(ctx);
    const encrypt = parseAppEnvelope(body).Encrypt;
    const q = ctx.query as Record<string, string>;
    if (!crypto.verify(q.msg_signature ?? '', q.timestamp ?? '', q.nonce ?? '', encrypt)) {
      ctx.status = 401;
      return;
    }
    await keep({ id: q.msg_signature ?? '', xml: crypto.decrypt(encrypt) });
    ctx.status = 200;
    ctx.body = '';
  });
  return app;
}

/** The floor: verify and decrypt, nothing else. */
async function baseline(): Promise<LoadResult> {
  const { server, base } = await listen(verifyingApp(async () => {}));
  try {
    return await load(`${base}/wecom/callback`, signRequests(120_000, 0));
  } finally {
    await close(server);
  }
}

/**
 * The durable floor: the bare server plus one insertOne of the event before answering, which any
 * server that stores a callback before acknowledging it pays (unless it groups writes).
 */
async function durableFloor(dbBase: string): Promise<LoadResult> {
  const connection = await openDatabase(dbUri(dbBase, 'bench_floor'));
  const events = connection.db!.collection<{ _id: string; xml: string; receivedAt: Date }>('events');
  const app = verifyingApp(async ({ id, xml }) => {
    await events.insertOne({ _id: id, xml, receivedAt: new Date() });
  });
  const { server, base } = await listen(app);
  try {
    return await load(`${base}/wecom/callback`, signRequests(40_000, 500_000));
  } finally {
    await close(server);
    await connection.close();
  }
}

/** The real app: receiver, inbox on the database, and the handlers and outbox working behind it. */
async function intake(dbBase: string): Promise<LoadResult & { processedAfter: number }> {
  const wecom = await startFakeWeCom({ app: { secret: 'bench-secret' } });
  const config = benchConfig(dbUri(dbBase, 'bench_intake'), wecom.base, { WECOM_AGENT_ID: AGENT_ID, LOG_LEVEL: 'info', TRUST_PROXY: '1' });
  // Logging as in production (info), to nowhere.
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const service = createService({ config, org, logger, schedule: false });
  const { port } = await service.start();
  try {
    const result = await load(`http://127.0.0.1:${port}/wecom/callback`, signRequests(40_000, 1_000_000));
    const processedAfter = await service.domain.findings.count();
    return { ...result, processedAfter };
  } finally {
    await service.stop();
    await wecom.close();
  }
}

function dbUri(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  url.searchParams.set('directConnection', 'true');
  return url.toString();
}

/** 100,000 findings in mixed states over the last half year, inserted directly in batches. */
async function fill(uri: string, count: number, now: Date): Promise<number> {
  const connection = await openDatabase(uri);
  const model = findingModel(connection);
  await model.init(); // indexes first, as a live database has them
  const items = allItems();
  const villages = directory.villages();
  const units = directory.units();
  let seed = 42;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  // Recent findings are still being worked on; older ones are mostly closed, a few stragglers overdue.
  const recent: [FindingStatus, number][] = [['dispatched', 0.2], ['accepted', 0.35], ['rectified', 0.15], ['closed', 0.2], ['cancelled', 0.05], ['triage', 0.05]];
  const older: [FindingStatus, number][] = [['closed', 0.9], ['cancelled', 0.06], ['accepted', 0.02], ['rectified', 0.015], ['dispatched', 0.005]];
  const started = performance.now();
  const batch = 2000;
  for (let from = 0; from < count; from += batch) {
    const docs: (FindingDoc & { createdAt: Date; updatedAt: Date })[] = [];
    for (let i = from; i < Math.min(count, from + batch); i++) {
      const ref = items[Math.floor(rnd() * items.length)]!;
      const task = ref.task.no as TaskNo;
      const village = villages[Math.floor(rnd() * villages.length)]!;
      const createdAt = new Date(now.getTime() - rnd() * 180 * 86_400_000);
      let r = rnd();
      const status = (now.getTime() - createdAt.getTime() < 14 * 86_400_000 ? recent : older).find(([, p]) => (r -= p) < 0)?.[0] ?? 'closed';
      const dispatched = status !== 'triage';
      const lead = isDistrictTask(task) ? village.district : ref.subArea.departments[0] ?? units[Math.floor(rnd() * units.length)]!.name;
      const deadline = dispatched ? new Date(createdAt.getTime() + 9 * 86_400_000) : null;
      const history: HistoryEntry[] = [{ at: createdAt, by: village.cadre ?? 'wangzhen', action: '报告', from: null, to: dispatched ? 'dispatched' : 'triage', note: null, text: '（批量生成）' }];
      if (['accepted', 'rectified', 'closed'].includes(status)) history.push({ at: new Date(createdAt.getTime() + 3 * 3600_000), by: 'hanbing', action: '签收', from: 'dispatched', to: 'accepted', note: null, text: null });
      docs.push({
        _id: String(i + 1),
        no: i + 1,
        status,
        version: history.length - 1,
        task: dispatched ? task : null,
        item: dispatched ? ref.problem.code : null,
        departments: dispatched ? [lead] : [],
        village: village.name,
        district: village.district,
        cadre: village.cadre,
        reporter: village.cadre ?? 'wangzhen',
        text: `${village.name}${DEMO_SURNAMES[i % DEMO_SURNAMES.length]}某某家${ref.problem.text.slice(0, 40)}`,
        household: null,
        urgency: 'normal',
        channel: 'chat',
        source: '自查',
        batch: null,
        linkedTo: null,
        relapse: false,
        sourceKey: `bench:${i}`,
        routing: { confidence: 0.9, source: 'lexicon', reasons: [], alternatives: [] },
        deadline,
        dispatchedAt: dispatched ? createdAt : null,
        acceptedAt: ['accepted', 'rectified', 'closed'].includes(status) ? history[1]!.at : null,
        rectifiedAt: ['rectified', 'closed'].includes(status) ? new Date(createdAt.getTime() + 5 * 86_400_000) : null,
        closedAt: status === 'closed' ? new Date(createdAt.getTime() + 6 * 86_400_000) : null,
        cancelledAt: status === 'cancelled' ? new Date(createdAt.getTime() + 86_400_000) : null,
        rectifyNote: ['rectified', 'closed'].includes(status) ? '已整改' : null,
        replyTo: null,
        history,
        createdAt,
        updatedAt: createdAt,
      });
    }
    await connection.collection<(typeof docs)[number]>('findings').insertMany(docs, { ordered: false });
    if ((from / batch) % 10 === 0) say(`inserted ${from + docs.length} findings`);
  }
  const seconds = (performance.now() - started) / 1000;
  await connection.close();
  return seconds;
}

function atScale(uri: string, now: Date): Promise<{ startMs: number; reminderScan: unknown; digest: unknown; nightlyCheckMs: number | null; rssMb: number; notes: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'bench', 'server-at-scale.child.ts')], {
      env: { ...process.env, BENCH_MONGODB_URI: uri, BENCH_NOW: now.toISOString() },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`server-at-scale child exited ${code}`));
      resolve(JSON.parse(line) as { startMs: number; reminderScan: unknown; digest: unknown; nightlyCheckMs: number | null; rssMb: number; notes: string[] });
    });
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** CPU time (user + system, ms) of this process's children that have ended (Linux: /proc/self/stat). */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // cutime and cstime, in clock ticks of 1/100 s.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/**
 * `cli route` as an operator runs it, wall time from spawn to exit and its CPU time, the median of
 * five (on a machine shared with other work the wall time grows, the CPU time much less).
 */
function cliRoute(command: string, args: string[]): { ms: number; cpuMs: number } {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const cpuBefore = childrenCpuMs();
    const run = spawnSync(command, [...args, 'route', '东岭村王某某家吃水困难，自来水一周没来水了'], { encoding: 'utf8' });
    if (run.status !== 0 || !run.stdout.includes('"5.2"')) throw new Error(`cli route failed: ${run.stderr}`);
    times.push(performance.now() - started);
    cpu.push(childrenCpuMs() - cpuBefore);
  }
  return { ms: Math.round(median(times)), cpuMs: Math.round(median(cpu)) };
}

/**
 * `npm start` on a built tree with the embedded database already built, from spawn to the first
 * 200 from /healthz, on an empty data folder; the median of three.
 */
async function startReady(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yaocun-bench-start-'));
    const port = await freePort();
    const started = performance.now();
    const child = spawn('npm', ['start', '--silent'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
      detached: true,
    });
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}`);
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
        if (ok) break;
        if (performance.now() - started > 120_000) throw new Error('npm start: not ready in 120 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      times.push(performance.now() - started);
    } finally {
      // npm, its shell and node: the whole group.
      process.kill(-child.pid!, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await new Promise((r) => setTimeout(r, 500));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return Math.round(median(times));
}

async function main(): Promise<void> {
  // Routing is in-process and needs no database: first, and alone when asked for.
  let routing: RoutingBench | null = null;
  if (!ONLY || ONLY === 'routing') {
    say('routing: one report in-process, with 1,000 learned corrections');
    routing = routingBench();
    say(`routing p50 ${routing.p50} ms, p99 ${routing.p99} ms (split reports p99 ${routing.splitP99} ms) over ${routing.reports} reports`);
    if (ONLY === 'routing') {
      process.stdout.write(`${JSON.stringify({ routing, node: process.version, cpus: os.cpus().length })}\n`);
      return;
    }
  }
  const notes: string[] = [];
  let db: EmbeddedDatabase | undefined;
  let tempDir: string | undefined;
  let dbBase = process.env.MONGODB_URI;
  if (!dbBase) {
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'yaocun-bench-db-'));
    db = await startFerretDb({ dataDir: tempDir, say });
    dbBase = db.uri;
  }
  say(`database: ${db ? `${db.kind} ${db.uri}` : 'MONGODB_URI'}`);
  try {
    let bare: LoadResult | null = null;
    let floor: LoadResult | null = null;
    let app: (LoadResult & { processedAfter: number }) | null = null;
    let cliRouteMs: number | null = null;
    let cliRouteCpuMs: number | null = null;
    let npmCliRouteMs: number | null = null;
    let startMs: number | null = null;
    if (!ONLY || ONLY === 'start') {
      const build = spawnSync(process.execPath, ['src/build/build.mjs', '--if-stale'], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (build.status !== 0) throw new Error('npm run build failed');
      const direct = cliRoute(process.execPath, ['dist/src/cli.js']);
      [cliRouteMs, cliRouteCpuMs] = [direct.ms, direct.cpuMs];
      npmCliRouteMs = cliRoute('npm', ['run', '--silent', 'cli', '--']).ms;
      say(`cli route: ${cliRouteMs} ms (${cliRouteCpuMs} ms CPU) as node dist/src/cli.js, ${npmCliRouteMs} ms through npm run`);
      startMs = await startReady();
      say(`npm start ready in ${startMs} ms`);
    }
    if (!ONLY || ONLY === 'intake') {
      say(`intake baseline: bare Koa, verify + decrypt, concurrency ${CONCURRENCY}, ${DURATION_MS / 1000} s`);
      bare = await baseline();
      say(`baseline ${Math.round(bare.rps)} req/s, p50 ${bare.p50?.toFixed(2)} ms, p99 ${bare.p99?.toFixed(2)} ms ${JSON.stringify(bare.statuses)}`);
      if (bare.exhausted) notes.push('baseline ran out of pre-signed requests before the time was up');

      say('intake floor: bare Koa, verify + decrypt + one insertOne before the 200');
      floor = await durableFloor(dbBase);
      say(`durable floor ${Math.round(floor.rps)} req/s, p50 ${floor.p50?.toFixed(2)} ms, p99 ${floor.p99?.toFixed(2)} ms ${JSON.stringify(floor.statuses)}`);

      say('intake: the real app with the database');
      app = await intake(dbBase);
      say(`app ${Math.round(app.rps)} req/s, p50 ${app.p50?.toFixed(2)} ms, p99 ${app.p99?.toFixed(2)} ms ${JSON.stringify(app.statuses)}; ${app.processedAfter} findings made by the end`);
      if (Object.keys(app.statuses).some((s) => s !== '200')) notes.push(`intake answered ${JSON.stringify(app.statuses)}`);
    }

    let listImport: ImportBench | null = null;
    if (!ONLY || ONLY === 'import') {
      say('import: a 2,000-row 问题清单 through the real service');
      listImport = await importBench(dbUri(dbBase, 'bench_import'), org, 2_000, say);
      say(`import: ${JSON.stringify(listImport)}`);
    }

    let scale: Awaited<ReturnType<typeof atScale>> | null = null;
    let fillSeconds: number | null = null;
    if (!ONLY || ONLY === 'scale') {
      const now = new Date('2026-12-01T10:00:00+08:00');
      const uri = dbUri(dbBase, 'bench_scale');
      say(`filling ${SCALE} findings`);
      fillSeconds = await fill(uri, SCALE, now);
      say(`filled in ${fillSeconds.toFixed(1)} s; starting the server on them`);
      scale = await atScale(uri, now);
      say(`at scale: ${JSON.stringify(scale)}`);
      notes.push(...scale.notes);
    }
    if (db?.kind === 'ferretdb') {
      notes.push('FerretDB v1 on SQLite answers every query but a lookup by _id by reading the whole collection: the figures are that database\'s; run with MONGODB_URI for MongoDB\'s');
    }

    const round = (n: number | null): number | null => (n === null ? null : Math.round(n * 100) / 100);
    const result = {
      intake:
        app && bare
          ? {
              concurrency: CONCURRENCY,
              seconds: DURATION_MS / 1000,
              requests: app.requests,
              rps: Math.round(app.rps),
              p50: round(app.p50),
              p99: round(app.p99),
              baselineRps: Math.round(bare.rps),
              baselineP50: round(bare.p50),
              baselineP99: round(bare.p99),
              ratio: Math.round((app.rps / bare.rps) * 100) / 100,
              durableFloorRps: floor ? Math.round(floor.rps) : null,
              durableFloorP99: floor ? round(floor.p99) : null,
              // The app against what storing each callback before its 200 costs at the least.
              floorRatio: floor ? Math.round((app.rps / floor.rps) * 100) / 100 : null,
              // Findings the handlers finished while the callbacks came in (the work behind each 200).
              processedPerSecond: Math.round((app.processedAfter / app.seconds) * 10) / 10,
            }
          : null,
      import: listImport,
      routing,
      cliRouteMs,
      cliRouteCpuMs,
      npmCliRouteMs,
      startMs,
      // The first start on 100,000 findings written without their views (it builds them once).
      scaleStartMs: scale?.startMs ?? null,
      nightlyCheckMs: scale?.nightlyCheckMs ?? null,
      reminderScan: scale?.reminderScan ?? null,
      digest: scale?.digest ?? null,
      rssMb: scale?.rssMb ?? null,
      findings: SCALE,
      fillSeconds: fillSeconds === null ? null : Math.round(fillSeconds),
      database: db?.kind ?? 'MONGODB_URI',
      node: process.version,
      cpus: os.cpus().length,
      // Other work on the machine at the end of the run: wall times above grow with it.
      loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
      notes,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await db?.stop();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

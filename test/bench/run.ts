// `npm run bench`: intake throughput and latency against the real app and a bare server, and the
// reminder scan, digest and memory at 100,000 findings. Progress on stderr; the last line on
// stdout is one JSON object. Not part of `npm test`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Koa from 'koa';
import { pino } from 'pino';
import { loadConfig } from '../../config/env';
import { allItems, isDistrictTask, type TaskNo } from '../../config/division-table';
import { loadOrgConfig } from '../../config/org';
import { openDatabase } from '../../src/db/connection';
import { startFerretDb, type EmbeddedDatabase } from '../../src/db/embedded-db';
import { findingModel, type FindingDoc, type FindingStatus, type HistoryEntry } from '../../src/findings/finding.model';
import { readTextBody } from '../../src/http/body';
import { createLogger } from '../../src/logger';
import { createService } from '../../src/main';
import { createDirectory } from '../../src/org/directory';
import { DEMO_REPORTS, DEMO_SURNAMES } from '../../src/simulator/demo-data';
import { createCallbackCrypto } from '../../src/wecom/callback-crypto';
import { parseAppEnvelope } from '../../src/wecom/callback-parse';
import { startFakeWeCom } from '../helpers/fake-wecom';
import { appTextXml, signedAppCallback, TEST_APP } from '../helpers/wecom-signer';

const CONCURRENCY = 16;
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const WARMUP = 300;
const SCALE = Number(process.env.BENCH_FINDINGS ?? 100_000);
/** `intake` or `scale` runs only that half (while working on one); the default runs both. */
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

/** The floor: a Koa server that reads the body, checks the signature and decrypts, nothing else. */
async function baseline(): Promise<LoadResult> {
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
    crypto.decrypt(encrypt);
    ctx.status = 200;
    ctx.body = '';
  });
  const { server, base } = await listen(app);
  try {
    return await load(`${base}/wecom/callback`, signRequests(120_000, 0));
  } finally {
    await close(server);
  }
}

/** The real app: receiver, inbox on the database, and the handlers and outbox working behind it. */
async function intake(dbBase: string): Promise<LoadResult & { processedAfter: number }> {
  const wecom = await startFakeWeCom({ app: { secret: 'bench-secret' } });
  const config = loadConfig({
    PORT: '0',
    MONGODB_URI: dbUri(dbBase, 'bench_intake'),
    WECOM_API_BASE: wecom.base,
    WECOM_CORP_ID: TEST_APP.corpId,
    WECOM_AGENT_ID: AGENT_ID,
    WECOM_SECRET: 'bench-secret',
    WECOM_TOKEN: TEST_APP.token,
    WECOM_ENCODING_AES_KEY: TEST_APP.encodingAesKey,
    LOG_LEVEL: 'info',
    TRUST_PROXY: '1',
  });
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

async function main(): Promise<void> {
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
    let app: (LoadResult & { processedAfter: number }) | null = null;
    if (ONLY !== 'scale') {
      say(`intake baseline: bare Koa, verify + decrypt, concurrency ${CONCURRENCY}, ${DURATION_MS / 1000} s`);
      bare = await baseline();
      say(`baseline ${Math.round(bare.rps)} req/s, p50 ${bare.p50?.toFixed(2)} ms, p99 ${bare.p99?.toFixed(2)} ms ${JSON.stringify(bare.statuses)}`);
      if (bare.exhausted) notes.push('baseline ran out of pre-signed requests before the time was up');

      say('intake: the real app with the database');
      app = await intake(dbBase);
      say(`app ${Math.round(app.rps)} req/s, p50 ${app.p50?.toFixed(2)} ms, p99 ${app.p99?.toFixed(2)} ms ${JSON.stringify(app.statuses)}; ${app.processedAfter} findings made by the end`);
      if (Object.keys(app.statuses).some((s) => s !== '200')) notes.push(`intake answered ${JSON.stringify(app.statuses)}`);
    }

    let scale: Awaited<ReturnType<typeof atScale>> | null = null;
    let fillSeconds: number | null = null;
    if (ONLY !== 'intake') {
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
              // Findings the handlers finished while the callbacks came in (the work behind each 200).
              processedPerSecond: Math.round((app.processedAfter / app.seconds) * 10) / 10,
            }
          : null,
      startMs: scale?.startMs ?? null,
      nightlyCheckMs: scale?.nightlyCheckMs ?? null,
      reminderScan: scale?.reminderScan ?? null,
      digest: scale?.digest ?? null,
      rssMb: scale?.rssMb ?? null,
      findings: SCALE,
      fillSeconds: fillSeconds === null ? null : Math.round(fillSeconds),
      database: db?.kind ?? 'MONGODB_URI',
      node: process.version,
      cpus: os.cpus().length,
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

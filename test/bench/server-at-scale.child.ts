// Child process of test/bench/run.ts: the real server on a database that already holds 100,000
// findings. Times the reminder scan and the digest build, serves a few requests, and reports its
// resident memory. Prints one JSON line.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadOrgConfig } from '../../config/org';
import { silentLogger } from '../../src/logger';
import { createService } from '../../src/main';
import { benchConfig } from './bench-config';
import { startFakeWeCom } from '../helpers/fake-wecom';

type Fn = (...args: unknown[]) => Promise<unknown>;

/**
 * The reminders issue's code, if it is in the tree (loaded by path, so this bench does not stop
 * compiling when it moves): the reminder run, and the digest built without sending it.
 */
async function load(file: string): Promise<Record<string, unknown> | null> {
  const full = path.resolve(file);
  return existsSync(full) ? ((await import(full)) as Record<string, unknown>) : null;
}
const fn = (mod: Record<string, unknown> | null, name: string): Fn | null => (typeof mod?.[name] === 'function' ? (mod[name] as Fn) : null);

async function main(): Promise<void> {
  const uri = process.env.BENCH_MONGODB_URI;
  const now = new Date(process.env.BENCH_NOW ?? '2026-12-01T10:00:00+08:00');
  if (!uri) throw new Error('BENCH_MONGODB_URI not set');
  const wecom = await startFakeWeCom({ app: { secret: 'bench-secret' } });
  const adminToken = 'bench-admin-token-0123456789';
  const config = benchConfig(uri, wecom.base, { ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent' });
  const service = createService({ config, org: loadOrgConfig('config/org.example.yaml'), logger: silentLogger(), schedule: false });
  // On a database whose findings were written without the service, the start builds the views (once).
  const startedAt = performance.now();
  const { port } = await service.start();
  const startMs = Math.round(performance.now() - startedAt);
  const base = `http://127.0.0.1:${port}`;
  const notes: string[] = [];

  const timed = async (call: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await call();
    return Math.round(performance.now() - started);
  };
  const findings = (await service.domain.findings.tallies(now, now)).created;
  const open = (await service.domain.findings.open()).length;

  let reminderScan: { findings: number; open: number; ms: number; steadyMs: number } | null = null;
  const runReminders = fn(await load('src/reminders/reminder.service.ts'), 'runReminders');
  if (runReminders) {
    // The first run at this size records a slot for every overdue item; the next ones only scan.
    const ms = await timed(() => runReminders(service.domain, now));
    const steadyMs = await timed(() => runReminders(service.domain, new Date(now.getTime() + 15 * 60_000)));
    reminderScan = { findings, open, ms, steadyMs };
  } else notes.push('reminderScan: src/reminders/reminder.service.ts (runReminders) not in the tree; null');

  let digest: { findings: number; ms: number } | null = null;
  const digestService = await load('src/digest/digest.service.ts');
  const collect = fn(digestService, 'collectDigest');
  const messages = digestService?.digestMessages as ((ctx: unknown, data: unknown, key: string) => unknown) | undefined;
  if (collect && messages) {
    digest = { findings, ms: await timed(async () => messages(service.domain, await collect(service.domain, now), 'bench')) };
  } else notes.push('digest: src/digest/digest.service.ts (collectDigest, digestMessages) not in the tree; null');

  // The night's check of the views against every finding (housekeeping).
  let nightlyCheckMs: number | null = null;
  const check = fn(await load('src/digest/tallies.ts'), 'checkFindingViews');
  if (check) nightlyCheckMs = await timed(() => check(service.domain, now));

  // A few of the requests a server answers all day, at this size.
  const get = async (p: string): Promise<number> => {
    const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${adminToken}` } });
    await res.arrayBuffer();
    return res.status;
  };
  const statuses = [await get('/healthz'), await get('/api/findings?status=dispatched'), await get('/api/findings/50000')];
  if (statuses.some((s) => s !== 200)) notes.push(`requests at scale answered ${statuses.join(', ')}`);

  const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
  await service.stop();
  await wecom.close();
  process.stdout.write(`${JSON.stringify({ startMs, reminderScan, digest, nightlyCheckMs, rssMb, notes })}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

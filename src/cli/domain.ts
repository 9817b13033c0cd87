import type { Server } from 'node:http';
import path from 'node:path';
import Koa from 'koa';
import type { Connection } from 'mongoose';
import { loadConfigFromProcess, type AppConfig } from '../../config/env';
import { loadOrgConfig, resolveOrgConfigPath, type OrgConfig } from '../../config/org';
import { FixedClock, type Clock } from '../clock';
import { openDatabase } from '../db/connection';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../db/embedded-db';
import { AppError } from '../errors';
import { createLogger, type Logger } from '../logger';
import { ensureFindingViews } from '../digest/tallies';
import { wireDomain } from '../main';
import { createSimulator } from '../simulator/simulator';

/**
 * For CLI commands that work on the bot's data (demo, remind, digest): the organisation file,
 * the database (MONGODB_URI, else the embedded one under DATA_DIR, as `npm start` does) and the
 * domain wired on it with the command's own clock. `close()` stops the workers, the connection
 * and an embedded database.
 *
 * With the embedded database, stop `npm start` first or set MONGODB_URI: two processes should not
 * run a database over the same data directory.
 */
export interface CliDomain {
  config: AppConfig;
  org: OrgConfig;
  connection: Connection;
  wired: ReturnType<typeof wireDomain>;
  close(): Promise<void>;
}

export function loadOrgFor(config: AppConfig): OrgConfig {
  return loadOrgConfig(resolveOrgConfigPath(config.orgConfigPath, config.orgConfigExplicit).file);
}

export async function openCliDomain(options: {
  config: AppConfig;
  org?: OrgConfig;
  clock: Clock;
  logger: Logger;
  /** Replaces the configuration the domain is wired with (e.g. the simulator's WeCom), given the open connection. */
  wecom?: (connection: Connection, org: OrgConfig) => Promise<AppConfig> | AppConfig;
  /**
   * Deliver to the built-in simulator (its API on a port of this process), so messages show on
   * /sim as the server's do in simulator mode, and never reach WeCom.
   */
  simulator?: boolean;
}): Promise<CliDomain> {
  const { config, clock, logger } = options;
  const org = options.org ?? loadOrgFor(config);
  let simServer: Server | undefined;
  const closeSimServer = async (): Promise<void> => {
    const s = simServer;
    simServer = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  const simulated = async (connection: Connection, o: OrgConfig): Promise<AppConfig> => {
    const sim = createSimulator({ connection, org: o, clock, logger });
    const app = new Koa();
    for (const router of sim.routers) app.use(router.routes());
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    simServer = server;
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    sim.listening(port);
    return sim.config(config, port);
  };
  const wecom = options.wecom ?? (options.simulator ? simulated : undefined);
  let embedded: EmbeddedDatabase | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    embedded = await startEmbeddedDatabase({ dataDir: path.resolve(config.dataDir), say: (m) => logger.info(m) });
    uri = embedded.uri;
  }
  let connection: Connection | undefined;
  try {
    connection = await openDatabase(uri);
    const wiredConfig = wecom ? await wecom(connection, org) : config;
    const wired = wireDomain(wiredConfig, org, connection, logger, clock);
    await ensureFindingViews(wired.domain);
    const conn = connection;
    return {
      config: wiredConfig,
      org,
      connection: conn,
      wired,
      async close() {
        for (const w of wired.workers) await w.stop();
        await closeSimServer();
        await conn.close();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await closeSimServer();
    await connection?.close();
    await embedded?.stop();
    throw err;
  }
}

/** `--now <ISO time>` (or `--now=...`) among a command's arguments; the present moment without it. */
export function parseNowArg(args: string[], usage: string, flags: string[] = []): { now: Date; flags: Set<string> } {
  let now: Date | undefined;
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const value = arg === '--now' ? args[++i] : arg.startsWith('--now=') ? arg.slice('--now='.length) : undefined;
    if (arg === '--now' || arg.startsWith('--now=')) {
      const parsed = value === undefined ? NaN : Date.parse(value);
      if (Number.isNaN(parsed)) throw new AppError('bad_request', `--now 后面需要 ISO 时间，例如 2026-10-09T09:00:00+08:00\n${usage}`);
      now = new Date(parsed);
    } else if (flags.includes(arg)) {
      seen.add(arg);
    } else {
      throw new AppError('bad_request', `不认识的参数“${arg}”\n${usage}`);
    }
  }
  return { now: now ?? new Date(), flags: seen };
}

/**
 * Runs `work` on the domain as if it were `now` (a fixed clock), then (unless told not to)
 * delivers what is due before closing, so a CLI job sends its messages even when no server is
 * running. Logs go to stderr: stdout is the command's output. In simulator mode the messages go to
 * the built-in simulator, as the server's would.
 */
export async function runAt<T>(
  now: Date,
  work: (domain: CliDomain['wired']['domain']) => Promise<T>,
  options: { deliver?: boolean } = {},
): Promise<{ result: T; delivery: Awaited<ReturnType<CliDomain['wired']['outbox']['deliverDue']>> }> {
  const config = loadConfigFromProcess();
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, destination: process.stderr as never });
  const cli = await openCliDomain({ config, clock: new FixedClock(now), logger, simulator: config.simulator });
  try {
    // Delivery happens here, once, rather than on the workers' timers.
    for (const w of cli.wired.workers) await w.stop();
    const result = await work(cli.wired.domain);
    const delivery = options.deliver === false ? { sent: 0, failed: 0, merged: 0, waiting: 0 } : await cli.wired.outbox.deliverDue(now);
    return { result, delivery };
  } finally {
    await cli.close();
  }
}

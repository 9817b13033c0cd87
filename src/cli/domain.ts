import path from 'node:path';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../config/env';
import { loadOrgConfig, resolveOrgConfigPath, type OrgConfig } from '../../config/org';
import type { Clock } from '../clock';
import { openDatabase } from '../db/connection';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../db/embedded-db';
import type { Logger } from '../logger';
import { wireDomain } from '../main';

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
}): Promise<CliDomain> {
  const { config, clock, logger } = options;
  const org = options.org ?? loadOrgFor(config);
  let embedded: EmbeddedDatabase | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    embedded = await startEmbeddedDatabase({ dataDir: path.resolve(config.dataDir), say: (m) => logger.info(m) });
    uri = embedded.uri;
  }
  let connection: Connection | undefined;
  try {
    connection = await openDatabase(uri);
    const wiredConfig = options.wecom ? await options.wecom(connection, org) : config;
    const wired = wireDomain(wiredConfig, org, connection, logger, clock);
    const conn = connection;
    return {
      config: wiredConfig,
      org,
      connection: conn,
      wired,
      async close() {
        for (const w of wired.workers) await w.stop();
        await conn.close();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await connection?.close();
    await embedded?.stop();
    throw err;
  }
}

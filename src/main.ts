import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mongoose';
import { ConfigError, loadConfigFromProcess, type AppConfig } from '../config/env';
import { loadOrgConfig, OrgConfigError, resolveOrgConfigPath, type OrgConfig } from '../config/org';
import { systemClock, type Clock } from './clock';
import { openDatabase, pingDatabase } from './db/connection';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded-db';
import { createApp } from './http/app';
import { createLogger, type Logger } from './logger';
import { startScheduler, type Scheduler } from './scheduler';

export interface ServiceOptions {
  config: AppConfig;
  /** Defaults to the file at config.orgConfigPath. */
  org?: OrgConfig;
  logger?: Logger;
  clock?: Clock;
  /** Run the scheduled jobs (off in most tests, which run jobs by hand). */
  schedule?: boolean;
}

export interface Service {
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
  readonly connection: Connection;
}

/** The composition root: config, logger, database, HTTP app and jobs, wired once. */
export function createService(options: ServiceOptions): Service {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  let embedded: EmbeddedDatabase | undefined;
  let connection: Connection | undefined;
  let server: Server | undefined;
  let scheduler: Scheduler | undefined;

  return {
    get connection() {
      if (!connection) throw new Error('service not started');
      return connection;
    },

    async start() {
      const org = options.org ?? loadOrg(config, logger);
      let uri = config.mongodbUri;
      if (!uri) {
        embedded = await startEmbeddedDatabase({
          dataDir: path.resolve(config.dataDir),
          say: (message) => logger.info(message),
        });
        uri = embedded.uri;
        logger.info(
          { database: embedded.kind, dataDir: embedded.dataDir },
          `未设置 MONGODB_URI：已启动内置数据库 ${embedded.kind}，数据保存在 ${embedded.dataDir}`,
        );
      }
      connection = await openDatabase(uri);
      const db = connection;

      const app = createApp({ logger, databaseReady: () => pingDatabase(db) });
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.port, () => resolve(s));
        s.once('error', reject);
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;

      if (options.schedule !== false) {
        scheduler = startScheduler([], { logger, clock, org }, { clock, logger, timeZone: config.timeZone });
      }
      if (config.simulator) {
        logger.warn('**************************************************************');
        logger.warn('*  模拟模式：未配置企业微信凭据，消息不会发到真实的企业微信  *');
        logger.warn('*  SIMULATOR MODE: no WeCom credentials, nothing leaves here   *');
        logger.warn('**************************************************************');
      }
      logger.info({ port, town: org.town }, `${org.town}“回头看”机器人已启动，端口 ${port}`);
      return { port };
    },

    async stop() {
      await scheduler?.stop();
      scheduler = undefined;
      if (server) {
        const s = server;
        server = undefined;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
        });
      }
      await connection?.close();
      connection = undefined;
      await embedded?.stop();
      embedded = undefined;
    },
  };
}

function loadOrg(config: AppConfig, logger: Logger): OrgConfig {
  const { file, example } = resolveOrgConfigPath(config.orgConfigPath, config.orgConfigExplicit);
  if (example) {
    logger.warn(`未找到 ${config.orgConfigPath}，正在使用示例组织文件 ${file}（人员和群均为虚构）。请复制为 ${config.orgConfigPath} 并改成本镇信息`);
  }
  return loadOrgConfig(file);
}

async function main(): Promise<void> {
  const logger = createLogger();
  let service: Service;
  try {
    const config = loadConfigFromProcess();
    service = createService({ config, logger: createLogger({ level: config.logLevel }) });
    await service.start();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof OrgConfigError) {
      console.error(err.message);
    } else {
      logger.fatal({ err }, `启动失败：${(err as Error).message}`);
    }
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, '正在停止：结束定时任务、处理完请求、关闭数据库…');
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, '停止时出错');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}

import { existsSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Types, type Connection } from 'mongoose';
import { ConfigError, loadConfigFromProcess, type AppConfig } from '../config/env';
import { loadOrgConfig, OrgConfigError, resolveOrgConfigPath, type OrgConfig } from '../config/org';
import { handleInbound } from '../handlers/index';
import { digestJob } from '../jobs/digest.job';
import { housekeepingJob } from '../jobs/housekeeping.job';
import { remindersJob } from '../jobs/reminders.job';
import { weeklyReportJob } from '../jobs/weekly-report.job';
import { groupCollectJob } from '../jobs/group-collect.job';
import { createGroupWaitingStore } from './dispatch/group-messages';
import { createWorkCalendar, DEFAULT_CALENDAR_OVERRIDES, loadCalendarOverrides } from './calendar/work-calendar';
import { systemClock, type Clock } from './clock';
import { createLinks, type DomainContext } from './context';
import { createClaimRepository } from './db/claims';
import { openDatabase, pingDatabase } from './db/connection';
import { dataLockHolder, StartRefused } from './db/data-lock';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded-db';
import { createEvidenceRepository } from './evidence/evidence.repository';
import { createBatchSetting } from './findings/batch.setting';
import { createCardRegistry } from './findings/finding-cards';
import { createFindingRepository } from './findings/finding.repository';
import { cardSent } from './findings/finding.service';
import { createHouseholdRepository } from './households/household.repository';
import { ensureFindingViews } from './digest/tallies';
import { createHousekeeping } from './housekeeping/housekeeping.service';
import { createApp } from './http/app';
import { createFindingsRouter } from './http/findings.routes';
import { createWebRouters } from './http/web.routes';
import { createInbox, type Inbox } from './inbox/inbox';
import { createLogger, type Logger } from './logger';
import { createDirectory } from './org/directory';
import { createOutbox, type Outbox } from './outbox/outbox';
import { installIdOf } from './outbox/install-id';
import { createWeComAlerts, textOnlyDestinations } from './outbox/wecom-alerts';
import { createWeComHealth } from './outbox/wecom-health';
import { createWeComTransport } from './outbox/wecom.transport';
import { createCorrectionRepository } from './routing/correction.repository';
import { createRouter } from './routing/router';
import { startScheduler, type Scheduler } from './scheduler';
import { SIM_OAUTH_AUTHORIZE_PATH } from './simulator/sim.routes';
import { createSimulator, simulatorBanner } from './simulator/simulator';
import { createBotConnection } from './wecom/bot-connection';
import { createConnectionLease } from './wecom/connection-lease';
import { createWeComCallbackRouter } from './wecom/callback.routes';
import type { InboundEvent } from './wecom/events';
import { createWeComClient } from './wecom/wecom.client';
import { startWorker, type Worker } from './worker';

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
  readonly domain: DomainContext;
  readonly inbox: Inbox;
  readonly outbox: Outbox;
  /** Waits until the inbox and outbox workers have nothing in progress (tests). */
  idle(): Promise<void>;
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
  let wired: ReturnType<typeof wireDomain> | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('service not started');
    return value;
  };

  return {
    get connection() {
      return started(connection);
    },
    get domain() {
      return started(wired).domain;
    },
    get inbox() {
      return started(wired).inbox;
    },
    get outbox() {
      return started(wired).outbox;
    },
    async idle() {
      // Processing an event queues messages, so wait until both are quiet together.
      const workers = started(wired).workers;
      for (let i = 0; i < 3; i++) for (const w of workers) await w.idle();
    },

    async start() {
      // The port first: a second start on it stops here, before it loads anything or starts a
      // database. Until wired, requests get 503; in simulator mode the WeCom client's base URL is
      // this server's own port.
      let handle: RequestListener = (_req, res) => res.writeHead(503).end();
      server = await listen(config, (req, res) => handle(req, res));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const org = options.org ?? loadOrg(config, logger);
      let uri = config.mongodbUri;
      if (!uri) {
        embedded = await startEmbeddedDatabase({
          dataDir: path.resolve(config.dataDir),
          say: (message) => logger.info(message),
          port,
        });
        uri = embedded.uri;
        logger.info(
          { database: embedded.kind, dataDir: embedded.dataDir },
          `未设置 MONGODB_URI：已启动内置数据库 ${embedded.kind}，数据保存在 ${embedded.dataDir}`,
        );
      }
      connection = await openDatabase(uri);
      const db = connection;
      // No WeCom credentials: the built-in simulator plays WeCom, with made-up credentials for this run.
      const simulator = config.simulator ? createSimulator({ connection: db, org, clock, logger }) : undefined;
      simulator?.listening(port);
      const wecomConfig = simulator ? simulator.config(config, port) : config;
      wired = wireDomain(wecomConfig, org, db, logger, clock);
      const { domain } = wired;
      // Unique indexes keep a delivery or a message from being stored twice. On a fresh database
      // they are built in the background: they must exist before the first event is taken.
      await Promise.all(Object.values(db.models).map((model) => model.init()));

      const routers = [
        createWeComCallbackRouter({
          ...(wecomConfig.wecom.app && wecomConfig.wecom.callback
            ? { app: { token: wecomConfig.wecom.callback.token, encodingAesKey: wecomConfig.wecom.callback.encodingAesKey, corpId: wecomConfig.wecom.app.corpId } }
            : {}),
          ...(wecomConfig.wecom.bot ? { bot: wecomConfig.wecom.bot } : {}),
          accept: wired.accept,
          clock,
          logger,
        }),
        createFindingsRouter(domain, config.adminToken),
        ...createWebRouters({
          domain,
          client: wired.client,
          config,
          app: wecomConfig.wecom.app,
          oauthAuthorizeUrl: simulator ? SIM_OAUTH_AUTHORIZE_PATH : undefined,
        }),
        ...(simulator?.routers ?? []),
      ];
      const app = createApp({
        logger,
        databaseReady: () => pingDatabase(db),
        degraded: () => domain.wecomHealth.degraded(),
        routers,
        trustProxy: config.trustProxy,
      });
      await ensureFindingViews(domain);
      handle = app.callback();

      if (options.schedule !== false) {
        scheduler = startScheduler([remindersJob, digestJob, weeklyReportJob, housekeepingJob, groupCollectJob], domain, {
          clock,
          logger,
          timeZone: config.timeZone,
          lease: (key) => domain.claims.tryClaim(key),
        });
      }
      // Whatever a crash or a stop left in the inbox or the outbox goes on now.
      for (const w of wired.workers) w.kick();
      if (wired.botConnection) {
        wired.botConnection.start();
        logger.info('正在连接智能机器人长连接（无需公网地址）');
      }
      if (simulator) for (const line of simulatorBanner(port)) logger.warn(line);
      logger.info({ port, town: org.town }, `${org.town}“回头看”机器人已启动，端口 ${port}`);
      return { port };
    },

    async stop() {
      await scheduler?.stop();
      scheduler = undefined;
      await wired?.botConnection?.stop();
      for (const w of wired?.workers ?? []) await w.stop();
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
      wired = undefined;
      await embedded?.stop();
      embedded = undefined;
    },
  };
}

/**
 * Repositories, the outbound port and the workers, on one database connection. The service and
 * the CLI (which runs jobs once) build their domain here.
 */
export function wireDomain(config: AppConfig, org: OrgConfig, connection: Connection, logger: Logger, clock: Clock) {
  const claims = createClaimRepository(connection, clock);
  const client = createWeComClient({
    apiBase: config.wecom.apiBase,
    ...(config.wecom.app ? { corpId: config.wecom.app.corpId, secret: config.wecom.app.secret, agentId: config.wecom.app.agentId } : {}),
    logger,
    clock,
    // The outbox retries with its own backoff; the client only smooths over a brief hiccup.
    maxAttempts: 2,
    backoffMs: 300,
  });
  // Events from every channel go the same way: stored in the inbox first, then processed.
  let accept: (event: InboundEvent) => Promise<void> = async () => {
    throw new Error('inbox not ready');
  };
  const lc = config.wecom.botLongConnection;
  const botConnection = lc
    ? createBotConnection({
        botId: lc.botId,
        secret: lc.secret,
        ...(lc.url ? { wsUrl: lc.url } : {}),
        clock,
        logger,
        accept: (event) => accept(event),
        // WeCom keeps one long connection per bot: of several instances, the lease's holder connects.
        lease: createConnectionLease({ claims, key: `bot-connection:${lc.botId}`, owner: new Types.ObjectId().toString(), clock }),
      })
    : undefined;
  const transport = createWeComTransport(client, {
    ...(botConnection ? { botChat: botConnection.send } : {}),
    cards: config.wecom.buttonCards ?? Boolean(config.wecom.callback),
    plainText: textOnlyDestinations(org),
    installId: installIdOf(connection),
    onCardsRefused: () =>
      logger.error('企业微信拒绝带按钮的卡片（43012：应用未配置接收消息的回调URL）：此后改发文字并注明要回复的命令。请在管理后台为应用设置接收消息URL，或设置 WECOM_BUTTON_CARDS=off'),
  });
  const wecomHealth = createWeComHealth(connection);
  const directory = createDirectory(org);
  const appMessaging = Boolean(config.wecom.app) || config.simulator;
  const outbox = createOutbox({
    connection,
    claims,
    clock,
    logger,
    transport,
    health: wecomHealth,
    onFault: (fault) => alerts.onFault(fault),
    onHealed: (fault, now) => alerts.onHealed(fault, now),
    onUnreached: (members, destination) => alerts.onUnreached(members, destination),
  });
  const alerts = createWeComAlerts({ outbox, directory, appMessaging });
  const calendar = createWorkCalendar({
    workHours: org.reminders.workHours,
    timeZone: config.timeZone,
    logger,
    ...(existsSync(DEFAULT_CALENDAR_OVERRIDES) ? { overrides: loadCalendarOverrides(DEFAULT_CALENDAR_OVERRIDES) } : {}),
  });
  const domain: DomainContext = {
    logger,
    clock,
    directory,
    findings: createFindingRepository(connection, claims, clock),
    claims,
    outbox,
    groupWaiting: createGroupWaitingStore(connection),
    router: createRouter(org),
    corrections: createCorrectionRepository(connection),
    calendar,
    links: createLinks(config.publicBaseUrl),
    housekeeping: createHousekeeping({ connection, claims, logger }),
    appMessaging,
    wecomHealth,
    evidence: createEvidenceRepository(connection),
    households: createHouseholdRepository(connection, clock),
    batches: createBatchSetting(connection, org.batch ?? null),
    cards: createCardRegistry(connection),
    media: client,
  };
  outbox.onSent((doc, receipt) => cardSent(domain, doc.dedupeKey, receipt.responseCode));
  const inbox = createInbox({ connection, claims, clock, logger, handle: (event) => handleInbound(event, domain) });
  // What this instance stored is processed straight away; the inbox itself is looked through at
  // start and then every half minute, for what a failure, a crash or another instance left.
  let lastInboxScan = -Infinity;
  const wiredAt = performance.now();
  const inboxWorker = startWorker(
    'inbox',
    async () => {
      const { remaining } = await inbox.processFresh(clock.now());
      if (remaining > 0) inboxWorker.kick();
      // Soon after a start, what a dead predecessor left comes due within half a minute: look more often.
      const every = performance.now() - wiredAt < 2 * INBOX_SCAN_MS ? INBOX_SCAN_MS / 6 : INBOX_SCAN_MS;
      if (performance.now() - lastInboxScan < every) return;
      lastInboxScan = performance.now();
      await inbox.processPending(clock.now());
    },
    { intervalMs: 5_000, logger },
  );
  let lastOutboxScan = -Infinity;
  const outboxWorker = startWorker(
    'outbox',
    async () => {
      await outbox.deliverFresh(clock.now());
      if (!outbox.wantsScan() && performance.now() - lastOutboxScan < OUTBOX_SCAN_MS) return;
      lastOutboxScan = performance.now();
      await outbox.deliverDue(clock.now());
    },
    { intervalMs: 5_000, logger },
  );
  outbox.onEnqueued(() => outboxWorker.kick());
  accept = async (event) => {
    if ((await inbox.put(event)) === 'new') inboxWorker.kick();
  };
  return { domain, inbox, outbox, client, botConnection, accept, workers: [inboxWorker, outboxWorker] };
}

/** How often the inbox is looked through for events left unprocessed (a lease on one lasts as long). */
const INBOX_SCAN_MS = 30_000;
/** How often the outbox is looked through when nothing asks for it (retries coming due). */
const OUTBOX_SCAN_MS = 5_000;

/** Listens on the configured port, or refuses in Chinese when something already does (naming our own process). */
function listen(config: AppConfig, handler: RequestListener): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = createServer(handler);
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') return reject(err);
      const holder = dataLockHolder(path.resolve(config.dataDir));
      const ours = holder?.port === config.port ? `（进程 ${holder.pid}）` : '';
      reject(
        new StartRefused(
          `端口 ${config.port} 已被占用${ours}：机器人可能已在运行。` +
            (ours ? `请先停止它（kill ${holder?.pid}），` : '请先停止占用该端口的程序，') +
            `或在 .env 中用 PORT 换一个端口。`,
        ),
      );
    });
    s.listen(config.port, () => resolve(s));
  });
}

function loadOrg(config: AppConfig, logger: Logger): OrgConfig {
  const { file, example } = resolveOrgConfigPath(config.orgConfigPath, config.orgConfigExplicit);
  if (example) {
    logger.warn(`未找到 ${config.orgConfigPath}，正在使用示例组织文件 ${file}（人员和群均为虚构）。请复制为 ${config.orgConfigPath} 并改成本镇信息`);
  }
  return loadOrgConfig(file);
}

async function main(): Promise<void> {
  // A terminal gets readable lines; a service manager or a pipe gets JSON.
  const pretty = process.stdout.isTTY;
  const logger = createLogger({ pretty });
  let service: Service;
  try {
    const config = loadConfigFromProcess();
    service = createService({ config, logger: createLogger({ level: config.logLevel, pretty, timeZone: config.timeZone }) });
    await service.start();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof OrgConfigError || err instanceof StartRefused) {
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
  process.on('unhandledRejection', (err) => logger.error({ err }, '未处理的异步错误'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}

import type Router from '@koa/router';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../config/env';
import type { OrgConfig } from '../../config/org';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { createDirectory } from '../org/directory';
import { createSimApi } from './sim-api.routes';
import { createSimCallbacks, type SimCallbacks } from './sim-callbacks';
import { createSimCredentials, simulatedConfig, type SimCredentials } from './sim-credentials';
import { createSimMessageRepository, type SimMessageRepository } from './sim-message.repository';
import { createSimOrg, type SimOrg } from './sim-org';
import { createSimRouter } from './sim.routes';
import { createWeComState, type WeComState } from './wecom-rules';

/**
 * The built-in WeCom simulator (simulator mode: no WeCom credentials). It plays WeCom on the
 * bot's own port: the API the bot calls (under /sim/api), the callbacks WeCom makes (members'
 * messages and clicks, signed and encrypted, to /wecom/callback and /wecom/bot), and a page at
 * /sim that shows what every group and member received.
 */
export interface Simulator {
  credentials: SimCredentials;
  repo: SimMessageRepository;
  simOrg: SimOrg;
  callbacks: SimCallbacks;
  /** The strict WeCom's switches and state (the admin panel flips them). */
  wecom: WeComState;
  routers: Router[];
  /** The service's configuration with the simulated app and bot, behind this server's port. */
  config(config: AppConfig, port: number): AppConfig;
  /** Tells the simulator where the bot listens (once the server does). */
  listening(port: number): void;
}

export function createSimulator(deps: { connection: Connection; org: OrgConfig; clock: Clock; logger: Logger; credentials?: SimCredentials }): Simulator {
  const credentials = deps.credentials ?? createSimCredentials();
  const repo = createSimMessageRepository(deps.connection);
  const simOrg = createSimOrg(deps.org, createDirectory(deps.org));
  let port: number | undefined;
  const base = (): string => {
    if (port === undefined) throw new Error('simulator: server not listening yet');
    return `http://127.0.0.1:${port}`;
  };
  // The simulated corp: the organisation file's people, its robots, and its app chats created by
  // the app beforehand (what `cli groups create` does for a real corp).
  const wecom = createWeComState({
    clock: deps.clock,
    users: simOrg.members.map((m) => m.userid),
    robots: simOrg.groups.filter((g) => g.via === 'webhook').map((g) => g.address),
    chats: simOrg.groups
      .filter((g) => g.via === 'appchat')
      .map((g) => ({ chatid: g.address, name: g.name, owner: g.members[0] ?? '', userlist: g.members })),
  });
  const api = createSimApi({ repo, simOrg, credentials, state: wecom, clock: deps.clock, logger: deps.logger });
  const callbacks = createSimCallbacks({ repo, simOrg, credentials, clock: deps.clock, logger: deps.logger, base });
  return {
    credentials,
    repo,
    simOrg,
    callbacks,
    wecom,
    routers: [api.router, createSimRouter({ town: deps.org.town, repo, simOrg, callbacks, clock: deps.clock, botName: credentials.botName, wecom, refusals: api.refusals })],
    config: (config, p) => simulatedConfig(config, credentials, p),
    listening(p) {
      port = p;
    },
  };
}

/** The start-up banner: loud, in Chinese and English, with where to open the page. */
export function simulatorBanner(port: number): string[] {
  const line = '*'.repeat(66);
  return [
    line,
    '*  模拟模式：未配置企业微信凭据，消息不会发到真实的企业微信',
    `*  打开 http://localhost:${port}/sim  查看各群和成员收到的消息，并以任一成员身份发消息、点按钮`,
    line,
  ];
}

import type Router from '@koa/router';
import type { AppConfig } from '../../config/env';
import type { DomainContext } from '../context';
import type { WeComClient } from '../wecom/wecom.client';
import { createDashboardRouter } from './dashboard.routes';
import { createExportRouter } from './export.routes';
import { createFormRouter } from './form.routes';
import { createOAuthRouter } from './oauth.routes';
import { createSessionManager, resolveSessionSecret } from './session';
import { createWebAuth } from './viewer';

export const DEFAULT_OAUTH_BASE = 'https://open.weixin.qq.com';

/**
 * The people-facing web: the report form, the dashboard with each finding's page and photos, the
 * ledger export, and the WeCom OAuth sign-in they share.
 */
export function createWebRouters(deps: {
  domain: DomainContext;
  client: Pick<WeComClient, 'getUserIdByOAuthCode'>;
  /** As configured by the operator (its secrets sign the sessions). */
  config: AppConfig;
  /** The self-built app people sign in through (in simulator mode, the simulator's). */
  app?: { corpId: string; agentId: number } | undefined;
  /** Overrides `$WECOM_OAUTH_BASE/connect/oauth2/authorize`; a path is on this server (the simulator's member picker). */
  oauthAuthorizeUrl?: string | undefined;
}): Router[] {
  const { domain, config } = deps;
  const sessions = createSessionManager({
    secret: resolveSessionSecret({ adminToken: config.adminToken, appSecret: config.wecom.app?.secret, corpId: config.wecom.app?.corpId, dataDir: config.dataDir }),
    clock: domain.clock,
    publicBaseUrl: config.publicBaseUrl,
  });
  const auth = createWebAuth({
    directory: domain.directory,
    sessions,
    adminToken: config.adminToken,
    publicBaseUrl: config.publicBaseUrl,
    oauth: {
      authorizeUrl: deps.oauthAuthorizeUrl ?? `${config.wecom.oauthBase ?? DEFAULT_OAUTH_BASE}/connect/oauth2/authorize`,
      ...(deps.app ? { corpId: deps.app.corpId, agentId: deps.app.agentId } : {}),
    },
  });
  return [
    createOAuthRouter({ directory: domain.directory, sessions, client: deps.client }),
    createFormRouter({ domain, auth, sessions }),
    createDashboardRouter({ domain, auth, sessions, timeZone: config.timeZone }),
    createExportRouter(domain, { adminToken: config.adminToken, timeZone: config.timeZone, auth }),
  ];
}

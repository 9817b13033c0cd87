import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../../config/env';
import { SIM_API_PREFIX } from './sim-api.routes';

/**
 * The simulated corp's credentials, made up afresh for each run: the bot's WeCom client gets a
 * token with them, and the simulator signs and encrypts members' messages with them as WeCom
 * would. Nothing here is a secret worth keeping; nothing is written down.
 */
export interface SimCredentials {
  corpId: string;
  agentId: number;
  secret: string;
  /** The app's callback Token and EncodingAESKey. */
  token: string;
  encodingAesKey: string;
  /** The smart bot's, for "@回头看助手" in a group. */
  botToken: string;
  botEncodingAesKey: string;
  botName: string;
}

export const SIM_BOT_NAME = '回头看助手';

const alphanumeric = (length: number): string => {
  let out = '';
  while (out.length < length) out += randomBytes(length).toString('base64').replace(/[^A-Za-z0-9]/g, '');
  return out.slice(0, length);
};

export function createSimCredentials(): SimCredentials {
  return {
    corpId: `wwsim${randomBytes(6).toString('hex')}`,
    agentId: 1000002,
    secret: alphanumeric(43),
    token: alphanumeric(24),
    encodingAesKey: alphanumeric(43),
    botToken: alphanumeric(24),
    botEncodingAesKey: alphanumeric(43),
    botName: SIM_BOT_NAME,
  };
}

/**
 * The configuration the rest of the service runs with in simulator mode: a self-built app and a
 * smart bot with the simulator's credentials, behind the simulator's API on this server's port.
 * `simulator` stays true, so the start-up banner still says what this is.
 */
export function simulatedConfig(config: AppConfig, credentials: SimCredentials, port: number): AppConfig {
  return {
    ...config,
    wecom: {
      ...config.wecom,
      apiBase: `http://127.0.0.1:${port}${SIM_API_PREFIX}`,
      app: { corpId: credentials.corpId, agentId: credentials.agentId, secret: credentials.secret },
      callback: { token: credentials.token, encodingAesKey: credentials.encodingAesKey },
      bot: { token: credentials.botToken, encodingAesKey: credentials.botEncodingAesKey },
    },
  };
}

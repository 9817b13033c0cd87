import { loadConfig, type AppConfig } from '../../config/env';
import { TEST_APP } from '../helpers/wecom-signer';

/** The bot's configuration for a bench run: its own database, a fake WeCom, the test app's keys. */
export function benchConfig(databaseUri: string, wecomBase: string, extra: Record<string, string> = {}): AppConfig {
  return loadConfig({
    PORT: '0',
    MONGODB_URI: databaseUri,
    WECOM_API_BASE: wecomBase,
    WECOM_CORP_ID: TEST_APP.corpId,
    WECOM_AGENT_ID: '1000002',
    WECOM_SECRET: 'bench-secret',
    WECOM_TOKEN: TEST_APP.token,
    WECOM_ENCODING_AES_KEY: TEST_APP.encodingAesKey,
    ...extra,
  });
}

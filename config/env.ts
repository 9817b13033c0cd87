import '../src/validation';
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';

/**
 * The only reader of the environment. Every variable of the public contract, checked at once;
 * all problems are reported together, in Chinese and English.
 */

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const envSchema = z
  .object({
    PORT: z.coerce
      .number({ error: '必须是端口号 / must be a port number' })
      .int('必须是整数 / must be an integer')
      .min(0, '端口范围 0-65535 / port out of range')
      .max(65535, '端口范围 0-65535 / port out of range')
      .default(3000),
    MONGODB_URI: optionalText.refine((v) => v === undefined || /^mongodb(\+srv)?:\/\//.test(v), {
      message: '必须以 mongodb:// 或 mongodb+srv:// 开头 / must start with mongodb:// or mongodb+srv://',
    }),
    WECOM_API_BASE: z
      .string()
      .trim()
      .default('https://qyapi.weixin.qq.com')
      .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: '必须是 http(s) 地址 / must be an http(s) URL' })
      .transform((v) => v.replace(/\/+$/, '')),
    WECOM_OAUTH_BASE: z
      .string()
      .trim()
      .default('https://open.weixin.qq.com')
      .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: '必须是 http(s) 地址 / must be an http(s) URL' })
      .transform((v) => v.replace(/\/+$/, '')),
    WECOM_CORP_ID: optionalText,
    WECOM_AGENT_ID: optionalText.refine((v) => v === undefined || /^\d+$/.test(v), {
      message: '必须是数字 / must be a number',
    }),
    WECOM_SECRET: optionalText,
    WECOM_TOKEN: optionalText,
    WECOM_ENCODING_AES_KEY: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9]{43}$/.test(v), {
      message: '必须是 43 位字母数字 / must be 43 letters and digits',
    }),
    WECOM_BUTTON_CARDS: z
      .enum(['auto', 'on', 'off', ''], { error: '应为 auto、on 或 off / must be auto, on or off' })
      .default('auto'),
    WECOM_BOT_TOKEN: optionalText,
    WECOM_BOT_ENCODING_AES_KEY: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9]{43}$/.test(v), {
      message: '必须是 43 位字母数字 / must be 43 letters and digits',
    }),
    WECOM_BOT_ID: optionalText,
    WECOM_BOT_SECRET: optionalText,
    WECOM_BOT_WS_URL: optionalText,
    ORG_CONFIG: z.string().trim().min(1).default('config/org.yaml'),
    ADMIN_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, {
      message: '至少 16 个字符 / at least 16 characters',
    }),
    PUBLIC_BASE_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), {
      message: '必须是 http(s) 地址 / must be an http(s) URL',
    }),
    TZ: z
      .string()
      .trim()
      .default('Asia/Shanghai')
      .refine(isTimeZone, { message: '不是有效的时区 / not a valid time zone' }),
    TRUST_PROXY: z
      .enum(['0', '1', 'true', 'false', ''], { error: '应为 1 或 0 / must be 1 or 0' })
      .default('0')
      .transform((v) => v === '1' || v === 'true'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().trim().min(1).default('data'),
  });

/** Variables that only make sense together; checked on the raw environment so they are reported with the rest. */
function pairingProblems(env: Record<string, string | undefined>): string[] {
  const has = (k: string): boolean => (env[k] ?? '').trim() !== '';
  const problems: string[] = [];
  const app = ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET'];
  if (app.some(has) && !app.every(has)) {
    for (const k of app.filter((k) => !has(k))) {
      problems.push(`${k}: 自建应用需要同时设置 ${app.join('、')} / set all of ${app.join(', ')} or none`);
    }
  }
  const pairs = [
    ['WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY'],
    ['WECOM_BOT_TOKEN', 'WECOM_BOT_ENCODING_AES_KEY'],
    ['WECOM_BOT_ID', 'WECOM_BOT_SECRET'],
  ] as const;
  for (const [a, b] of pairs) {
    if (has(a) !== has(b)) {
      const [missing, other] = has(a) ? [b, a] : [a, b];
      problems.push(`${missing}: 需与 ${other} 一起设置 / must be set together with ${other}`);
    }
  }
  return problems;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface AppConfig {
  port: number;
  mongodbUri: string | undefined;
  dataDir: string;
  timeZone: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** Behind a reverse proxy: take the client address from X-Forwarded-For. */
  trustProxy: boolean;
  orgConfigPath: string;
  /** False when ORG_CONFIG was not set: a missing default file then falls back to the shipped example. */
  orgConfigExplicit: boolean;
  adminToken: string | undefined;
  publicBaseUrl: string;
  wecom: {
    apiBase: string;
    /** Base of the OAuth page people are sent to (`…/connect/oauth2/authorize`); private deployments differ. */
    oauthBase?: string;
    /** Self-built app; absent means simulator mode. */
    app?: { corpId: string; agentId: number; secret: string };
    callback?: { token: string; encodingAesKey: string };
    /** Cards with buttons to people: WeCom takes them only from an app with a callback URL. Absent: when `callback` is set. */
    buttonCards?: boolean;
    bot?: { token: string; encodingAesKey: string };
    botLongConnection?: { botId: string; secret: string; url?: string };
  };
  simulator: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`配置有误 / invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const parsed = envSchema.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)),
    ...pairingProblems(env),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const app =
    e.WECOM_CORP_ID && e.WECOM_AGENT_ID && e.WECOM_SECRET
      ? { corpId: e.WECOM_CORP_ID, agentId: Number(e.WECOM_AGENT_ID), secret: e.WECOM_SECRET }
      : undefined;
  return {
    port: e.PORT,
    mongodbUri: e.MONGODB_URI,
    dataDir: e.DATA_DIR,
    timeZone: e.TZ,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    orgConfigPath: e.ORG_CONFIG,
    orgConfigExplicit: (env.ORG_CONFIG ?? '').trim() !== '',
    adminToken: e.ADMIN_TOKEN,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    wecom: {
      apiBase: e.WECOM_API_BASE,
      oauthBase: e.WECOM_OAUTH_BASE,
      ...(app ? { app } : {}),
      ...(e.WECOM_BUTTON_CARDS === 'on' || e.WECOM_BUTTON_CARDS === 'off' ? { buttonCards: e.WECOM_BUTTON_CARDS === 'on' } : {}),
      ...(e.WECOM_TOKEN && e.WECOM_ENCODING_AES_KEY ? { callback: { token: e.WECOM_TOKEN, encodingAesKey: e.WECOM_ENCODING_AES_KEY } } : {}),
      ...(e.WECOM_BOT_TOKEN && e.WECOM_BOT_ENCODING_AES_KEY
        ? { bot: { token: e.WECOM_BOT_TOKEN, encodingAesKey: e.WECOM_BOT_ENCODING_AES_KEY } }
        : {}),
      ...(e.WECOM_BOT_ID && e.WECOM_BOT_SECRET
        ? { botLongConnection: { botId: e.WECOM_BOT_ID, secret: e.WECOM_BOT_SECRET, ...(e.WECOM_BOT_WS_URL ? { url: e.WECOM_BOT_WS_URL } : {}) } }
        : {}),
    },
    simulator: !app && !(e.WECOM_BOT_ID && e.WECOM_BOT_SECRET) && !(e.WECOM_BOT_TOKEN && e.WECOM_BOT_ENCODING_AES_KEY),
  };
}

/**
 * `.env` in the working directory, when there is one, fills in what the environment leaves unset
 * (the environment wins, as with dotenv and Node's --env-file). It goes into process.env so that
 * TZ and the database tools' own variables take effect too.
 */
export function loadDotEnv(file = '.env', env: NodeJS.ProcessEnv = process.env): void {
  if (!existsSync(file)) return;
  for (const [key, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (env[key] === undefined && value !== undefined) env[key] = value;
  }
}

/** The process environment (with `.env` under it), read here and nowhere else. */
export function loadConfigFromProcess(): AppConfig {
  loadDotEnv();
  return loadConfig(process.env);
}

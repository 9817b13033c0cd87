import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line: tokens, secrets, keys, personal numbers. */
export const REDACT_PATHS = [
  'secret',
  'token',
  'accessToken',
  'access_token',
  'encodingAesKey',
  'password',
  'authorization',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.encodingAesKey',
  '*.corpsecret',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[已隐藏]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/** A logger for tests and tools that should stay quiet. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { maskPersonalNumbers } from './privacy/mask';

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

export function createLogger(
  options: {
    level?: string;
    destination?: pino.DestinationStream;
    /** human-readable lines, for a terminal */
    pretty?: boolean;
    /** The town's time zone, in which the readable lines give their time (JSON lines keep UTC ISO times). */
    timeZone?: string;
  } = {},
): Logger {
  const destination = options.pretty ? prettyLines(options.timeZone ?? DEFAULT_TIME_ZONE, options.destination) : options.destination;
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[已隐藏]' },
      formatters: { level: (label) => ({ level: label }), log: (object) => maskDeep(object, 0) as Record<string, unknown> },
      hooks: {
        // The message string too: a report's text may carry an ID or mobile number.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? maskPersonalNumbers(a) : a)) as Parameters<typeof method>);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** One line an event, its time in the town's zone whatever the machine's own zone is. */
function prettyLines(timeZone: string, destination?: pino.DestinationStream): pino.DestinationStream {
  const clock = new Intl.DateTimeFormat('zh-CN', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return pretty({
    colorize: true,
    ignore: 'pid,hostname',
    singleLine: true,
    // The raw ISO time, put into the zone here (pino-pretty's own translation knows only UTC and the machine's zone).
    translateTime: false,
    ...(destination ? { destination } : {}),
    customPrettifiers: { time: (t) => `[${clock.format(new Date(String(t)))}]` },
  });
}

/** Personal numbers never reach a log line in full, wherever they sit in the logged object. */
function maskDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskPersonalNumbers(value);
  if (depth > 6 || value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (value instanceof Error) {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object) as Error, value);
    copy.message = maskPersonalNumbers(value.message);
    if (value.stack) copy.stack = maskPersonalNumbers(value.stack);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, depth + 1)]));
}

/** A logger for tests and tools that should stay quiet. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

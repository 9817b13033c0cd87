import { createLogger } from '../../src/logger';

/** A real logger whose lines a test reads (the bot's alerts are log lines too). */
export function recordingLogger(level = 'warn') {
  const lines: { level: string; msg: string }[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(JSON.parse(line) as { level: string; msg: string }) } });
  return { logger, lines, errors: () => lines.filter((l) => l.level === 'error').map((l) => l.msg) };
}

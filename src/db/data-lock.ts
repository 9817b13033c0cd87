import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One process at a time runs the embedded database over a data directory: a second FerretDB or
 * mongod on the same files would corrupt them. The lock is a file naming the holder's PID (and
 * its HTTP port, for the message a second `npm start` prints); a holder that died without
 * removing it is recognised by its PID no longer running.
 */
export interface DataLockHolder {
  pid: number;
  port?: number;
  command?: string;
}

export class StartRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartRefused';
  }
}

const LOCK_FILE = 'bot.lock';

export function lockFile(dataDir: string): string {
  return path.join(dataDir, LOCK_FILE);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the data directory now, if anyone still running does. */
export function dataLockHolder(dataDir: string): DataLockHolder | undefined {
  let holder: DataLockHolder;
  try {
    holder = JSON.parse(readFileSync(lockFile(dataDir), 'utf8')) as DataLockHolder;
  } catch {
    return undefined;
  }
  return Number.isInteger(holder.pid) && holder.pid !== process.pid && alive(holder.pid) ? holder : undefined;
}

/** Takes the data directory for this process, or refuses (in Chinese) naming the process that has it. */
export function lockDataDir(dataDir: string, port?: number): { release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  const record = JSON.stringify({ pid: process.pid, ...(port !== undefined ? { port } : {}), command: process.argv.slice(1).map((a) => path.basename(a)).join(' ') });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, record, { flag: 'wx' });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = dataLockHolder(dataDir);
    if (holder) {
      throw new StartRefused(
        `数据目录 ${dataDir} 正被进程 ${holder.pid} 使用${holder.port ? `（端口 ${holder.port}）` : ''}：机器人可能已在运行。` +
          `请先停止它（kill ${holder.pid}），或设置 MONGODB_URI 使用独立的数据库。`,
      );
    }
    // Left by a process that is gone: take it over.
    rmSync(file, { force: true });
  }
  throw new StartRefused(`无法锁定数据目录 ${dataDir}：另一个进程正在同时启动。`);
}

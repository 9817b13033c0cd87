import { spawn } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TEST_APP } from './wecom-signer';
import { AGENT_ID } from './service';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `node` arguments that run one of the project's entry points from its TypeScript source, from any
 * working directory (tests always run the code as it is now; the compiled build has its own spec).
 */
export function entryArgs(entry: 'main' | 'cli', ...args: string[]): string[] {
  return ['--import', tsxLoader, path.join(projectRoot, 'src', `${entry}.ts`), ...args];
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real command line as operators do (`npx tsx src/cli.ts ...`), without blocking this
 * process, so that a fake WeCom served here can answer it.
 */
export function spawnCli(args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'src/cli.ts', ...args], { env: { ...process.env, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The environment of a CLI that talks to a test database and a fake WeCom, as the test service does. */
export function cliEnv(databaseUri: string, wecomBase: string): Record<string, string> {
  return {
    MONGODB_URI: databaseUri,
    WECOM_API_BASE: wecomBase,
    WECOM_CORP_ID: TEST_APP.corpId,
    WECOM_AGENT_ID: AGENT_ID,
    WECOM_SECRET: 'test-secret',
    ORG_CONFIG: 'config/org.example.yaml',
    PUBLIC_BASE_URL: 'https://bot.example.gov.cn',
    LOG_LEVEL: 'warn',
  };
}

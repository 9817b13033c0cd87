import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startFakeWeCom, type FakeWeCom } from './fake-wecom';
import { startTestService, type TestService, type TestServiceOptions } from './service';

/** Debian's Chromium (.ci/run installs it); never a browser a test tool downloads. */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags this machine's closed network needs: no background connections, no first-run work. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Skips the suite, saying why, where Chromium is not installed. */
export function skipWithoutChromium(ctx: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  console.log(`      skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`);
  ctx.skip();
}

export interface OpenBrowser {
  context: BrowserContext;
  page: Page;
  /** The page's uncaught errors and console errors, for a spec to expect none. */
  problems: string[];
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** `args` are added to CHROMIUM_ARGS (e.g. `--lang=en-US`). */
type ChromiumOptions = Omit<NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>, 'executablePath' | 'headless'>;

/** Headless Chromium in a fresh profile, its first page, and what goes wrong on that page. */
export async function openChromium(options: ChromiumOptions = {}): Promise<OpenBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'yaocun-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { ...options, executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface ServiceInBrowser {
  wecom: FakeWeCom;
  t: TestService;
  b: OpenBrowser;
  stop(): Promise<void>;
}

/**
 * The real service, a fake WeCom that also plays the OAuth page (`wecom.signInAs`), and Chromium
 * to sign in through it as members do.
 */
export async function serviceInBrowser(service: Omit<TestServiceOptions, 'wecom'>, browser: ChromiumOptions): Promise<ServiceInBrowser> {
  const wecom = await startFakeWeCom();
  const t = await startTestService({ ...service, wecom, env: { ...service.env, WECOM_OAUTH_BASE: wecom.base } });
  const b = await openChromium(browser);
  return {
    wecom,
    t,
    b,
    async stop() {
      await b.close();
      await t.stop();
      await wecom.close();
    },
  };
}

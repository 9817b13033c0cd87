import { existsSync } from 'node:fs';

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

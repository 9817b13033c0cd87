import { randomBytes } from 'node:crypto';

let base: string | undefined;

export function setTestDatabaseBase(uri: string): void {
  base = uri;
}

/** A connection string for a database of the test's own, so tests never see each other's data. */
export function freshDatabaseUri(label = 'test'): string {
  if (!base) throw new Error('test database not started (root hook missing?)');
  const url = new URL(base);
  url.pathname = `/${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  if (!url.searchParams.has('directConnection') && !url.protocol.includes('srv')) url.searchParams.set('directConnection', 'true');
  return url.toString();
}

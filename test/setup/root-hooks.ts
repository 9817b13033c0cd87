import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { hasGo, startFerretDb, startMemoryServer, type EmbeddedDatabase } from '../../src/db/embedded-db';
import { setTestDatabaseBase } from '../helpers/database';

// The suite finds its own database: MONGODB_URI, else a FerretDB it builds and starts, else
// mongodb-memory-server, else it stops with a message saying what to install.
let started: EmbeddedDatabase | undefined;
let tempDir: string | undefined;

const say = (message: string): void => console.log(`[test-db] ${message}`);

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(15 * 60_000);
    nock.disableNetConnect();
    nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost') || host.startsWith('[::1]'));

    if (process.env.MONGODB_URI) {
      setTestDatabaseBase(process.env.MONGODB_URI);
      say(`using MONGODB_URI`);
      return;
    }
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'yaocun-test-db-'));
    const problems: string[] = [];
    if (hasGo()) {
      try {
        started = await startFerretDb({ dataDir: tempDir, say });
      } catch (err) {
        problems.push(`FerretDB: ${(err as Error).message}`);
      }
    } else {
      problems.push('FerretDB: go not found');
    }
    if (!started) {
      try {
        started = await startMemoryServer({ say });
      } catch (err) {
        problems.push(`mongodb-memory-server: ${(err as Error).message}`);
      }
    }
    if (!started) {
      throw new Error(
        `No test database. Set MONGODB_URI, or install Go 1.22+ (FerretDB is built from the Go module proxy), ` +
          `or allow mongodb-memory-server to download mongod.\n${problems.join('\n')}`,
      );
    }
    say(`${started.kind} at ${started.uri}`);
    setTestDatabaseBase(started.uri);
  },

  async afterAll(): Promise<void> {
    await started?.stop();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    nock.enableNetConnect();
  },
};

import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EMBEDDED_DATABASE, hasGo, startEmbeddedDatabase, startFerretDb } from '../../../src/db/embedded-db';

/** Runs `fn` with a client of the database at `uri`, then closes it. */
async function withDb<T>(uri: string, fn: (c: MongoClient) => Promise<T>): Promise<T> {
  const client = await MongoClient.connect(uri);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

// Before it had a name, the bot's data in the embedded FerretDB lived in the driver's default
// database `test`, so in `data/ferretdb/test.sqlite`. A data folder from then keeps its findings.
describe('the embedded database’s file', function () {
  this.timeout(90_000);
  let dir: string;

  beforeEach(function () {
    if (!hasGo()) this.skip();
    dir = mkdtempSync(path.join(os.tmpdir(), 'yaocun-datadir-'));
  });
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is huitoukan.sqlite; a test.sqlite from earlier versions is renamed at start and its data is read on', async () => {
    const ferret = path.join(dir, 'ferretdb');
    // A data folder as an earlier version left it: the findings in the database `test`.
    const old = await startFerretDb({ dataDir: ferret, say: () => {} });
    try {
      await withDb(`${old.uri}test`, (c) => c.db().collection('findings').insertOne({ no: 1, text: '西岭村李某某家危房，屋顶漏雨' }));
    } finally {
      await old.stop();
    }
    expect(readdirSync(ferret)).to.include('test.sqlite').and.not.to.include('huitoukan.sqlite');

    const said: string[] = [];
    const db = await startEmbeddedDatabase({ dataDir: dir, say: (m) => said.push(m), prefer: 'ferretdb' });
    try {
      expect(db.kind).to.equal('ferretdb');
      expect(EMBEDDED_DATABASE).to.equal('huitoukan');
      expect(new URL(db.uri).pathname).to.equal('/huitoukan');
      expect(said).to.include(`数据库文件 ${path.join(ferret, 'test.sqlite')} 已改名为 ${path.join(ferret, 'huitoukan.sqlite')}`);
      expect(readdirSync(ferret).filter((f) => f.startsWith('test.sqlite'))).to.deep.equal([]);
      expect(existsSync(path.join(ferret, 'huitoukan.sqlite'))).to.equal(true);
      const found = await withDb(db.uri, (c) => c.db().collection('findings').findOne({ no: 1 }, { projection: { _id: 0 } }));
      expect(found).to.deep.equal({ no: 1, text: '西岭村李某某家危房，屋顶漏雨' });
      await withDb(db.uri, (c) => c.db().collection('findings').insertOne({ no: 2, text: '东岭村王某某家吃水困难' }));
    } finally {
      await db.stop();
    }

    // The next start finds the file under its name: nothing to rename, both findings there.
    said.length = 0;
    const again = await startEmbeddedDatabase({ dataDir: dir, say: (m) => said.push(m), prefer: 'ferretdb' });
    try {
      expect(said.filter((m) => m.includes('改名'))).to.deep.equal([]);
      expect(await withDb(again.uri, (c) => c.db().collection('findings').countDocuments())).to.equal(2);
    } finally {
      await again.stop();
    }
  });

  it('leaves a test.sqlite alone when huitoukan.sqlite is there already (the newer data wins)', async () => {
    const ferret = path.join(dir, 'ferretdb');
    const old = await startFerretDb({ dataDir: ferret, say: () => {} });
    try {
      await withDb(`${old.uri}test`, (c) => c.db().collection('findings').insertOne({ no: 1, text: '旧' }));
      await withDb(`${old.uri}${EMBEDDED_DATABASE}`, (c) => c.db().collection('findings').insertOne({ no: 7, text: '新' }));
    } finally {
      await old.stop();
    }
    const said: string[] = [];
    const db = await startEmbeddedDatabase({ dataDir: dir, say: (m) => said.push(m), prefer: 'ferretdb' });
    try {
      expect(said.filter((m) => m.includes('改名'))).to.deep.equal([]);
      expect(readdirSync(ferret)).to.include('test.sqlite').and.to.include('huitoukan.sqlite');
      expect(await withDb(db.uri, (c) => c.db().collection('findings').find({}, { projection: { _id: 0, no: 1 } }).toArray())).to.deep.equal([{ no: 7 }]);
    } finally {
      await db.stop();
    }
  });
});

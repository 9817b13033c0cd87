import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { freshDatabaseUri } from '../../helpers/database';

// Findings, claims, inbox and outbox entries are found, updated and deleted by `_id`; the work
// done every few minutes depends on that being an index lookup, not a read of the whole table.
describe('lookups by _id', () => {
  it('go through the _id index (on the FerretDB the project builds, whose lookup is patched to match it)', async function () {
    const client = await MongoClient.connect(freshDatabaseUri('idlookup'));
    try {
      const db = client.db();
      const info = await db.admin().command({ buildInfo: 1 });
      if (!('ferretdbVersion' in info)) this.skip(); // MongoDB: always an index lookup
      const collection = db.collection<{ _id: string; n: number }>('items');
      await collection.insertMany(Array.from({ length: 50 }, (_, n) => ({ _id: String(n), n })));
      const plan = JSON.stringify(await collection.find({ _id: '42' }).explain());
      expect(plan).to.match(/SEARCH \S+ USING INDEX \S+__id_/);
      expect(await collection.findOne({ _id: '42' })).to.deep.equal({ _id: '42', n: 42 });
      expect((await collection.updateOne({ _id: '7' }, { $set: { n: 700 } })).modifiedCount).to.equal(1);
      expect((await collection.deleteOne({ _id: '8' })).deletedCount).to.equal(1);
      expect(await collection.find({ n: { $gte: 42 } }, { sort: { n: 1 } }).map((d) => d._id).toArray()).to.deep.equal([...Array.from({ length: 8 }, (_, i) => String(42 + i)), '7']);
    } finally {
      await client.close();
    }
  });
});

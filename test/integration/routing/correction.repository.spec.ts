import { expect } from 'chai';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { loadOrgConfig } from '../../../config/org';
import { FixedClock } from '../../../src/clock';
import { openDatabase } from '../../../src/db/connection';
import { createCorrectionRepository } from '../../../src/routing/correction.repository';
import { createRouter } from '../../../src/routing/router';
import { freshDatabaseUri } from '../../helpers/database';

const org = loadOrgConfig(path.resolve(import.meta.dirname, '../../../config/org.example.yaml'));

describe('correction repository (real database)', () => {
  let connection: Connection;
  const clock = new FixedClock('2025-03-01T01:00:00Z');

  beforeEach(async () => {
    connection = await openDatabase(freshDatabaseUri('corrections'));
  });

  afterEach(async () => {
    await connection.close();
  });

  it('stores corrections and gives them back oldest first', async () => {
    const repo = createCorrectionRepository(connection, clock);
    await repo.record({ text: '水管冻裂了，屋里到处是水', task: 8, item: '8.1', findingNo: 12, by: 'liuhong', at: new Date('2025-02-02T00:00:00Z') });
    await repo.record({ text: '光伏板坏了没人修', task: 3, item: '3.9', by: 'wangzhen' });
    const all = await repo.all();
    expect(all).to.deep.equal([
      { text: '水管冻裂了，屋里到处是水', task: 8, item: '8.1', findingNo: 12, by: 'liuhong', at: new Date('2025-02-02T00:00:00Z') },
      { text: '光伏板坏了没人修', task: 3, item: '3.9', by: 'wangzhen', at: new Date('2025-03-01T01:00:00Z') },
    ]);
  });

  it('keeps one correction per finding: a second re-route replaces the first', async () => {
    const repo = createCorrectionRepository(connection, clock);
    await repo.record({ text: '水管冻裂了', task: 8, item: '8.1', findingNo: 7 });
    await repo.record({ text: '水管冻裂了', task: 5, item: '5.2', findingNo: 7 });
    const all = await repo.all();
    expect(all).to.have.length(1);
    expect(all[0]).to.include({ task: 5, item: '5.2', findingNo: 7 });
  });

  it('keeps one correction per text when no finding is named, across repositories', async () => {
    await createCorrectionRepository(connection, clock).record({ text: '水管 冻裂了', task: 8, item: '8.1' });
    await createCorrectionRepository(connection, clock).record({ text: '水管冻裂了', task: 8, item: '8.2' });
    const all = await createCorrectionRepository(connection, clock).all();
    expect(all).to.have.length(1);
    expect(all[0]).to.include({ item: '8.2' });
  });

  it('falls back to the task’s usual item when the item is missing or foreign, and refuses a task outside 1-8', async () => {
    const repo = createCorrectionRepository(connection, clock);
    await repo.record({ text: '医保没交上', task: 7, item: '' });
    await repo.record({ text: '房顶漏雨', task: 8, item: '5.2' });
    expect((await repo.all()).map((c) => c.item)).to.deep.equal(['7.3', '8.1']);
    let refused: unknown;
    try {
      await repo.record({ text: '什么事', task: 9 as never, item: '9.1' });
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(Error);
    expect((refused as Error).message).to.contain('1-8');
  });

  it('a stored correction changes how the next similar report is routed', async () => {
    const repo = createCorrectionRepository(connection, clock);
    const router = createRouter(org);
    const text = '后石村赵某某家水管冻裂了，屋里全是水';
    expect(router.route({ text }, await repo.all())).to.include({ task: 5, source: 'lexicon' });

    await repo.record({ text: '北王村刘某某家水管冻裂了，屋里到处是水', task: 8, item: '8.1', findingNo: 12, by: 'liuhong' });
    const again = router.route({ text }, await repo.all());
    expect(again).to.include({ task: 8, item: '8.1', source: 'learned' });
    expect(again.reasons.join('\n')).to.contain('参照此前纠正：#12 改派至 8.1');
  });
});

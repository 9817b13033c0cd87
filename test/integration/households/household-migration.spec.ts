import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { freshDatabaseUri } from '../../helpers/database';
import type { FindingJson } from '../../helpers/finding-json';
import { ADMIN_TOKEN, startTestService, type TestService } from '../../helpers/service';
import { storedBefore } from '../../helpers/stored-before';

const ID_WANG = '371427196503171234';

describe('findings stored before household records get their household’s code at the first start', () => {
  let t: TestService | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('matches them as new reports are matched, once; duplicates and 反弹 then see them', async () => {
    const uri = freshDatabaseUri('hhmigrate');
    const at = new Date('2026-10-14T10:00:00+08:00');
    const client = await MongoClient.connect(uri);
    await client.db().collection('findings').insertMany([
      storedBefore(1, 'dispatched', at, { item: '5.2', task: 5, departments: ['农业服务站'], household: { name: '王某某', idNumber: ID_WANG }, text: '王某某家自来水一周没来水了' }),
      // The same household by its name and village only; closed before.
      storedBefore(2, 'closed', at, { household: { name: '王某某', idNumber: null } }),
      storedBefore(3, 'dispatched', at, { village: '西岭村', household: { name: '李某某', idNumber: null } }),
      storedBefore(4, 'dispatched', at),
      // No village: nothing to match it in.
      storedBefore(5, 'dispatched', at, { village: null, household: { name: '赵某某', idNumber: null } }),
    ]);
    await client.close();

    t = await startTestService({ now: '2026-10-15T09:00:00+08:00', databaseUri: uri });
    const api = async (path: string) => (await t!.api(path)).json();
    const household = async (no: number) => ((await api(`/api/findings/${no}`)) as FindingJson).household;
    expect(await Promise.all([1, 2, 3, 4, 5].map(household))).to.deep.equal(['东岭-001', '东岭-001', '西岭-001', null, null]);
    const page = await (await fetch(`${t.base}/dashboard/households/${encodeURIComponent('东岭-001')}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    expect(page).to.contain('王某某').and.to.contain('data-testid="finding-1"').and.to.contain('data-testid="finding-2"');

    // A new report of the same household and key problem joins the old open finding; the key
    // problem closed before comes back as a 反弹.
    const report = async (body: Record<string, unknown>) => {
      const res = await t!.api('/api/findings', { method: 'POST', body: JSON.stringify({ reporter: 'zhuxia', village: '东岭村', ...body }) });
      expect(res.status, await res.clone().text()).to.equal(201);
      await t!.settle();
      return (await res.json()) as FindingJson & { relapse: boolean };
    };
    expect(await report({ text: '王某某家还是没有自来水', item: '5.2', household: { idNumber: ID_WANG } })).to.include({ no: 6, linkedTo: 1, household: '东岭-001' });
    expect(await report({ text: '王某某家屋顶又漏雨了', item: '8.1', household: { name: '王某某' } })).to.include({ no: 7, relapse: true, linkedTo: null });

    // A second start changes nothing.
    const versions = async () => (await t!.service.domain.findings.list()).map((f) => [f.no, f.version, f.household?.code ?? null]);
    const before = await versions();
    await t.stop();
    t = await startTestService({ now: '2026-10-15T10:00:00+08:00', databaseUri: uri });
    expect(await versions()).to.deep.equal(before);
    expect(await t.service.domain.findings.model.db.collection('households').countDocuments()).to.equal(2);
  });
});

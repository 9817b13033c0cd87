import { expect } from 'chai';
import { startTestService, type TestService } from '../../helpers/service';
import { appEventXml, signedAppCallback, TEST_APP } from '../../helpers/wecom-signer';

/** WeCom's callbacks come from a handful of its addresses: a busy town sends thousands a minute from one. */
describe('a burst of callbacks from one WeCom address', function () {
  this.timeout(180_000);
  let t: TestService;

  before(async () => {
    t = await startTestService();
  });
  after(() => t.stop());

  const timestamp = () => String(Math.floor(t.clock.now().getTime() / 1000));
  const send = async (i: number, token: string = TEST_APP.token): Promise<number> => {
    const xml = appEventXml({ from: 'zhuxia', event: 'view', eventKey: `https://bot.example.gov.cn/form?${i}`, createTime: 1_790_000_000 + i, agentId: '1000002' });
    const signed = signedAppCallback({ ...TEST_APP, token, xml, timestamp: timestamp() });
    const res = await fetch(`${t.base}/wecom/callback?${signed.query}`, { method: 'POST', body: signed.body });
    await res.arrayBuffer();
    return res.status;
  };
  async function all(count: number, each: (i: number) => Promise<number>): Promise<number[]> {
    const statuses: number[] = new Array<number>(count);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < count) {
          const i = next++;
          statuses[i] = await each(i);
        }
      }),
    );
    return statuses;
  }
  const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

  it('answers 2,000 signed callbacks within a minute all with 200', async () => {
    expect(tally(await all(2_000, (i) => send(i)))).to.deep.equal({ 200: 2_000 });
  });

  it('limits only what fails the signature check: forged ones get 429 past the budget, signed ones still 200', async () => {
    const forged = tally(await all(650, (i) => send(10_000 + i, 'not-the-token')));
    expect(forged[401] ?? 0).to.equal(600);
    expect(forged[429]).to.equal(50);
    expect(tally(await all(100, (i) => send(20_000 + i)))).to.deep.equal({ 200: 100 });
  });
});

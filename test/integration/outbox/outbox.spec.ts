import { expect } from 'chai';
import type { Connection } from 'mongoose';
import { FixedClock } from '../../../src/clock';
import { createClaimRepository } from '../../../src/db/claims';
import { openDatabase } from '../../../src/db/connection';
import { silentLogger } from '../../../src/logger';
import { createOutbox, ROBOT_PER_MINUTE, type Outbox } from '../../../src/outbox/outbox';
import { createWeComTransport } from '../../../src/outbox/wecom.transport';
import { createWeComClient } from '../../../src/wecom/wecom.client';
import { freshDatabaseUri } from '../../helpers/database';
import { startFakeWeCom, TEST_AGENT_ID, TEST_SECRET, type FakeWeCom } from '../../helpers/fake-wecom';
import { TEST_APP } from '../../helpers/wecom-signer';

describe('outbox delivery (real database, fake WeCom over HTTP)', () => {
  let connection: Connection;
  let wecom: FakeWeCom;
  let clock: FixedClock;
  let uri: string;

  const outboxOn = (conn: Connection): Outbox => {
    const logger = silentLogger();
    const client = createWeComClient({ apiBase: wecom.base, corpId: TEST_APP.corpId, secret: TEST_SECRET, agentId: TEST_AGENT_ID, logger, clock, sleep: async () => {}, maxAttempts: 1 });
    return createOutbox({ connection: conn, claims: createClaimRepository(conn, clock), clock, logger, transport: createWeComTransport(client) });
  };

  beforeEach(async () => {
    uri = freshDatabaseUri('outbox');
    connection = await openDatabase(uri);
    clock = new FixedClock('2026-12-01T09:00:00+08:00');
    wecom = await startFakeWeCom({ clock });
  });
  afterEach(async () => {
    await connection.dropDatabase();
    await connection.close();
    await wecom.close();
  });

  it('queues a dedupe key once and sends it once', async () => {
    const outbox = outboxOn(connection);
    const item = { dedupeKey: 'k1', destination: { kind: 'webhook' as const, key: 'G1' }, message: { type: 'markdown' as const, content: '第 1 号问题' } };
    expect(await outbox.enqueue(item)).to.equal(true);
    expect(await outbox.enqueue(item)).to.equal(false);
    expect(await outbox.deliverDue(clock.now())).to.include({ sent: 1 });
    expect(await outbox.deliverDue(clock.now())).to.include({ sent: 0 });
    expect(wecom.toWebhook('G1').map((r) => r.content)).to.deep.equal(['第 1 号问题']);
  });

  it('masks ID and mobile numbers before anything is stored or sent', async () => {
    const outbox = outboxOn(connection);
    await outbox.enqueue({ dedupeKey: 'k', destination: { kind: 'webhook', key: 'G1' }, message: { type: 'markdown', content: '王某某 370983198807120315 电话 13905381234' } });
    await outbox.deliverDue(clock.now());
    expect(wecom.toWebhook('G1')[0]!.content).to.equal('王某某 370983**********15 电话 139****1234');
    expect(JSON.stringify(await outbox.list())).not.to.contain('13905381234');
  });

  it('never gives one robot more than 20 messages a minute: what waits for it is merged', async () => {
    const outbox = outboxOn(connection);
    for (let i = 1; i <= 45; i++) {
      await outbox.enqueue({ dedupeKey: `m${i}`, destination: { kind: 'webhook', key: 'G1' }, message: { type: 'markdown', content: `第 ${i} 号问题待签收` } });
    }
    const first = await outbox.deliverDue(clock.now());
    const sent = wecom.toWebhook('G1');
    expect(sent.length).to.be.at.most(ROBOT_PER_MINUTE);
    expect(first.merged).to.equal(45);
    const all = sent.map((r) => r.content).join('\n');
    for (let i = 1; i <= 45; i++) expect(all).to.contain(`第 ${i} 号问题待签收`);
    for (const r of sent) expect(Buffer.byteLength(r.content)).to.be.at.most(4096);
  });

  it('holds what is over the limit until the minute has passed', async () => {
    const outbox = outboxOn(connection);
    // Cards cannot be merged, so the limit alone decides.
    for (let i = 1; i <= 25; i++) {
      await outbox.enqueue({ dedupeKey: `c${i}`, destination: { kind: 'webhook', key: 'G2' }, message: { type: 'card', card: { card_type: 'text_notice' }, fallback: `卡片 ${i}` } });
    }
    await outbox.deliverDue(clock.now());
    expect(wecom.toWebhook('G2')).to.have.length(20);
    clock.advance(30_000);
    await outbox.deliverDue(clock.now());
    expect(wecom.toWebhook('G2')).to.have.length(20);
    clock.advance(31_000);
    await outbox.deliverDue(clock.now());
    expect(wecom.toWebhook('G2')).to.have.length(25);
  });

  it('retries with backoff while WeCom fails, then delivers each message once', async () => {
    const outbox = outboxOn(connection);
    wecom.setDown(true);
    await outbox.enqueue({ dedupeKey: 'a', destination: { kind: 'app', users: ['zhuxia'] }, message: { type: 'text', content: '已收到，编号 1。' } });
    await outbox.enqueue({ dedupeKey: 'b', destination: { kind: 'webhook', key: 'G3' }, message: { type: 'markdown', content: '交办' } });
    await outbox.deliverDue(clock.now());
    await outbox.deliverDue(clock.now()); // backing off: not tried again yet
    const refusedEarly = wecom.refused;
    clock.advance(60_000);
    await outbox.deliverDue(clock.now());
    expect(wecom.refused).to.be.greaterThan(refusedEarly);
    wecom.setDown(false);
    clock.advance(15 * 60_000);
    await outbox.deliverDue(clock.now());
    await outbox.deliverDue(clock.now());
    expect(wecom.toUser('zhuxia')).to.have.length(1);
    expect(wecom.toWebhook('G3')).to.have.length(1);
  });

  it('sends a message whose sender died between claiming it and recording the attempt', async () => {
    const outbox = outboxOn(connection);
    await outbox.enqueue({ dedupeKey: 'd', destination: { kind: 'webhook', key: 'G4' }, message: { type: 'markdown', content: '交办' } });
    const [doc] = await outbox.list();
    await createClaimRepository(connection, clock).tryClaim(`out:${String(doc!._id)}:a0`); // the dead sender's claim
    await outbox.deliverDue(clock.now());
    expect(wecom.toWebhook('G4')).to.have.length(0);
    clock.advance(61_000);
    await outbox.deliverDue(clock.now());
    await outbox.deliverDue(clock.now());
    expect(wecom.toWebhook('G4')).to.have.length(1);
  });

  it('sends each message once when two instances deliver at the same time', async () => {
    const other = await openDatabase(uri);
    try {
      const a = outboxOn(connection);
      const b = outboxOn(other);
      for (let i = 1; i <= 10; i++) await a.enqueue({ dedupeKey: `p${i}`, destination: { kind: 'app', users: [`u${i}`] }, message: { type: 'text', content: `消息 ${i}` } });
      await Promise.all([a.deliverDue(clock.now()), b.deliverDue(clock.now()), a.deliverDue(clock.now()), b.deliverDue(clock.now())]);
      expect(wecom.received.filter((r) => r.api === 'message/send')).to.have.length(10);
    } finally {
      await other.close();
    }
  });

  it('leaves a message to the instance that queued it until its lease is up, then sends it once if that instance died', async () => {
    const other = await openDatabase(uri);
    try {
      const dead = outboxOn(connection); // queues, then never delivers
      const b = outboxOn(other);
      await dead.enqueue({ dedupeKey: 'orphan', destination: { kind: 'app', users: ['zhuxia'] }, message: { type: 'text', content: '已收到，编号 7。' } });
      expect(await b.deliverDue(clock.now())).to.include({ sent: 0 });
      clock.advance(59_000);
      expect(await b.deliverDue(clock.now())).to.include({ sent: 0 });
      clock.advance(2_000);
      expect(await b.deliverDue(clock.now())).to.include({ sent: 1 });
      expect(await b.deliverDue(clock.now())).to.include({ sent: 0 });
      expect(wecom.received.filter((r) => r.api === 'message/send').map((r) => r.content)).to.deep.equal(['已收到，编号 7。']);
    } finally {
      await other.close();
    }
  });
});

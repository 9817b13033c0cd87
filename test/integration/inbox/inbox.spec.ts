import { expect } from 'chai';
import type { Connection } from 'mongoose';
import { FixedClock } from '../../../src/clock';
import { createClaimRepository } from '../../../src/db/claims';
import { openDatabase } from '../../../src/db/connection';
import { createInbox, type Inbox } from '../../../src/inbox/inbox';
import { silentLogger } from '../../../src/logger';
import type { InboundEvent } from '../../../src/wecom/events';
import { freshDatabaseUri } from '../../helpers/database';

const event = (key: string, text = '东岭村李某某家屋顶漏雨'): InboundEvent => ({ kind: 'text', channel: 'app', deliveryKey: key, from: 'zhuxia', at: '2026-12-01T01:00:00.000Z', text });

describe('inbox (real database)', () => {
  let connection: Connection;
  let clock: FixedClock;
  let handled: string[];
  let fail: boolean;
  let inbox: Inbox;

  beforeEach(async () => {
    connection = await openDatabase(freshDatabaseUri('inbox'));
    clock = new FixedClock('2026-12-01T09:00:00+08:00');
    handled = [];
    fail = false;
    inbox = createInbox({
      connection,
      claims: createClaimRepository(connection, clock),
      clock,
      logger: silentLogger(),
      handle: async (e) => {
        if (fail) throw new Error('handler broke');
        handled.push(e.deliveryKey);
      },
    });
  });
  afterEach(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('stores callbacks that arrive together, each once, and tells a repeat from a new one', async () => {
    const results = await Promise.all([inbox.put(event('1')), inbox.put(event('2')), inbox.put(event('1')), inbox.put(event('3'))]);
    expect(results.filter((r) => r === 'new')).to.have.length(3);
    expect(results[0] === 'new' ? results[2] : results[0]).to.equal('duplicate');
    expect(await inbox.put(event('2'))).to.equal('duplicate');
    await inbox.processFresh(clock.now());
    expect(handled.sort()).to.deep.equal(['1', '2', '3']);
  });

  it('leaves what an instance stored to that instance until it comes due, then to anyone', async () => {
    const other = createInbox({ connection, claims: createClaimRepository(connection, clock), clock, logger: silentLogger(), handle: async (e) => void handled.push(`other:${e.deliveryKey}`) });
    await inbox.put(event('a'));
    await other.processPending(clock.now());
    expect(handled).to.deep.equal([]);
    // The instance that stored it died before processing it: 30 s on, another takes it up.
    clock.advance(31_000);
    await other.processPending(clock.now());
    expect(handled).to.deep.equal(['other:a']);
    await inbox.processFresh(clock.now()); // the first instance, had it lived, finds it taken
    await other.processPending(clock.now());
    expect(handled).to.deep.equal(['other:a']);
    expect(await inbox.status('a')).to.equal('done');
  });

  it('retries a failing event with backoff and gives up after five tries', async () => {
    fail = true;
    await inbox.put(event('x'));
    for (let i = 0; i < 8; i++) {
      await inbox.processPending(clock.now());
      clock.advance(10 * 60_000);
    }
    expect(await inbox.status('x')).to.equal('failed');
  });

  it('takes up an event whose instance died between claiming it and recording that', async () => {
    await inbox.put(event('k'));
    // the dead instance's claim, as it left it
    await createClaimRepository(connection, clock).tryClaim('inbox:k:a0');
    await inbox.processPending(clock.now());
    expect(handled).to.deep.equal([]);
    clock.advance(31_000);
    await inbox.processPending(clock.now());
    await inbox.processPending(clock.now());
    expect(handled).to.deep.equal(['k']);
    expect(await inbox.status('k')).to.equal('done');
  });
});

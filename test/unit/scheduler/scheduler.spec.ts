import { expect } from 'chai';
import { FixedClock } from '../../../src/clock';
import { silentLogger } from '../../../src/logger';
import { startScheduler, tickKey, type Job } from '../../../src/scheduler';

describe('scheduler', () => {
  it('runs each tick on one instance only: the tick lease is per job and minute', async function () {
    this.timeout(10_000);
    const clock = new FixedClock('2026-10-12T10:00:00+08:00');
    const held = new Set<string>();
    const lease = async (key: string) => (held.has(key) ? false : (held.add(key), true));
    const runs: string[] = [];
    const job: Job<string> = { name: 'tick', schedule: '* * * * * *', run: async (who, now) => void runs.push(`${who}@${now.toISOString()}`) };
    const opts = { clock, logger: silentLogger(), timeZone: 'Asia/Shanghai', lease };
    const a = startScheduler([job], 'a', opts);
    const b = startScheduler([job], 'b', opts);
    try {
      await new Promise((r) => setTimeout(r, 2_300)); // two or three ticks each, all in the same (fixed) minute
      expect(runs).to.have.length(1);
      clock.advance(60_000);
      await new Promise((r) => setTimeout(r, 1_200));
      expect(runs).to.have.length(2);
      expect([...held]).to.deep.equal([tickKey('tick', new Date('2026-10-12T02:00:00Z')), tickKey('tick', new Date('2026-10-12T02:01:00Z'))]);
      expect(held.has('job:tick:2026-10-12T02:00')).to.equal(true);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('runs a catch-up job once at start, with the clock\'s time, before its first tick', async () => {
    const clock = new FixedClock('2026-10-16T19:10:00+08:00');
    const runs: Date[] = [];
    const job: Job<null> = { name: 'digest', schedule: '0 0 1 1 *', runOnStart: true, run: async (_deps, now) => void runs.push(now) };
    const s = startScheduler([job], null, { clock, logger: silentLogger(), timeZone: 'Asia/Shanghai', lease: async () => false });
    await s.stop(); // waits for the start-up run
    expect(runs.map((d) => d.toISOString())).to.deep.equal(['2026-10-16T11:10:00.000Z']);
  });
});

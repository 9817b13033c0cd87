import { expect } from 'chai';
import { runReminders } from '../../../src/reminders/reminder.service';
import { freshDatabaseUri } from '../../helpers/database';
import type { Received } from '../../helpers/fake-wecom';
import { startTestService, type TestService } from '../../helpers/service';

// Two instances of the bot on one database, each with its own fake WeCom: whatever either sends
// counts. A reminder slot is recorded under its unique key before it is sent, so however the runs
// interleave, each finding's reminder goes out once.
describe('reminders on two instances at once', () => {
  let a: TestService;
  let b: TestService;

  beforeEach(async () => {
    const uri = freshDatabaseUri('remtwo');
    a = await startTestService({ now: '2026-10-12T09:00:00+08:00', env: { MONGODB_URI: uri } });
    b = await startTestService({ now: '2026-10-12T09:00:00+08:00', env: { MONGODB_URI: uri } });
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
  });

  /** Until both instances have delivered everything (one instance a minute may send to a robot). */
  const drain = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      await a.settle();
      await b.settle();
      for (const s of [a, b]) await s.service.outbox.deliverDue(s.clock.now());
      if ((await a.service.outbox.list({ status: 'pending' })).length === 0 && (await a.service.outbox.list({ status: 'sending' })).length === 0) return;
    }
    throw new Error('messages left undelivered');
  };
  const isReminder = (r: Received): boolean => r.content.includes('【催办】') || r.content.includes('【督办】');
  /** What both fake WeComs received since the marks. */
  const mark = (): [number, number] => [a.wecom.received.length, b.wecom.received.length];
  const since = ([ma, mb]: [number, number]): Received[] => [...a.wecom.received.slice(ma), ...b.wecom.received.slice(mb)].filter(isReminder);
  /** Finding numbers named in the messages, by the reply each asks for ("签收 3"), counted. */
  const named = (messages: Received[]): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const m of messages) for (const [, no] of m.content.matchAll(/签收 (\d+)”/g)) counts[no!] = (counts[no!] ?? 0) + 1;
    return counts;
  };

  it('sends each reminder exactly once however the runs race', async () => {
    const reports = [
      '东岭村王某某家吃水困难，自来水一周没来水了，还在挑水吃', // 农业服务站
      '西岭村李某某家自来水管冻裂，已经三天没有水吃', // 农业服务站
      '东岭村张某某家危房，屋顶漏雨，墙体裂缝', // 镇建办
      '南庄村赵某某家房屋漏雨，门窗损坏', // 镇建办
    ];
    for (const text of reports) await a.say('zhuxia', text);
    await a.settle();
    expect(await a.service.domain.findings.count({ status: 'dispatched' })).to.equal(4);

    const seen: Record<string, number>[] = [];
    for (const local of ['2026-10-12T13:00', '2026-10-12T13:15', '2026-10-12T17:00', '2026-10-13T13:00', '2026-10-13T17:00']) {
      const before = mark();
      a.clock.set(`${local}+08:00`);
      b.clock.set(`${local}+08:00`);
      // Four runs at the same moment: two per instance.
      const runs = await Promise.all([a, b, a, b].map((s) => runReminders(s.service.domain, s.clock.now())));
      await drain();
      const now = since(before);
      seen.push(named(now));
      // Every message a run queued was delivered once (the outbox is shared too).
      expect(runs.flatMap((r) => r.messages).length, local).to.equal(now.length);
    }
    expect(seen).to.deep.equal([
      { '1': 1, '2': 1, '3': 1, '4': 1 }, // 4 working hours: all four, once each
      {},
      { '1': 1, '2': 1, '3': 1, '4': 1 },
      { '1': 1, '2': 1, '3': 1, '4': 1 },
      { '1': 1, '2': 1, '3': 1, '4': 1 }, // the 4th reminder
    ]);
    // ...and the leaders were told once of each.
    const escalations = [...a.wecom.toWebhook('EXAMPLE-LEADERS-ROBOT-KEY'), ...b.wecom.toWebhook('EXAMPLE-LEADERS-ROBOT-KEY')].map((m) => m.content).join('\n');
    for (const no of [1, 2, 3, 4]) expect(escalations.split(`**第 ${no} 号**`).length - 1, `No. ${no}`).to.equal(1);
  });
});

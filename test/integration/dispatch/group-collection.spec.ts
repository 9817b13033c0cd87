import { expect } from 'chai';
import { flushCollections } from '../../../src/dispatch/group-messages';
import { sendDigestNow, collectDigest } from '../../../src/digest/digest.service';
import { freshDatabaseUri } from '../../helpers/database';
import { startTestService, type TestService } from '../../helpers/service';

/**
 * A busy unit's group: new findings collected per window, a ceiling per day, the counts in 统计
 * and the digest. Checked on what the fake WeCom received; the minute job is run by hand.
 */

const MINZHENG = 'EXAMPLE-MINZHENG-ROBOT-KEY';
const LEADERS = 'EXAMPLE-LEADERS-ROBOT-KEY';

async function report(t: TestService, i: number, urgency: 'normal' | 'urgent' = 'normal'): Promise<number> {
  const res = await t.api('/api/findings', {
    method: 'POST',
    body: JSON.stringify({ text: `第${i}户困难群众低保未按规定纳入，家中无劳动力`, reporter: 'zhuxia', task: 6, item: '6.1', urgency }),
  });
  expect(res.status).to.equal(201);
  return ((await res.json()) as { no: number }).no;
}

/** What the minute job does, then delivery. */
async function minuteJob(t: TestService): Promise<void> {
  await flushCollections(t.service.domain, t.clock.now());
  await t.settle();
}

describe('dispatches collected per unit group', () => {
  let t: TestService;
  afterEach(async () => {
    await t?.stop();
  });

  it('30 findings for 民政办 in three minutes: at most 4 group messages that hour, every finding named, the urgent one at once, cards not delayed', async () => {
    t = await startTestService({ now: '2026-12-01T09:00:00+08:00', collectMinutes: 10 });
    const numbers: number[] = [];
    let urgentNo = 0;
    for (let i = 1; i <= 30; i++) {
      const urgent = i === 17;
      const no = await report(t, i, urgent ? 'urgent' : 'normal');
      numbers.push(no);
      if (urgent) {
        urgentNo = no;
        await t.settle();
        // It went at once, in its own message, while the others wait for the window.
        expect(t.wecom.toWebhook(MINZHENG).some((r) => r.content.startsWith(`**【交办】第 ${no} 号问题**`))).to.equal(true);
      }
      t.clock.advance(6_000);
      if (i % 10 === 0) await minuteJob(t); // the job runs every minute; nothing is due yet
    }
    await t.settle();
    // The first went at once (the group had been quiet), and the urgent one; the rest wait.
    expect(t.wecom.toWebhook(MINZHENG)).to.have.length(2);
    // Personal cards to the members are not delayed.
    for (const member of ['chuming', 'weilan']) {
      expect(t.wecom.toUser(member).filter((r) => r.body.msgtype === 'template_card')).to.have.length(30);
    }

    for (let minute = 0; minute < 57; minute++) {
      t.clock.advance(60_000);
      await minuteJob(t);
    }
    const group = t.wecom.toWebhook(MINZHENG);
    expect(group.length).to.be.at.most(4);
    const all = group.map((r) => r.content).join('\n');
    for (const no of numbers) expect(all, `第 ${no} 号`).to.match(new RegExp(`第 ${no} 号(?!\\d)`));
    const collection = group.find((r) => r.content.startsWith('**【交办】民政办 新交办'))!;
    expect(collection.content).to.contain('新交办 28 个问题');
    expect(collection.content).to.match(/1\. \*\*第 2 号\*\* 6\.1 [^：]+：第2户困难群众低保未按规定纳入，家中无劳动力｜时限 \d+月\d+日/);
    expect(collection.content).not.to.contain(`第 ${urgentNo} 号**`);
    expect(collection.content).to.contain('<@chuming> <@weilan>');
  });

  it('what waits is in the database: a collection due while the bot was down goes once after a restart', async () => {
    const databaseUri = freshDatabaseUri('collect');
    t = await startTestService({ now: '2026-12-01T09:00:00+08:00', collectMinutes: 10, databaseUri });
    await report(t, 1);
    await report(t, 2);
    await report(t, 3);
    await t.settle();
    expect(t.wecom.toWebhook(MINZHENG)).to.have.length(1);
    const wecom = t.wecom;
    await t.service.stop();

    t = await startTestService({ now: '2026-12-01T09:30:00+08:00', collectMinutes: 10, databaseUri, wecom });
    await minuteJob(t);
    await minuteJob(t);
    const group = wecom.toWebhook(MINZHENG);
    expect(group).to.have.length(2);
    expect(group[1]!.content).to.contain('新交办 2 个问题').and.to.contain('第 2 号').and.to.contain('第 3 号');
    await wecom.close();
  });
});

describe('a ceiling per group per day', () => {
  let t: TestService;
  afterEach(async () => {
    await t?.stop();
  });

  it('past it nothing is lost: what would go waits for the next window and says how many it includes; 统计 and the digest show it', async () => {
    t = await startTestService({ now: '2026-12-01T09:00:00+08:00', collectMinutes: 10, groupDailyLimit: 3 });
    // Three urgent findings go at once and fill the group's day.
    for (let i = 1; i <= 3; i++) await report(t, i, 'urgent');
    await t.settle();
    expect(t.wecom.toWebhook(MINZHENG)).to.have.length(3);

    // Past the ceiling: an urgent finding, a normal one and a 撤销 notice all wait.
    const urgent = await report(t, 4, 'urgent');
    const normal = await report(t, 5);
    await t.say('zhuxia', '撤销 1');
    await t.settle();
    expect(t.wecom.toWebhook(MINZHENG)).to.have.length(3);
    expect(t.wecom.toUser('chuming').filter((r) => r.content.includes(`第 ${urgent} 号`))).to.have.length(1); // its card was not held

    t.clock.advance(5 * 60_000);
    await minuteJob(t);
    expect(t.wecom.toWebhook(MINZHENG)).to.have.length(3);
    t.clock.advance(6 * 60_000);
    await minuteJob(t);
    const group = t.wecom.toWebhook(MINZHENG);
    expect(group).to.have.length(4);
    const waited = group[3]!.content;
    expect(waited).to.contain('本群今日消息已达上限（3 条），本条合并 3 条消息');
    expect(waited).to.contain(`第 ${urgent} 号`).and.to.contain(`第 ${normal} 号`);
    expect(waited).to.contain('第 1 号问题已由 朱霞 撤销');

    await t.say('wangzhen', '统计');
    await t.settle();
    const stats = t.wecom.toUser('wangzhen').find((r) => r.content.includes('今日各群消息'));
    expect(stats?.content).to.contain('民政办 4（达上限）');

    t.clock.set('2026-12-01T17:30:00+08:00');
    const domain = t.service.domain;
    await sendDigestNow(domain, t.clock.now(), await collectDigest(domain, t.clock.now()));
    await t.settle();
    const digest = t.wecom.toWebhook(LEADERS).map((r) => r.content).join('\n');
    expect(digest).to.contain('达到每日消息上限：民政办');
    expect(digest).to.match(/各群今日消息\*\*：[^\n]*民政办 \d+（达上限）/);
  });
});

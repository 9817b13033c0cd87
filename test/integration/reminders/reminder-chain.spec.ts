import { expect } from 'chai';
import { runReminders, type ReminderRunResult } from '../../../src/reminders/reminder.service';
import { startTestService, type TestService } from '../../helpers/service';

// config/org.example.yaml: 农业服务站 (zhengkai, fenglei) on robot EXAMPLE-NONGYE-ROBOT-KEY, the
// leaders' (digest) group on EXAMPLE-LEADERS-ROBOT-KEY, 东岭村's 包村干部 zhuxia. Defaults: first
// reminder after 4 working hours, then every 4; leaders after 3; deadline 7 working days.
const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';
const LEADERS = 'EXAMPLE-LEADERS-ROBOT-KEY';
const WATER = '东岭村王某某家吃水困难，自来水一周没来水了，还在挑水吃';

describe('reminders from dispatch to closure (国庆 2026: 10/1-10/7 off, 9/20 and 10/10 worked)', () => {
  let t: TestService;

  afterEach(async () => {
    await t?.stop();
  });

  /** Runs the reminder job as if it were that Shanghai time; returns what reached WeCom meanwhile. */
  async function remindAt(local: string): Promise<{ run: ReminderRunResult; group: string[]; leaders: string[]; reporter: string[] }> {
    t.clock.set(`${local}+08:00`);
    const counts = { group: t.wecom.toWebhook(NONGYE).length, leaders: t.wecom.toWebhook(LEADERS).length, reporter: t.wecom.toUser('zhuxia').length };
    const run = await runReminders(t.service.domain, t.clock.now());
    await t.settle();
    return {
      run,
      group: t.wecom.toWebhook(NONGYE).slice(counts.group).map((r) => r.content),
      leaders: t.wecom.toWebhook(LEADERS).slice(counts.leaders).map((r) => r.content),
      reporter: t.wecom.toUser('zhuxia').slice(counts.reporter).map((r) => r.content),
    };
  }
  async function sayAt(local: string, from: string, text: string): Promise<void> {
    t.clock.set(`${local}+08:00`);
    await t.say(from, text);
    await t.settle();
  }
  const nothing = { group: [], leaders: [], reporter: [] };
  const sent = (r: Awaited<ReturnType<typeof remindAt>>) => ({ group: r.group, leaders: r.leaders, reporter: r.reporter });

  it('reminds the department until accepted, escalates after three, reminds on the deadline and after it, then the reporter, and stops at 销号', async () => {
    t = await startTestService({ now: '2026-09-29T15:00:00+08:00' });
    await t.say('zhuxia', WATER);
    await t.settle();
    expect(t.wecom.toWebhook(NONGYE)).to.have.length(1); // the dispatch itself
    const f = await t.service.domain.findings.get(1);
    expect(f!.deadline!.toISOString()).to.equal(new Date('2026-10-14T17:30:00+08:00').toISOString()); // 7 working days, over the holidays

    expect(sent(await remindAt('2026-09-29T17:00'))).to.deep.equal(nothing); // 2 working hours
    expect(sent(await remindAt('2026-09-30T09:59'))).to.deep.equal(nothing); // 3.98

    const first = await remindAt('2026-09-30T10:00');
    expect(first.group).to.have.length(1);
    expect(first.group[0])
      .to.contain('【催办】农业服务站 1 件待办')
      .and.to.contain('第 1 号')
      .and.to.contain('东岭村')
      .and.to.contain('交办 4 个工作小时未签收')
      .and.to.contain('回复“签收 1”')
      .and.to.contain('<@zhengkai>')
      .and.to.contain('https://bot.example.gov.cn/dashboard');
    expect(first.leaders).to.deep.equal([]);
    expect(sent(await remindAt('2026-09-30T10:15'))).to.deep.equal(nothing); // the same slot, already sent

    expect((await remindAt('2026-09-30T14:00')).group).to.have.length(1); // 2nd
    // Quiet hours and the holiday week: nothing runs, nothing is lost.
    const night = await remindAt('2026-09-30T20:00');
    expect(night.run.quiet).to.equal(true);
    expect(sent(night)).to.deep.equal(nothing);
    for (const day of ['2026-10-01T10:00', '2026-10-03T14:00', '2026-10-07T16:00']) {
      const holiday = await remindAt(day);
      expect(holiday.run.quiet, day).to.equal(true);
      expect(sent(holiday)).to.deep.equal(nothing);
    }
    expect(sent(await remindAt('2026-10-08T08:30'))).to.deep.equal(nothing); // 7.5 + 0 working hours: the 3rd is due at 09:00
    const third = await remindAt('2026-10-08T09:00');
    expect(third.group).to.have.length(1);
    expect(third.group[0]).to.contain('交办 1 个工作日未签收');
    expect(third.leaders).to.deep.equal([]);

    const fourth = await remindAt('2026-10-08T13:00');
    expect(fourth.group).to.have.length(1);
    expect(fourth.leaders).to.have.length(1);
    expect(fourth.leaders[0]).to.contain('【督办】1 件问题多次催办仍未办结').and.to.contain('第 1 号').and.to.contain('农业服务站').and.to.contain('已催办 4 次');

    await sayAt('2026-10-08T14:00', 'zhengkai', '签收 1');
    expect((await t.service.domain.findings.get(1))!.status).to.equal('accepted');
    for (const day of ['2026-10-08T16:00', '2026-10-09T10:00', '2026-10-10T10:00', '2026-10-12T10:00', '2026-10-13T17:00']) {
      const quietDay = await remindAt(day);
      expect(quietDay.run.quiet, day).to.equal(undefined); // 10/10 is a Saturday worked (调休)
      expect(sent(quietDay), day).to.deep.equal(nothing);
    }

    const deadlineDay = await remindAt('2026-10-14T08:30');
    expect(deadlineDay.group).to.have.length(1);
    expect(deadlineDay.group[0]).to.contain('今天 17:30 到期').and.to.contain('整改完成 1 情况说明');
    const over1 = await remindAt('2026-10-15T08:30');
    expect(over1.group[0]).to.contain('已超期 1 个工作日');
    // Overdue is 红: the leaders' 督办 list has it at once.
    expect(over1.leaders).to.have.length(1);
    expect(over1.leaders[0]).to.contain('超期 1 个工作日未整改完成').and.to.contain('第 1 号').and.to.contain('农业服务站').and.to.contain('已催办 2 次');
    expect(sent(await remindAt('2026-10-15T15:00'))).to.deep.equal(nothing); // once a working day
    expect((await remindAt('2026-10-16T08:45')).group[0]).to.contain('已超期 2 个工作日');
    expect(sent(await remindAt('2026-10-17T10:00'))).to.deep.equal(nothing); // Saturday
    const over3 = await remindAt('2026-10-19T08:30');
    expect(over3.group[0]).to.contain('已超期 3 个工作日');
    expect(over3.leaders).to.deep.equal([]); // told again only after 3 more working days

    await sayAt('2026-10-19T10:00', 'zhengkai', '整改完成 1 已接通自来水，恢复正常供水');
    expect(sent(await remindAt('2026-10-19T13:00'))).to.deep.equal(nothing);
    const confirm = await remindAt('2026-10-19T14:00');
    expect(confirm.group).to.deep.equal([]);
    expect(confirm.reporter).to.have.length(1);
    expect(confirm.reporter[0]).to.contain('【待销号】').and.to.contain('第 1 号').and.to.contain('销号 1').and.to.contain('驳回 1 原因');

    await sayAt('2026-10-19T15:00', 'zhuxia', '销号 1');
    expect((await t.service.domain.findings.get(1))!.status).to.equal('closed');
    for (const day of ['2026-10-19T16:00', '2026-10-20T08:30', '2026-10-21T14:00', '2026-11-02T10:00']) {
      expect(sent(await remindAt(day)), day).to.deep.equal(nothing);
    }
    const log = await t.service.connection.collection('reminders').find({ no: 1 }).sort({ at: 1 }).toArray();
    expect(log.map((r) => `${r.kind}:${r.slot}`)).to.deep.equal([
      'accept:0',
      'accept:1',
      'accept:2',
      'accept:3',
      'accept:esc0',
      'deadline:due',
      'deadline:over0',
      'deadline:esc0',
      'deadline:over1',
      'deadline:over2',
      'confirm:0',
    ]);
  });

  it('works on the make-up Sunday 9/20 and not on the Saturday before it', async () => {
    t = await startTestService({ now: '2026-09-18T15:00:00+08:00' }); // a Friday
    await t.say('zhuxia', WATER);
    await t.settle();
    expect(sent(await remindAt('2026-09-18T17:20'))).to.deep.equal(nothing);
    const saturday = await remindAt('2026-09-19T10:00');
    expect(saturday.run.quiet).to.equal(true);
    expect(sent(saturday)).to.deep.equal(nothing);
    const sunday = await remindAt('2026-09-20T10:00'); // 2.5 h on Friday + 1.5 h on the 调休 Sunday
    expect(sunday.run.quiet).to.equal(undefined);
    expect(sunday.group).to.have.length(1);
    expect(sunday.group[0]).to.contain('交办 4 个工作小时未签收');
  });

  it('lists everything due for a group in one message, and lets a finding due within the hour come along', async () => {
    t = await startTestService({ now: '2026-10-12T09:00:00+08:00' });
    await t.say('zhuxia', WATER);
    await t.settle();
    await sayAt('2026-10-12T09:30', 'zhuxia', '西岭村李某某家自来水管冻裂，已经三天没有水吃');
    await sayAt('2026-10-12T10:20', 'zhuxia', '南庄村赵某某反映家里吃水水质浑浊，有异味');
    expect(t.wecom.toWebhook(NONGYE)).to.have.length(3);

    // 13:30: No. 1 and 2 are due (4.5 and 4 h); No. 3 (3.17 h) is due at 14:20, within the hour: it comes along.
    const run = await remindAt('2026-10-12T13:30');
    expect(run.group).to.have.length(1);
    expect(run.group[0]).to.contain('【催办】农业服务站 3 件待办').and.to.contain('签收 1').and.to.contain('签收 2').and.to.contain('签收 3');
    expect(sent(await remindAt('2026-10-12T14:30'))).to.deep.equal(nothing); // No. 3's first reminder went with the others
    // 17:00: No. 1's 2nd is due (8 h); No. 2's (7.5 h) would be due first thing tomorrow: it comes along.
    const next = await remindAt('2026-10-12T17:00');
    expect(next.group).to.have.length(1);
    expect(next.group[0]).to.contain('2 件待办').and.to.contain('签收 1').and.to.contain('签收 2').and.not.to.contain('签收 3');
    expect(sent(await remindAt('2026-10-13T08:30'))).to.deep.equal(nothing);
  });

  it('reminds leaders of a finding waiting in triage', async () => {
    t = await startTestService({ now: '2026-10-12T09:00:00+08:00' });
    await t.say('zhuxia', '东岭村有个情况需要看一下');
    await t.settle();
    expect((await t.service.domain.findings.get(1))!.status).to.equal('triage');
    const run = await remindAt('2026-10-12T13:00');
    expect(run.leaders).to.have.length(1);
    expect(run.leaders[0]).to.contain('【待分派】1 件问题等待镇领导分派').and.to.contain('改派 1');
    expect(run.group).to.deep.equal([]);
  });
});

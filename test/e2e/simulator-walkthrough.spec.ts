import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freshDatabaseUri } from '../helpers/database';
import { startSimService, type SimService } from '../helpers/sim-service';
import type { FindingJson } from '../helpers/finding-json';

// End to end: the real server in simulator mode (no WeCom credentials), a fixed clock that the
// tests move, and nothing but the simulator's own HTTP API (what the /sim page uses) to act as
// members and to see what each group and person received.
//
// config/org.example.yaml: 农业服务站 (zhengkai, fenglei) and 镇建办 (hanbing) have group robots;
// 东岭村's 包村干部 is zhuxia (第一管区, with yangfan); leaders wangzhen, liuhong.
const NONGYE = 'g:webhook:EXAMPLE-NONGYE-ROBOT-KEY';
const ZHENJIAN = 'g:webhook:EXAMPLE-ZHENJIAN-ROBOT-KEY';
const DISTRICT1 = 'g:webhook:EXAMPLE-DISTRICT1-ROBOT-KEY';
const LEADERS = 'g:webhook:EXAMPLE-LEADERS-ROBOT-KEY';
const u = (userid: string): string => `u:${userid}`;


describe('e2e: simulator mode, findings walked through their whole life via /sim', function () {
  this.timeout(60_000);
  let t: SimService;

  beforeEach(async () => {
    t = await startSimService({ now: '2026-12-01T09:00:00+08:00' }); // a Tuesday
  });
  afterEach(async () => {
    await t.stop();
  });

  const finding = async (no: number): Promise<FindingJson> => (await (await t.api(`/api/findings/${no}`)).json()) as FindingJson;
  const card = async (userid: string, no: number) => (await t.messages(u(userid))).find((m) => m.msgtype === 'template_card' && m.content.includes(`第 ${no} 号`));
  /** What the person sees of that card now: its title and the buttons left to click. */
  const cardNow = async (userid: string, no: number) => {
    const c = (await card(userid, no))!;
    return { title: /class="card-title">([^<]*)</.exec(c.html)?.[1] ?? '', buttons: c.buttons.map((b) => b.text) };
  };
  const texts = async (conv: string): Promise<string[]> => (await t.messages(conv)).filter((m) => m.direction === 'out').map((m) => m.content);

  it('lists every group and member of the organisation file', async () => {
    const org = await t.simOrg();
    expect(org.groups.map((g) => g.id)).to.include.members([NONGYE, ZHENJIAN, DISTRICT1, LEADERS, 'g:chat:EXAMPLEWEISHENGYUANCHAT']);
    expect(org.groups.find((g) => g.id === LEADERS)).to.include({ label: '领导群' });
    expect(org.members.map((m) => m.userid)).to.include.members(['wangzhen', 'zhuxia', 'zhengkai', 'chenjing']);
    expect(org.members[0]!.roles).to.include('镇领导');
  });

  it('report -> card 签收 -> 整改完成 -> 销号, with what each group and person saw', async () => {
    const sent = await t.say('zhuxia', '东岭村王某某家吃水困难，自来水一周没来水了，还在挑水吃');
    expect(sent).to.include({ ok: true, callbackStatus: 200 });
    await t.settle();

    expect((await t.last(u('zhuxia')))!.content).to.contain('已收到，编号 1').and.to.contain('农业服务站').and.to.contain('12月10日');
    const dispatch = (await t.messages(NONGYE)).filter((m) => m.direction === 'out');
    expect(dispatch).to.have.length(1);
    expect(dispatch[0]!.api).to.equal('webhook/send');
    expect(dispatch[0]!.content).to.contain('【交办】第 1 号问题').and.to.contain('<@zhengkai>');
    expect(dispatch[0]!.html).to.contain('<span class="mention">@郑凯</span>').and.to.contain('<strong>【交办】第 1 号问题</strong>');
    expect(await texts(ZHENJIAN)).to.deep.equal([]);

    const zCard = await card('zhengkai', 1);
    const fCard = await card('fenglei', 1);
    expect(zCard!.buttons.map((b) => b.text)).to.deep.equal(['签收', '签收·立行立改', '退回']);
    expect(fCard!.seq).to.equal(zCard!.seq); // one message/send to both

    t.clock.advance(2 * 3600_000);
    const click = await t.click('zhengkai', zCard!.seq, 'accept:1');
    expect(click.status).to.equal(200);
    await t.settle();
    expect((await finding(1)).status).to.equal('accepted');
    // update_template_card (atall) replaced the card for everyone who got it: the state now, no buttons
    expect(await cardNow('zhengkai', 1)).to.deep.equal({ title: '第 1 号问题 整改中', buttons: [] });
    expect(await cardNow('fenglei', 1)).to.deep.equal({ title: '第 1 号问题 整改中', buttons: [] });
    expect((await card('fenglei', 1))!.html).to.contain('郑凯 签收');
    expect((await t.last(u('zhengkai')))!.content).to.contain('已签收第 1 号问题');
    // the replaced card has no button to click
    const again = await t.click('fenglei', fCard!.seq, 'accept:1');
    expect(again.status).to.equal(400);

    t.clock.advance(24 * 3600_000);
    await t.say('fenglei', '整改完成 1 已协调水利站修复入户管道，恢复供水');
    await t.settle();
    const closeCard = (await t.messages(u('zhuxia'))).find((m) => m.msgtype === 'template_card' && m.content.includes('待销号'));
    expect(closeCard, 'the reporter gets a card with a 销号 button').to.not.equal(undefined);

    expect((await t.click('zhuxia', closeCard!.seq, 'close:1')).status).to.equal(200);
    await t.settle();
    const closed = (await t.messages(u('zhuxia'))).find((m) => m.seq === closeCard!.seq)!;
    expect(closed.buttons).to.deep.equal([]);
    expect(closed.html).to.contain('第 1 号问题 已销号').and.to.contain('朱霞 销号');
    expect((await finding(1)).status).to.equal('closed');
    expect((await texts(NONGYE)).at(-1)).to.contain('第 1 号问题已由 朱霞 验收销号');
    const history = (await finding(1)).history.map((h) => `${h.by}:${h.action}`);
    expect(history).to.deep.equal(['zhuxia:报告', 'zhengkai:签收', 'fenglei:整改完成', 'zhuxia:销号']);
  });

  it('refuses the wrong people, and 驳回 sends the work back to the group', async () => {
    await t.say('zhuxia', '东岭村李某某家危房，屋顶漏雨，墙体裂缝');
    await t.settle();
    expect((await finding(1)).departments).to.deep.equal(['镇建办']);
    expect(await texts(ZHENJIAN)).to.have.length(1);

    await t.say('zhengkai', '签收 1');
    await t.settle();
    expect((await t.last(u('zhengkai')))!.content).to.contain('只有责任单位（镇建办）的人员可以签收');
    expect((await finding(1)).status).to.equal('dispatched');

    await t.say('hanbing', '签收 1');
    await t.say('hanbing', '整改完成 1 已更换屋顶瓦片');
    await t.settle();
    await t.say('zhuxia', '驳回 1 墙体裂缝还没处理');
    await t.settle();
    expect((await finding(1)).status).to.equal('accepted');
    const rejected = (await t.messages(ZHENJIAN)).filter((m) => m.direction === 'out').at(-1)!;
    expect(rejected.content).to.contain('整改反馈被驳回').and.to.contain('<@hanbing>');
    expect(rejected.html).to.contain('<blockquote>墙体裂缝还没处理</blockquote>');

    await t.say('hanbing', '整改完成 1 墙体已加固');
    await t.settle();
    await t.say('wangzhen', '销号 1'); // a leader may close
    await t.settle();
    expect((await finding(1)).status).to.equal('closed');
  });

  it('an unclear report waits in triage; the leaders are told and one of them routes it', async () => {
    await t.say('zhuxia', '东岭村有个情况需要看一下');
    await t.settle();
    expect((await finding(1)).status).to.equal('triage');
    expect((await t.last(u('zhuxia')))!.content).to.contain('暂不能确定归属');
    for (const leader of ['wangzhen', 'liuhong']) expect((await t.last(u(leader)))!.content).to.contain('第 1 号问题暂未能自动归类');

    await t.say('wangzhen', '改派 1 5.2');
    await t.settle();
    const f = await finding(1);
    expect(f).to.include({ status: 'dispatched', item: '5.2' });
    expect((await texts(NONGYE)).at(-1)).to.contain('【交办】第 1 号问题');
    expect((await t.last(u('zhuxia')))!.content).to.contain('编号 1').and.to.contain('农业服务站');
  });

  it('tasks 1-2 go to the 管区 group; 退回 on the card tells the leaders', async () => {
    await t.say('wangzhen', '东岭村赵某某去年已去世，国家库里还是贫困人口，应出未出');
    await t.settle();
    expect((await finding(1)).departments).to.deep.equal(['第一管区']);
    expect((await texts(DISTRICT1)).at(-1)).to.contain('【交办】第 1 号问题');
    const cadreCard = await card('zhuxia', 1);
    expect(cadreCard!.html).to.contain('包村干部 朱霞');

    await t.click('zhuxia', cadreCard!.seq, 'return:1');
    await t.settle();
    expect((await finding(1)).status).to.equal('triage');
    expect(await cardNow('yangfan', 1)).to.deep.equal({ title: '第 1 号问题 待分派', buttons: [] });
    expect((await card('yangfan', 1))!.html).to.contain('朱霞 退回');
    expect((await t.last(u('liuhong')))!.content).to.contain('第 1 号问题被 朱霞 退回');
  });

  it('@回头看助手 in a group: the smart-bot callback is answered in that group through its response_url, once', async () => {
    await t.say('zhuxia', '东岭村王某某家吃水困难，自来水一周没来水了');
    await t.settle();
    const asked = await t.sayInGroup('fenglei', NONGYE, '签收 1');
    expect(asked).to.include({ ok: true, callbackStatus: 200 });
    await t.settle();
    expect((await finding(1)).status).to.equal('accepted');
    const group = await t.messages(NONGYE);
    expect(group.at(-2)).to.include({ direction: 'in', from: 'fenglei', content: '@回头看助手 签收 1' });
    expect(group.at(-1)).to.include({ direction: 'out', api: 'aibot/response' });
    expect(group.at(-1)!.content).to.contain('已签收第 1 号问题');

    // Plain chatter (no @) reaches nobody
    const chatter = await t.sayInGroup('zhengkai', NONGYE, '收到，马上去看', false);
    expect(chatter.callbackStatus).to.equal(null);
    await t.settle();
    expect((await t.messages(NONGYE)).at(-1)).to.include({ direction: 'in', content: '收到，马上去看' });
  });

  it('keeps what everyone received across a restart, and cards still work with the new session credentials', async () => {
    const uri = freshDatabaseUri('simrestart');
    await t.stop();
    t = await startSimService({ now: '2026-12-01T09:00:00+08:00', databaseUri: uri });
    await t.say('zhuxia', '东岭村李某某家危房，屋顶漏雨');
    await t.settle();
    const before = await t.messages();
    await t.stop();

    t = await startSimService({ now: '2026-12-01T10:00:00+08:00', databaseUri: uri });
    const after = await t.messages();
    expect(after.map((m) => m.seq)).to.deep.equal(before.map((m) => m.seq));
    const hCard = await card('hanbing', 1);
    expect((await t.click('hanbing', hCard!.seq, 'accept:1')).status).to.equal(200);
    await t.settle();
    expect((await finding(1)).status).to.equal('accepted');
    expect(await cardNow('hanbing', 1)).to.deep.equal({ title: '第 1 号问题 整改中', buttons: [] });
  });

  describe('reminders and the daily digest', () => {
    const jobsDir = path.resolve('jobs');
    const haveJobs = existsSync(path.join(jobsDir, 'reminders.job.ts')) && existsSync(path.join(jobsDir, 'digest.job.ts'));

    it('reminds the group of an unaccepted finding, and the leaders\' group gets the digest', async function () {
      // The reminder and digest jobs (jobs/reminders.job.ts, jobs/digest.job.ts, `run(deps, now)`) are
      // another issue's; this part runs once they are in the tree.
      if (!haveJobs) this.skip();
      const load = async (file: string): Promise<{ run(deps: unknown, now: Date): Promise<unknown> }> => {
        const mod = (await import(path.join(jobsDir, file))) as Record<string, unknown>;
        const job = Object.values(mod).find((v): v is { run(deps: unknown, now: Date): Promise<unknown> } => typeof (v as { run?: unknown } | null)?.run === 'function');
        if (!job) throw new Error(`${file} exports no job with run()`);
        return job;
      };
      const reminders = await load('reminders.job.ts');
      const digest = await load('digest.job.ts');

      await t.say('zhuxia', '东岭村李某某家危房，屋顶漏雨，墙体裂缝');
      await t.settle();
      const before = (await texts(ZHENJIAN)).length;
      t.clock.set('2026-12-01T16:00:00+08:00'); // 6 working hours without 签收 (4 allowed)
      await reminders.run(t.service.domain, t.clock.now());
      await t.settle();
      const reminded = (await texts(ZHENJIAN)).slice(before).join('\n');
      expect(reminded).to.contain('【催办】').and.to.contain('第 1 号').and.to.contain('<@hanbing>');

      t.clock.set('2026-12-01T17:30:00+08:00');
      await digest.run(t.service.domain, t.clock.now());
      await t.settle();
      const digestText = (await texts(LEADERS)).join('\n');
      expect(digestText).to.contain('每日简报').and.to.contain('新增 **1** 件');
      const rendered = (await t.messages(LEADERS)).at(-1)!.html;
      expect(rendered).to.contain('<strong>1</strong>').and.to.contain('<blockquote>');
    });
  });
});

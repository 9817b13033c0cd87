import { expect } from 'chai';
import { signedAppCallback, signedEchoQuery, appTextXml, TEST_APP } from '../../helpers/wecom-signer';
import { startTestService, type TestService } from '../../helpers/service';
import type { FindingJson } from '../../helpers/finding-json';

// The org file is config/org.example.yaml: 农业服务站 has robot EXAMPLE-NONGYE-ROBOT-KEY and
// members zhengkai, fenglei; 镇建办 EXAMPLE-ZHENJIAN-ROBOT-KEY (hanbing); 第一管区
// EXAMPLE-DISTRICT1-ROBOT-KEY, 东岭村's 包村干部 zhuxia; leaders wangzhen, liuhong.
const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';
const ZHENJIAN = 'EXAMPLE-ZHENJIAN-ROBOT-KEY';
const DISTRICT1 = 'EXAMPLE-DISTRICT1-ROBOT-KEY';
const MINZHENG = 'EXAMPLE-MINZHENG-ROBOT-KEY';


describe('intake and dispatch through WeCom (real app, real database, fake WeCom over HTTP)', () => {
  let t: TestService;

  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(async () => {
    await t.stop();
  });

  async function finding(no: number): Promise<FindingJson> {
    const res = await t.api(`/api/findings/${no}`);
    expect(res.status).to.equal(200);
    return (await res.json()) as FindingJson;
  }
  const lastTo = (userid: string): string => t.wecom.toUser(userid).at(-1)?.content ?? '';
  /** The last card a person got: its title and its buttons. */
  const lastCard = (userid: string): { title: string; buttons: { text: string; key: string }[] } => {
    const card = t.wecom.toUser(userid).at(-1)!;
    return { title: card.content, buttons: (card.body.template_card as { button_list: { text: string; key: string }[] }).button_list };
  };

  it('answers the URL check with the decrypted echostr', async () => {
    const signed = signedEchoQuery({ ...TEST_APP, echo: '1616140317555161061', receiveId: TEST_APP.corpId });
    const res = await fetch(`${t.base}/wecom/callback?${signed.query}`);
    expect(res.status).to.equal(200);
    expect(await res.text()).to.equal('1616140317555161061');
  });

  it('turns a report into a dispatched finding in the right group, and a retried callback into nothing', async () => {
    expect(await t.say('zhuxia', '东岭村王某某家吃水困难，自来水一周没来水了，还在挑水吃', '7300000000000000001')).to.equal(200);
    await t.settle();

    const f = await finding(1);
    expect(f).to.include({ no: 1, status: 'dispatched', task: 5, item: '5.2', village: '东岭村' });
    expect(f.departments).to.deep.equal(['农业服务站']);
    expect(f.deadline).to.equal('2026-12-10T09:30:00.000Z'); // 7 working days: Thursday 10 Dec, 17:30 in 姚村镇

    const group = t.wecom.toWebhook(NONGYE);
    expect(group).to.have.length(1);
    expect(group[0]!.content).to.contain('【交办】第 1 号问题').and.to.contain('5.2').and.to.contain('<@zhengkai>').and.to.contain('<@fenglei>');
    expect(lastTo('zhuxia')).to.contain('编号 1').and.to.contain('农业服务站').and.to.contain('12月10日');
    const cards = t.wecom.received.filter((r) => r.api === 'message/send' && r.body.msgtype === 'template_card');
    expect(cards).to.have.length(1);
    expect(cards[0]!.to.split('|')).to.have.members(['zhengkai', 'fenglei']);

    // WeCom retries the same delivery: no second finding, no second message
    const before = t.wecom.received.length;
    expect(await t.say('zhuxia', '东岭村王某某家吃水困难，自来水一周没来水了，还在挑水吃', '7300000000000000001')).to.equal(200);
    await t.settle();
    const list = (await (await t.api('/api/findings')).json()) as { items: FindingJson[] };
    expect(list.items).to.have.length(1);
    expect(t.wecom.received.length).to.equal(before);
  });

  it('walks a finding through 签收, 整改完成, 驳回, 整改完成 and 销号, refusing the wrong people', async () => {
    await t.say('zhuxia', '东岭村李某某家危房，屋顶漏雨，墙体裂缝');
    await t.settle();
    expect((await finding(1)).departments).to.deep.equal(['镇建办']);

    await t.say('zhengkai', '签收 1'); // 农业服务站 is not responsible
    await t.settle();
    expect(lastTo('zhengkai')).to.contain('只有责任单位（镇建办）的人员可以签收');
    expect((await finding(1)).status).to.equal('dispatched');

    await t.say('hanbing', '整改完成 1 已修缮'); // not accepted yet
    await t.settle();
    expect(lastTo('hanbing')).to.contain('请先签收');

    await t.say('hanbing', '签收 1');
    await t.settle();
    expect((await finding(1)).status).to.equal('accepted');
    expect(lastTo('hanbing')).to.contain('已签收第 1 号问题');

    await t.say('hanbing', '整改完成 1 已组织施工队更换屋顶瓦片，加固墙体');
    await t.settle();
    expect((await finding(1)).status).to.equal('rectified');
    const card = t.wecom.toUser('zhuxia').at(-1)!;
    expect(card.body.msgtype).to.equal('template_card');
    expect(JSON.stringify(card.body)).to.contain('已反馈整改完成').and.to.contain('close:1').and.to.contain('驳回 1 原因');

    await t.say('hanbing', '销号 1'); // a department may not close its own work
    await t.settle();
    expect(lastTo('hanbing')).to.contain('责任单位不能自己销号');
    expect((await finding(1)).status).to.equal('rectified');

    await t.say('zhuxia', '驳回 1 墙体裂缝还没处理');
    await t.settle();
    expect((await finding(1)).status).to.equal('accepted');
    expect(t.wecom.toWebhook(ZHENJIAN).at(-1)!.content).to.contain('驳回').and.to.contain('墙体裂缝还没处理');

    await t.say('hanbing', '整改完成 1 墙体已加固');
    await t.say('wangzhen', '销号 1'); // a leader may close
    await t.settle();
    const closed = await finding(1);
    expect(closed.status).to.equal('closed');
    expect(closed.history.map((h) => h.action)).to.deep.equal(['报告', '签收', '整改完成', '驳回', '整改完成', '销号']);
    expect(closed.history[1]).to.include({ by: 'hanbing', text: '签收 1' });
  });

  it('closes by the reporter\'s 销号 button on the rectified card', async () => {
    await t.say('zhuxia', '东岭村李某某家危房，屋顶漏雨');
    await t.say('hanbing', '签收 1');
    await t.say('hanbing', '整改完成 1 已更换屋顶');
    await t.settle();
    await t.click('hanbing', 'close:1', 'RC-CLOSE-0'); // not the reporter's to close
    await t.settle();
    expect((await finding(1)).status).to.equal('rectified');
    await t.click('zhuxia', 'close:1', 'RC-CLOSE-1');
    await t.settle();
    expect((await finding(1)).status).to.equal('closed');
    // The card 朱霞 clicked now says where the finding stands, with no button left.
    const update = t.wecom.received.find((r) => r.api === 'message/update_template_card' && r.body.response_code === 'RC-CLOSE-1');
    expect(update?.content).to.equal('第 1 号问题 已销号');
    expect(update?.body).to.deep.include({ atall: 1 });
    expect(update?.body.template_card).to.not.have.property('button_list');
    expect(JSON.stringify(update?.body.template_card)).to.contain('朱霞 销号');
  });

  it('replaces each button card once its finding moves on by chat commands, so no button is left that would be refused', async () => {
    await t.say('zhuxia', '东岭村李某某家危房，屋顶漏雨');
    await t.settle();
    await t.say('hanbing', '签收 1');
    await t.settle();
    await t.say('hanbing', '整改完成 1 已更换屋顶');
    await t.settle();
    await t.say('zhuxia', '销号 1');
    await t.settle();
    // Each button card came back from message/send with its code.
    const cards = t.wecom.received
      .filter((r) => r.api === 'message/send' && (r.body.template_card as { card_type?: string } | undefined)?.card_type === 'button_interaction')
      .map((r) => ({ r, code: r.responseCode! }));
    expect(cards.map(({ r }) => r.content)).to.deep.equal(['第 1 号问题 待签收', '第 1 号问题 待销号']);
    const updateOf = (code: string) => t.wecom.received.find((u) => u.api === 'message/update_template_card' && u.body.response_code === code);
    // The 签收 card to 镇建办 after 签收, the 销号 card to the reporter after 销号: titles of the state then, no buttons.
    expect(cards.map(({ code }) => updateOf(code)?.content)).to.deep.equal(['第 1 号问题 整改中', '第 1 号问题 已销号']);
    for (const { code } of cards) expect(updateOf(code)!.body.template_card).to.include({ card_type: 'text_notice' }).and.not.to.have.property('button_list');
  });

  it('takes 退回 back to triage and a leader re-routes it; the next similar report follows the correction', async () => {
    await t.say('zhuxia', '东岭村张某某家孩子初中辍学在家，没有享受教育资助');
    await t.settle();
    const first = await finding(1);
    expect(first.item).to.equal('5.3');

    await t.say('chenjing', '退回 1 该生已转学外地，不属于本校');
    await t.settle();
    expect((await finding(1)).status).to.equal('triage');
    expect(lastTo('wangzhen')).to.contain('被 陈静 退回').and.to.contain('改派 1');

    await t.say('zhuxia', '改派 1 5.1.2'); // the reporter may only choose while... it is in triage: allowed
    await t.settle();
    const rerouted = await finding(1);
    expect(rerouted.status).to.equal('dispatched');
    expect(rerouted.item).to.equal('5.1.2');
    expect(rerouted.departments).to.deep.equal(['扶贫办']);

    await t.say('zhuxia', '改派 1 8'); // no longer in triage: only leaders
    await t.settle();
    expect(lastTo('zhuxia')).to.contain('只有镇领导可以改派');

    await t.say('zhuxia', '东岭村张某某家孩子初中辍学在家，没享受教育资助');
    await t.settle();
    const next = await finding(2);
    expect(next.item).to.equal('5.1.2');
    const reasons = ((await (await t.api('/api/findings/2')).json()) as { routing: { reasons: string[] } }).routing.reasons;
    expect(reasons.join(' ')).to.contain('#1');
  });

  it('puts an unclear report in triage and asks the reporter to choose', async () => {
    await t.say('zhuxia', '东岭村有个情况需要看一下');
    await t.settle();
    const f = await finding(1);
    expect(f.status).to.equal('triage');
    expect(lastTo('zhuxia')).to.contain('暂不能确定').and.to.contain('改派 1');
    await t.say('zhuxia', '改派 1 #8');
    await t.settle();
    expect((await finding(1)).departments).to.deep.equal(['镇建办']);
    expect(t.wecom.toWebhook(ZHENJIAN)).to.have.length(1);
  });

  it('gives the reporter buttons for the likely key problems when routing is unsure, and routes by the click', async () => {
    // Typed in one breath, with no punctuation to split at: two matters in one clause are asked about.
    await t.say('zhuxia', '东岭村王某某家房子漏雨医保也没交');
    await t.settle();
    expect((await finding(1)).status).to.equal('triage');
    const { title, buttons } = lastCard('zhuxia');
    expect(title).to.equal('第 1 号问题 请选择归类');
    // Both matters are named as plainly: which comes first is the model's call, both are offered.
    expect(buttons.map((b) => b.key)).to.have.members(['route:1:8.1', 'route:1:7.1']);
    expect(buttons.find((b) => b.key === 'route:1:8.1')!.text).to.equal('8.1 住房安全');

    await t.click('zhuxia', 'route:1:7.1', 'RC-ROUTE-1');
    await t.settle();
    const f = await finding(1);
    expect(f).to.include({ status: 'dispatched', item: '7.1' });
    expect(f.departments).to.deep.equal(['人社所', '卫生院']);
    const update = t.wecom.received.find((r) => r.api === 'message/update_template_card' && r.body.response_code === 'RC-ROUTE-1');
    expect(update?.content).to.equal('第 1 号问题 待签收');
    expect(JSON.stringify(update?.body.template_card)).to.contain('朱霞 分派').and.to.contain('人社所（牵头），卫生院（配合）').and.not.to.contain('route:');
  });

  it('offers the likeliest key problem first for a report with none of the table’s words, and sends nothing before the click', async () => {
    await t.say('zhuxia', '南庄村鲁某某说去年申请了两回政府那份钱，到现在没个信');
    await t.settle();
    expect((await finding(1)).status).to.equal('triage');
    const { title, buttons } = lastCard('zhuxia');
    expect(title).to.equal('第 1 号问题 请选择归类');
    expect(buttons[0]).to.deep.include({ key: 'route:1:6.1', text: '6.1 低保兜底' });
    expect(t.wecom.toWebhook(MINZHENG)).to.deep.equal([]);

    await t.click('zhuxia', 'route:1:6.1', 'RC-GUESS-1');
    await t.settle();
    expect(await finding(1)).to.include({ status: 'dispatched', item: '6.1' });
    expect(t.wecom.toWebhook(MINZHENG)).to.have.length(1);
  });

  it('sends tasks 1-2 to the village 管区 group and tells its 包村干部', async () => {
    await t.say('wangzhen', '东岭村赵某某去年已去世，国家库里还是贫困人口，应出未出');
    await t.settle();
    const f = await finding(1);
    expect(f.task).to.equal(1);
    expect(f.departments).to.deep.equal(['第一管区']);
    expect(t.wecom.toWebhook(DISTRICT1)).to.have.length(1);
    const card = t.wecom.toUser('zhuxia').find((r) => r.body.msgtype === 'template_card');
    expect(JSON.stringify(card?.body)).to.contain('包村干部 朱霞').and.to.contain('管区牵头，各包村干部具体实施');
    expect(card!.to.split('|')).to.have.members(['yangfan', 'zhuxia']); // 第一管区's member and the village's cadre
  });

  it('accepts by the card button, then replaces the button for everyone; a second click is refused', async () => {
    await t.say('zhuxia', '东岭村王某某家自来水停水三天，挑水吃');
    await t.settle();
    expect(await t.click('fenglei', 'accept:1', 'RC-ACCEPT-1')).to.equal(200);
    await t.settle();
    const f = await finding(1);
    expect(f.status).to.equal('accepted');
    expect(f.history.at(-1)).to.include({ by: 'fenglei', action: '签收' });
    const updates = () => t.wecom.received.filter((r) => r.api === 'message/update_template_card');
    expect(updates().map((u) => u.body.response_code)).to.deep.equal(['RC-ACCEPT-1']);
    expect(updates()[0]!.content).to.equal('第 1 号问题 整改中');
    expect(JSON.stringify(updates()[0]!.body.template_card)).to.contain('冯磊 签收').and.not.to.contain('accept:1');
    expect(lastTo('fenglei')).to.contain('已签收第 1 号问题');

    // A click on a card that still showed the button (an old client): nothing changes, the answer
    // says why, and that card is replaced with the click's own code.
    await t.click('zhengkai', 'accept:1', 'RC-ACCEPT-2');
    await t.settle();
    expect(lastTo('zhengkai')).to.contain('这张卡片已过时').and.to.contain('已由 冯磊 于').and.to.contain('当前为“整改中”');
    expect(updates().map((u) => u.body.response_code)).to.deep.equal(['RC-ACCEPT-1', 'RC-ACCEPT-2']);
    expect((await finding(1)).history).to.have.length(2);
  });

  it('sends the lead unit its 交办 and an assisting unit its 配合, each through its own kind of target', async () => {
    await t.say('zhuxia', '东岭村李某某家是脱贫户，今年医保没参保，住院报销不了');
    await t.settle();
    const f = await finding(1);
    expect(f.task).to.equal(7);
    expect(f.departments).to.deep.equal(['人社所', '卫生院']);
    expect(t.wecom.toWebhook('EXAMPLE-RENSHE-ROBOT-KEY')[0]!.content).to.contain('【交办】第 1 号问题');
    const assist = t.wecom.received.filter((r) => r.api === 'appchat/send' && r.to === 'EXAMPLEWEISHENGYUANCHAT');
    expect(assist).to.have.length(1);
    expect(assist[0]!.content).to.contain('【配合】第 1 号问题').and.to.contain('人社所 牵头');
  });

  it('answers 查询, 待办, 统计 and 帮助, and tells a stranger to ask for access', async () => {
    await t.say('zhuxia', '东岭村李某某家危房，屋顶漏雨');
    await t.say('zhuxia', '东岭村王某某家自来水停水三天，挑水吃');
    await t.settle();

    await t.say('hanbing', '查询 1');
    await t.settle();
    const detail = lastTo('hanbing');
    expect(detail).to.contain('第 1 号问题：待签收').and.to.contain('归类依据').and.to.contain('漏雨').and.to.contain('报告');
    // The routing explanation once, not again in the report's line of the history.
    expect(detail.split('关键词“漏雨”')).to.have.length(2);

    await t.say('hanbing', '待办');
    await t.settle();
    expect(lastTo('hanbing')).to.contain('本单位（镇建办）待办 1 件').and.to.contain('· 1 待签收');

    await t.say('zhuxia', '待办');
    await t.settle();
    expect(lastTo('zhuxia')).to.contain('您报告的问题办理中 2 件');

    await t.say('wangzhen', '统计');
    await t.settle();
    expect(lastTo('wangzhen')).to.contain('共 2 件：待签收 2').and.to.contain('镇建办 1').and.to.contain('农业服务站 1');
    await t.say('wangzhen', '撤销 2');
    await t.say('wangzhen', '统计');
    await t.settle();
    const stats = lastTo('wangzhen');
    expect(stats).to.contain('共 2 件：待签收 1，已撤销 1');
    // The open-by-unit line, not the line of messages each group received today (which may name it).
    const openLine = stats.split('\n').find((l) => l.startsWith('未办结：'));
    expect(openLine).to.contain('镇建办 1').and.not.to.contain('农业服务站 1');

    await t.say('wangzhen', '帮助');
    await t.settle();
    expect(lastTo('wangzhen')).to.contain('签收 N').and.to.contain('销号 N');

    await t.say('stranger', '东岭村李某某家危房');
    await t.settle();
    expect(lastTo('stranger')).to.contain('不在本镇“回头看”工作人员名单中');
    expect(((await (await t.api('/api/findings')).json()) as { items: unknown[] }).items).to.have.length(2);
  });

  it('asks which village for tasks 1-2 when nobody can tell, and takes the village of a one-village cadre', async () => {
    await t.say('wangzhen', '有户人家女儿出嫁户口迁走了，国家库里还没减人');
    await t.settle();
    const asked = await finding(1);
    expect(asked).to.include({ status: 'triage', task: 1 });
    expect(lastTo('wangzhen')).to.contain('请回复“改派 1 村名”');
    await t.say('wangzhen', '改派 1 东岭村');
    await t.settle();
    const routed = await finding(1);
    expect(routed).to.include({ status: 'dispatched', village: '东岭村' });
    expect(routed.departments).to.deep.equal(['第一管区']);

    await t.say('qinfeng', '张某某家老人去年去世了，名单上还挂着没减'); // 南庄村's only cadre
    await t.settle();
    const own = await finding(2);
    expect(own).to.include({ status: 'dispatched', village: '南庄村' });
    expect(own.departments).to.deep.equal(['第一管区']);
  });

  it('refuses a forged signature with 4xx and changes nothing', async () => {
    const signed = signedAppCallback({ ...TEST_APP, token: 'not-the-token', xml: appTextXml({ from: 'zhuxia', content: '东岭村李某某家危房漏雨', msgId: '7300000000000000099', agentId: '1000002' }), timestamp: String(Math.floor(t.clock.now().getTime() / 1000)) });
    const res = await fetch(`${t.base}/wecom/callback?${signed.query}`, { method: 'POST', body: signed.body });
    expect(res.status).to.be.within(400, 499);
    await t.settle();
    const list = (await (await t.api('/api/findings')).json()) as { items: unknown[] };
    expect(list.items).to.have.length(0);
    expect(t.wecom.received).to.have.length(0);
  });

  it('keeps every message while WeCom is down and delivers each once when it is back', async () => {
    t.wecom.setDown(true);
    await t.say('zhuxia', '东岭村李某某家危房，屋顶漏雨');
    await t.say('zhuxia', '东岭村王某某家自来水不通，挑水吃');
    await t.settle();
    expect(t.wecom.refused).to.be.greaterThan(0);
    expect(t.wecom.received).to.have.length(0);

    t.wecom.setDown(false);
    t.clock.advance(20 * 60_000); // past every backoff
    await t.service.outbox.deliverDue(t.clock.now());
    await t.settle();
    expect(t.wecom.toWebhook(ZHENJIAN)).to.have.length(1);
    expect(t.wecom.toWebhook(NONGYE)).to.have.length(1);
    expect(t.wecom.toUser('zhuxia').filter((r) => r.content.includes('已收到'))).to.have.length(2);
    const pending = await t.service.outbox.list({ status: 'pending' });
    expect(pending).to.have.length(0);
    // a second run sends nothing again
    const count = t.wecom.received.length;
    await t.service.outbox.deliverDue(new Date(t.clock.now().getTime() + 60 * 60_000));
    expect(t.wecom.received.length).to.equal(count);
  });
});

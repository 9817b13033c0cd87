import { expect } from 'chai';
import { FixedClock } from '../../../src/clock';
import { startFakeWeCom, TEST_AGENT_ID, TEST_SECRET, type FakeWeCom } from '../../helpers/fake-wecom';
import { TEST_APP } from '../../helpers/wecom-signer';

// The strict WeCom (the rules /sim and the tests' fake share) refuses what the real servers
// refuse, with their errcodes. Driven over HTTP as the bot's client would call it.
describe('strict WeCom: what the real servers refuse', () => {
  let wecom: FakeWeCom;
  let clock: FixedClock;
  let token: string;

  type Answer = { errcode: number; errmsg: string } & Record<string, unknown>;
  const call = async (path: string, body?: unknown, query: Record<string, string> = {}): Promise<Answer> => {
    const q = new URLSearchParams({ access_token: token, ...query });
    const res = await fetch(`${wecom.base}/cgi-bin/${path}?${q.toString()}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).to.equal(200);
    return (await res.json()) as Answer;
  };
  const getToken = async (): Promise<string> => {
    const res = await fetch(`${wecom.base}/cgi-bin/gettoken?corpid=${TEST_APP.corpId}&corpsecret=${TEST_SECRET}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const send = (body: Record<string, unknown>) => call('message/send', { agentid: TEST_AGENT_ID, ...body });
  const text = (touser: string, content: string) => send({ touser, msgtype: 'text', text: { content } });
  const card = (taskId: string | undefined, type = 'button_interaction') => ({
    card_type: type,
    main_title: { title: '第 1 号问题 待签收' },
    ...(taskId === undefined ? {} : { task_id: taskId }),
    ...(type === 'button_interaction' ? { button_list: [{ text: '签收', key: 'accept:1' }] } : { card_action: { type: 1, url: 'https://bot.example.gov.cn/f/1' } }),
  });
  const robot = (key: string, body: Record<string, unknown>) => call('webhook/send', body, { key });
  const cjk = (n: number): string => '问'.repeat(n); // 3 bytes each in UTF-8

  beforeEach(async () => {
    clock = new FixedClock('2026-12-01T09:00:00+08:00');
    wecom = await startFakeWeCom({ clock, users: ['zhaoli', 'sunwei', 'fenglei', 'outsider', 'nolicence'] });
    wecom.setVisible(['zhaoli', 'sunwei', 'fenglei', 'nolicence']);
    token = await getToken();
  });
  afterEach(() => wecom.close());

  it('gettoken checks the corp and the secret; a stale token is 40014', async () => {
    const wrong = await (await fetch(`${wecom.base}/cgi-bin/gettoken?corpid=${TEST_APP.corpId}&corpsecret=nope`)).json();
    expect(wrong).to.include({ errcode: 40001 });
    token = 'OLD';
    expect(await text('zhaoli', 'x')).to.include({ errcode: 40014 });
  });

  it('template_card task_id: required for button cards, 0-9a-zA-Z_-@ only, at most 128 bytes, never twice for the app', async () => {
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: card(undefined) })).to.include({ errcode: 42014 });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: card('f1:v1') })).to.include({ errcode: 42014 });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: card('a'.repeat(129)) })).to.include({ errcode: 42014 });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: card(`A-z_0@${'a'.repeat(122)}`) })).to.include({ errcode: 0 });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: card('f1v1') })).to.include({ errcode: 0 });
    // A bot whose database was reset starts over with a new token; WeCom still remembers the task_id.
    token = await getToken();
    const again = await send({ touser: 'sunwei', msgtype: 'template_card', template_card: card('f1v1') });
    expect(again.errcode).to.equal(42014);
    expect(again.errmsg).to.contain('taskid has existed');
    expect(wecom.toUser('sunwei')).to.have.length(0);
    expect(wecom.refusedWith(42014).map((r) => r.to)).to.deep.equal(['zhaoli', 'zhaoli', 'zhaoli', 'sunwei']);
  });

  it('template_card shape (40058): a title or sub_title_text; 1 to 6 buttons, each key given once; at most 6 rows', async () => {
    const button = (i: number) => ({ text: `选项${i}`, key: `route:1:${i}` });
    const withButtons = (taskId: string, buttons: unknown[]) => ({ ...card(taskId), button_list: buttons });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: withButtons('s1', []) })).to.include({ errcode: 40058 });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: withButtons('s2', [1, 2, 3, 4, 5, 6, 7].map(button)) })).to.include({ errcode: 40058 });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: withButtons('s3', [button(1), button(1)]) })).to.include({ errcode: 40058 });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: { ...card('s4'), main_title: {} } })).to.include({ errcode: 40058 });
    const rows = Array.from({ length: 7 }, (_, i) => ({ keyname: `第${i}项`, value: '值' }));
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: { ...card('s5'), horizontal_content_list: rows } })).to.include({ errcode: 40058 });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: withButtons('s6', [1, 2, 3, 4, 5, 6].map(button)) })).to.include({ errcode: 0 });
  });

  it('cards with buttons only from an app whose callback URL is configured (43012); notice cards regardless', async () => {
    wecom.setSwitches({ callbackConfigured: false });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: card('t1') })).to.include({ errcode: 43012 });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: card('t2', 'text_notice') })).to.include({ errcode: 0 });
    wecom.setSwitches({ callbackConfigured: true });
    expect(await send({ touser: 'zhaoli', msgtype: 'template_card', template_card: card('t1') })).to.include({ errcode: 0 });
    expect(wecom.toUser('zhaoli').map((r) => r.content)).to.deep.equal(['第 1 号问题 待签收', '第 1 号问题 待签收']);
  });

  it('update_template_card: a response_code works once (60140 when unknown or used); the body is checked', async () => {
    const sent = await send({ touser: 'zhaoli|sunwei', msgtype: 'template_card', template_card: card('t9') });
    const code = sent.response_code as string;
    const update = (body: Record<string, unknown>) => call('message/update_template_card', { agentid: TEST_AGENT_ID, ...body });
    expect(await update({ response_code: code, userids: ['zhaoli'] })).to.include({ errcode: 40058 });
    expect(await update({ response_code: code, userids: 'zhaoli', button: { replace_name: '已签收' } })).to.include({ errcode: 40058 });
    expect(await update({ response_code: code, userids: ['zhaoli'], button: { replace_name: '已签收' } })).to.include({ errcode: 0 });
    expect(await update({ response_code: code, userids: ['sunwei'], button: { replace_name: '已签收' } })).to.include({ errcode: 60140 });
    expect(await update({ response_code: 'NEVER-ISSUED', atall: 1, button: { replace_name: '已签收' } })).to.include({ errcode: 60140 });
    const click = wecom.issueClickCode();
    expect(await update({ response_code: click, atall: 1, button: { replace_name: '已办结' } })).to.include({ errcode: 0 });
    expect(wecom.received.filter((r) => r.api === 'message/update_template_card').map((r) => r.content)).to.deep.equal(['已签收', '已办结']);
  });

  it('sizes in UTF-8 bytes: app text and markdown 2048 (45002), robot text 2048 and markdown 4096 (40058), smart bot 20480', async () => {
    expect(await text('zhaoli', `${cjk(682)}ab`)).to.include({ errcode: 0 }); // 2048 bytes
    expect(await text('zhaoli', `${cjk(682)}abc`)).to.include({ errcode: 45002 });
    expect(await send({ touser: 'zhaoli', msgtype: 'markdown', markdown: { content: cjk(683) } })).to.include({ errcode: 45002 });
    expect(await robot('K1', { msgtype: 'text', text: { content: cjk(683) } })).to.include({ errcode: 40058 });
    expect(await robot('K1', { msgtype: 'markdown', markdown: { content: `${cjk(1365)}a` } })).to.include({ errcode: 0 }); // 4096
    const over = await robot('K1', { msgtype: 'markdown', markdown: { content: `${cjk(1365)}ab` } });
    expect(over.errcode).to.equal(40058);
    expect(over.errmsg).to.contain('markdown.content exceed max length 4096');
    const response = (code: string, content: string) => fetch(`${wecom.base}/cgi-bin/aibot/response?response_code=${code}`, { method: 'POST', body: JSON.stringify({ msgtype: 'markdown', markdown: { content } }) }).then((r) => r.json());
    expect(await response('R1', `${cjk(6826)}ab`)).to.include({ errcode: 0 }); // 20480
    expect(await response('R2', `${cjk(6826)}abc`)).to.include({ errcode: 40058 });
    expect(await response('R1', 'again')).to.include({ errcode: 40058 });
    expect(wecom.toWebhook('K1')).to.have.length(1);
  });

  it('group robot: 20 messages a minute (45009); notice cards only, and they need card_action (42045)', async () => {
    for (let i = 1; i <= 20; i++) expect(await robot('K1', { msgtype: 'markdown', markdown: { content: `第 ${i} 条` } })).to.include({ errcode: 0 });
    expect(await robot('K1', { msgtype: 'markdown', markdown: { content: '第 21 条' } })).to.include({ errcode: 45009 });
    expect(await robot('K2', { msgtype: 'markdown', markdown: { content: '另一个群' } })).to.include({ errcode: 0 });
    clock.advance(60_001);
    expect(await robot('K1', { msgtype: 'markdown', markdown: { content: '一分钟后' } })).to.include({ errcode: 0 });
    expect(await robot('K2', { msgtype: 'template_card', template_card: card(undefined) })).to.include({ errcode: 40008 });
    const noAction = card(undefined, 'text_notice');
    delete (noAction as Record<string, unknown>).card_action;
    expect(await robot('K2', { msgtype: 'template_card', template_card: noAction })).to.include({ errcode: 42045 });
    expect(await robot('K2', { msgtype: 'template_card', template_card: card(undefined, 'text_notice') })).to.include({ errcode: 0 });
    expect(wecom.toWebhook('K1').map((r) => r.content).at(-1)).to.equal('一分钟后');
    expect(wecom.refusedWith(45009)).to.have.length(1);
  });

  it('app messages: over 30 a minute for a member are answered ok and silently dropped; so is the 1,001st in an hour', async function () {
    this.timeout(120_000); // a thousand and some calls
    for (let i = 1; i <= 31; i++) expect(await text('zhaoli|sunwei', `第 ${i} 条`)).to.include({ errcode: 0 });
    expect(wecom.toUser('zhaoli')).to.have.length(30);
    expect(wecom.dropped.map((d) => [d.to, d.content])).to.deep.equal([['zhaoli|sunwei', '第 31 条']]);
    clock.advance(60_001);
    expect(await text('zhaoli', '下一分钟')).to.include({ errcode: 0 });
    expect(wecom.toUser('zhaoli').at(-1)!.content).to.equal('下一分钟');

    // 1,000 an hour: 30 a minute for 33 minutes and 10 more reach fenglei, the next is dropped.
    for (let minute = 0; minute < 34; minute++) {
      clock.advance(60_001);
      for (let i = 0; i < (minute < 33 ? 30 : 10); i++) await text('fenglei', `m${minute}-${i}`);
    }
    expect(wecom.toUser('fenglei')).to.have.length(1000);
    clock.advance(60_001);
    expect(await text('fenglei', '第 1001 条')).to.include({ errcode: 0 });
    expect(wecom.toUser('fenglei')).to.have.length(1000);
    expect(wecom.dropped.at(-1)).to.include({ to: 'fenglei', content: '第 1001 条' });
  });

  it('recipients: empty touser is 82001; people outside the visible range come back in invaliduser, unlicensed in unlicenseduser, as a string or an array', async () => {
    expect(await send({ touser: '', msgtype: 'text', text: { content: 'x' } })).to.include({ errcode: 82001 });
    expect(await text('outsider|nobody', 'x')).to.include({ errcode: 81013 });
    wecom.setUnlicensed(['nolicence']);
    const partly = await text('zhaoli|outsider|nolicence', '第 3 号问题');
    expect(partly).to.include({ errcode: 0, invaliduser: 'outsider', unlicenseduser: 'nolicence' });
    wecom.setSwitches({ invalidUserAs: 'array' });
    expect(await text('zhaoli|outsider|nobody', 'y')).to.deep.include({ errcode: 0, invaliduser: ['outsider', 'nobody'], unlicenseduser: [] });
    expect(wecom.toUser('zhaoli').map((r) => r.content)).to.deep.equal(['第 3 号问题', 'y']);
    expect(wecom.toUser('outsider')).to.have.length(0);
    expect(wecom.toUser('nolicence')).to.have.length(0);
  });

  it('appchat: only chats this app created (86008), chatid 0-9a-zA-Z (86001), no template_card (40008)', async () => {
    const created = await call('appchat/create', { name: '民政办“回头看”工作群', owner: 'zhaoli', userlist: ['zhaoli', 'sunwei'], chatid: 'minzheng01' });
    expect(created).to.include({ errcode: 0, chatid: 'minzheng01' });
    expect(await call('appchat/create', { name: 'x', owner: 'zhaoli', userlist: ['zhaoli', 'sunwei'], chatid: 'min-zheng' })).to.include({ errcode: 86001 });
    expect(await call('appchat/create', { name: 'x', owner: 'zhaoli', userlist: ['zhaoli'] })).to.include({ errcode: 86006 });
    expect(await call('appchat/create', { name: 'x', owner: 'zhaoli', userlist: ['zhaoli', 'outsider'] })).to.include({ errcode: 86007 });
    const chatSend = (chatid: string, body: Record<string, unknown> = { msgtype: 'markdown', markdown: { content: '**第 5 号问题**' } }) => call('appchat/send', { chatid, ...body });
    expect(await chatSend('minzheng01')).to.include({ errcode: 0 });
    expect(await chatSend('someonesgroup')).to.include({ errcode: 86008 });
    expect(await chatSend('min-zheng')).to.include({ errcode: 86001 });
    expect(await chatSend('minzheng01', { msgtype: 'template_card', template_card: card('t5') })).to.include({ errcode: 40008 });
    expect(await call('appchat/get', undefined, { chatid: 'minzheng01' })).to.deep.include({ chat_info: { chatid: 'minzheng01', name: '民政办“回头看”工作群', owner: 'zhaoli', userlist: ['zhaoli', 'sunwei'], chat_type: 0 } });
    expect(await call('appchat/get', undefined, { chatid: 'someonesgroup' })).to.include({ errcode: 86003 });
    expect(wecom.toChat('minzheng01').map((r) => r.content)).to.deep.equal(['**第 5 号问题**']);
  });

  it('"IP not trusted": every app call answers 60020 until the switch is off; robots are not the app', async () => {
    wecom.setSwitches({ ipNotTrusted: true });
    expect(await getToken()).to.equal(token);
    for (const answer of [
      await text('zhaoli', 'x'),
      await call('appchat/send', { chatid: 'minzheng01', msgtype: 'text', text: { content: 'x' } }),
      await call('user/get', undefined, { userid: 'zhaoli' }),
      await call('agent/get', undefined, { agentid: String(TEST_AGENT_ID) }),
    ]) {
      expect(answer.errcode).to.equal(60020);
      expect(answer.errmsg).to.contain('not allow to access from your ip');
    }
    expect(await robot('K1', { msgtype: 'text', text: { content: '机器人照常' } })).to.include({ errcode: 0 });
    wecom.setSwitches({ ipNotTrusted: false });
    expect(await text('zhaoli', '恢复了')).to.include({ errcode: 0 });
    expect(wecom.toUser('zhaoli').map((r) => r.content)).to.deep.equal(['恢复了']);
    expect(wecom.refusedWith(60020).map((r) => r.api)).to.deep.equal(['message/send', 'appchat/send', 'user/get', 'agent/get']);
  });

  it('user/get and agent/get show the visible range (what cli doctor checks)', async () => {
    expect(await call('user/get', undefined, { userid: 'zhaoli' })).to.include({ errcode: 0, userid: 'zhaoli' });
    expect(await call('user/get', undefined, { userid: 'outsider' })).to.include({ errcode: 60011 });
    expect(await call('user/get', undefined, { userid: 'nobody' })).to.include({ errcode: 60111 });
    const agent = await call('agent/get', undefined, { agentid: String(TEST_AGENT_ID) });
    expect((agent.allow_userinfos as { user: { userid: string }[] }).user.map((u) => u.userid)).to.deep.equal(['zhaoli', 'sunwei', 'fenglei', 'nolicence']);
  });
});

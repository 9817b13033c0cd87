import { expect } from 'chai';
import { startServiceWithBot, until, type FakeBotServer } from '../../helpers/fake-bot-server';
import type { Received } from '../../helpers/fake-wecom';
import { startTestService, type TestService } from '../../helpers/service';

/**
 * A report, a 退回 reason and a 整改完成 note full of markup, as members would type them: what
 * WeCom receives must show their words, and none of their markup may be active. Checked on the
 * requests the fake WeCom (and the fake smart-bot server) received.
 */

const ZHENJIAN = 'EXAMPLE-ZHENJIAN-ROBOT-KEY';
const REPORT =
  '东岭村李某某家危房，屋顶漏雨<script>alert(2)</script> <@zhengkai> <@all> [点这里](http://evil.example/x) ![图](http://evil.example/a.png) <font color="warning">紧急</font>\n# **【督办】第 99 号问题**\n> 镇领导批示\n- 列表项';
const REASON = '<@all> **【督办】**[原因](http://evil.example/r) <font color="info">不属于本单位</font>';
const NOTE = '# 已整改\n> **【督办】**已完成 [照片](http://evil.example/p) <@wangzhen> `code` | 表 |\n1. 换瓦\n- 补漏';

/** Markup a member could have written, in any dialect WeCom renders. */
const PERSON_MARKUP: Record<string, RegExp> = {
  script: /<script/i,
  mention: /<@(zhengkai|all|wangzhen)>/,
  link: /\]\(http:\/\/evil/,
  image: /!\[/,
  'font tag': /<font color="(info|warning)">(紧急|不属于)/,
  heading: /^[ \t]*#/m,
  'bold 督办': /\*\*【督办】/,
  code: /`code`/,
  table: /\| 表 \|/,
  list: /^[ \t]*(-|\d+\.)[ \t]/m,
};

/** Group robots and app markdown have no tables: a `|` there is just a bar. */
function expectInert(message: Received | { content: string }, dialect: 'robot' | 'bot'): void {
  for (const [name, pattern] of Object.entries(PERSON_MARKUP)) {
    if (dialect === 'robot' && name === 'table') continue;
    expect(message.content, `${name} active in ${JSON.stringify(message.content)}`).not.to.match(pattern);
  }
}

const folded = (s: string): string => s.normalize('NFKC').replace(/\s+/g, ' ');

describe('what people write reaches WeCom inert (app and group robot)', () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('a report, a 退回 reason, a 整改完成 note and a 驳回 reason: group markdown shows the words, not the markup; text carries no mentions', async () => {
    await t.say('zhuxia', REPORT);
    await t.settle();
    const f = await t.service.domain.findings.get(1);
    expect(f).to.include({ status: 'dispatched' });
    expect(f!.departments[0]).to.equal('镇建办');

    const [dispatch] = t.wecom.toWebhook(ZHENJIAN);
    expect(dispatch!.body.msgtype).to.equal('markdown');
    expectInert(dispatch!, 'robot');
    // The bot's own markup stays: its header, quote lines, the deadline's colour, the link, the members' mentions.
    expect(dispatch!.content).to.match(/^\*\*【交办】第 1 号问题\*\*/);
    expect(dispatch!.content.match(/<@[^>]+>/g)).to.deep.equal(['<@hanbing>']);
    expect(dispatch!.content.match(/<font\b/g)).to.have.length(1);
    expect(dispatch!.content.match(/\]\(/g)).to.have.length(1);
    for (const line of dispatch!.content.split('\n').filter((l) => l.startsWith('>'))) expect(line).to.match(/^> [^：\n]{1,6}：/).and.not.to.contain('镇领导批示');
    // Every character the reporter wrote is there (as its full-width look-alike where it was markup).
    expect(folded(dispatch!.content)).to.contain(folded(REPORT).slice(0, 120));

    t.wecom.clear();
    await t.say('hanbing', `退回 1 ${REASON}`);
    await t.settle();
    const toLeader = t.wecom.toUser('wangzhen').find((r) => r.content.includes('退回'));
    const toReporter = t.wecom.toUser('zhuxia').find((r) => r.content.includes('退回'));
    for (const m of [toLeader, toReporter]) {
      expect(m, 'notice of the 退回').to.exist;
      expect(m!.body.msgtype).to.equal('text');
      expect((m!.body.text as Record<string, unknown>).mentioned_list ?? []).to.deep.equal([]);
      expect(m!.content).to.contain(REASON); // text shows what was written, as written
    }
    expect(t.wecom.received.filter((r) => r.api === 'webhook/send' && JSON.stringify(r.body).includes('mentioned_list'))).to.deep.equal([]);

    await t.say('wangzhen', '改派 1 #8');
    await t.say('hanbing', '签收 1');
    await t.settle();
    t.wecom.clear();
    await t.say('hanbing', `整改完成 1 ${NOTE}`);
    await t.settle();
    expect(t.wecom.toUser('zhuxia').some((r) => r.api === 'message/send')).to.equal(true);

    t.wecom.clear();
    await t.say('zhuxia', `驳回 1 ${NOTE}`);
    await t.settle();
    const [rejected] = t.wecom.toWebhook(ZHENJIAN);
    expect(rejected!.content).to.match(/^\*\*第 1 号问题整改反馈被驳回\*\*\n> /);
    expectInert(rejected!, 'robot');
    expect(folded(rejected!.content)).to.contain(folded(NOTE));
  });
});

describe('what people write reaches WeCom inert (smart bot, markdown_v2)', () => {
  let server: FakeBotServer;
  let t: TestService;
  beforeEach(async () => {
    ({ server, t } = await startServiceWithBot());
  });
  afterEach(async () => {
    await t.stop();
    await server.close();
  });

  it('the 退回 reason and the 整改完成 note reach a reporter in a smart-bot chat as inert markdown_v2', async () => {
    server.push({
      msgid: 'ws-markup-1',
      aibotid: 'bot-yaocun',
      chatid: 'CHAT-DONGLING',
      chattype: 'group',
      from: { userid: 'zhuxia' },
      msgtype: 'text',
      text: { content: `@回头看助手 ${REPORT}` },
    });
    await until(async () => (await t.service.domain.findings.count()) === 1);
    await t.settle();
    await until(() => server.sent.length > 0);

    await t.say('hanbing', `退回 1 ${REASON}`);
    await t.settle();
    await until(() => server.sent.some((m) => m.content.includes('退回')));
    const returned = server.sent.find((m) => m.content.includes('退回'))!;
    expectInert(returned, 'bot');
    expect(returned.content).not.to.match(/\*\*/);
    expect(folded(returned.content)).to.contain(folded(REASON));

    await t.say('wangzhen', '改派 1 #8');
    await t.say('hanbing', '签收 1');
    await t.say('hanbing', `整改完成 1 ${NOTE}`);
    await t.settle();
    await until(() => server.sent.some((m) => m.content.includes('已反馈整改完成')));
    const rectified = server.sent.find((m) => m.content.includes('已反馈整改完成'))!;
    expectInert(rectified, 'bot');
    expect(rectified.content).not.to.match(/\*\*|^>/m);
    expect(folded(rectified.content)).to.contain(folded(NOTE));
  });
});

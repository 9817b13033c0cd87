import { randomInt } from 'node:crypto';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { appCardClickXml, appTextXml, botTextJson, signedAppCallback, signedBotCallback, type SignedCallback } from '../wecom/callback-signer';
import { RESPONSE_URL_PATH, SIM_API_PREFIX } from './sim-api.routes';
import type { SimCredentials } from './sim-credentials';
import type { ConversationId, SimMessageDoc } from './sim-message.model';
import type { SimMessageRepository } from './sim-message.repository';
import { effectiveCard } from './sim-render';
import { userConv, type SimOrg } from './sim-org';

/**
 * What members do, delivered to the bot as WeCom delivers it: a message to the app or a card click
 * becomes an encrypted, signed XML callback to /wecom/callback; "@回头看助手 …" in a group becomes
 * a smart-bot JSON callback to /wecom/bot with a response_url served by the simulator.
 */
export interface SimCallbacks {
  /** A member writes to the app (1:1). */
  say(from: string, text: string): Promise<SimMessageDoc>;
  /** A member writes in a group; with `toBot` it @-mentions the smart bot, which WeCom then delivers. */
  sayInGroup(from: string, conv: ConversationId, text: string, toBot: boolean): Promise<SimMessageDoc>;
  /** A member clicks a button of a card they received. */
  click(from: string, seq: number, key: string): Promise<{ callbackStatus: number }>;
}

export interface SimCallbackDeps {
  repo: SimMessageRepository;
  simOrg: SimOrg;
  credentials: SimCredentials;
  clock: Clock;
  logger: Logger;
  /** This server, e.g. http://127.0.0.1:3000 (known once it listens). */
  base(): string;
}

export function createSimCallbacks(deps: SimCallbackDeps): SimCallbacks {
  const { repo, simOrg, credentials: c, clock } = deps;
  const log = deps.logger.child({ component: 'wecom-simulator' });
  const app = { token: c.token, encodingAesKey: c.encodingAesKey, corpId: c.corpId };
  const seconds = (): number => Math.floor(clock.now().getTime() / 1000);
  // MsgIds are 64-bit numbers above 2^53, as WeCom's are: unique per message of this database.
  const msgId = (seq: number): string => String(7_000_000_000_000_000_000n + BigInt(seq) * 1000n + BigInt(randomInt(1000)));

  const post = async (path: string, signed: SignedCallback): Promise<number> => {
    try {
      const res = await fetch(`${deps.base()}${path}?${signed.query}`, { method: 'POST', body: signed.body, signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.status !== 200) log.warn({ path, status: res.status }, '机器人回调接口未返回 200');
      return res.status;
    } catch (err) {
      // WeCom would retry a timeout three times; the simulator records the failure and lets the member resend.
      log.warn({ path, err: (err as Error).message }, '机器人回调接口无法访问');
      return 0;
    }
  };

  const member = (userid: string) => {
    const m = simOrg.member(userid);
    if (!m) throw new AppError('bad_request', `组织文件中没有成员 ${userid}`);
    return m;
  };
  const checkText = (text: string): string => {
    const t = text.trim();
    if (t === '') throw new AppError('bad_request', '消息不能为空');
    if (t.length > 2000) throw new AppError('bad_request', '消息过长（最多 2000 字）');
    return t;
  };

  return {
    async say(from, text) {
      member(from);
      const content = checkText(text);
      const message = await repo.record({ at: clock.now(), convs: [userConv(from)], direction: 'in', from, api: 'member', msgtype: 'text', content });
      const xml = appTextXml({ from, to: c.corpId, content, msgId: msgId(message.seq), createTime: seconds(), agentId: c.agentId });
      const status = await post('/wecom/callback', signedAppCallback({ ...app, xml, agentId: c.agentId, timestamp: String(seconds()) }));
      await repo.setCallbackStatus(message.seq, status);
      return { ...message, callbackStatus: status };
    },

    async sayInGroup(from, conv, text, toBot) {
      member(from);
      const group = simOrg.group(conv);
      if (!group) throw new AppError('bad_request', '没有这个群');
      const body = checkText(text);
      const content = toBot ? `@${c.botName} ${body}` : body;
      const message = await repo.record({ at: clock.now(), convs: [conv], direction: 'in', from, api: 'member', msgtype: 'text', content, toBot });
      if (!toBot) return message; // WeCom delivers group chatter to nobody
      const code = await repo.issueCode('bot_response', { conv }, clock.now());
      const json = botTextJson({
        msgid: `simbot${message.seq}x${randomInt(1_000_000)}`,
        from,
        chatid: group.chatId,
        aibotid: 'SIMAIBOT',
        responseUrl: `${deps.base()}${SIM_API_PREFIX}${RESPONSE_URL_PATH}?response_code=${code}`,
        content: body,
        mention: c.botName,
      });
      const status = await post('/wecom/bot', signedBotCallback({ token: c.botToken, encodingAesKey: c.botEncodingAesKey, json, timestamp: String(seconds()) }));
      await repo.setCallbackStatus(message.seq, status);
      return { ...message, callbackStatus: status };
    },

    async click(from, seq, key) {
      member(from);
      const message = await repo.get(seq);
      if (!message?.card || !message.convs.includes(userConv(from))) throw new AppError('bad_request', '该成员没有收到这张卡片');
      const view = effectiveCard(message, from);
      if (view.replaceName !== undefined) throw new AppError('conflict', `按钮已变为“${view.replaceName}”，不能再点击`);
      const buttons = (view.card.button_list as { key?: unknown }[] | undefined) ?? [];
      if (!buttons.some((b) => b.key === key)) throw new AppError('bad_request', '卡片上没有这个按钮');
      const code = await repo.issueCode('click', { seq, userid: from }, clock.now());
      const xml = appCardClickXml({
        from,
        to: c.corpId,
        eventKey: key,
        taskId: typeof view.card.task_id === 'string' ? view.card.task_id : `sim${seq}`,
        responseCode: code,
        cardType: typeof view.card.card_type === 'string' ? view.card.card_type : 'button_interaction',
        createTime: seconds(),
        agentId: c.agentId,
      });
      const status = await post('/wecom/callback', signedAppCallback({ ...app, xml, agentId: c.agentId, timestamp: String(seconds()) }));
      return { callbackStatus: status };
    },
  };
}

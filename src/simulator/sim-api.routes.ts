import type Router from '@koa/router';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { SimCredentials } from './sim-credentials';
import type { ConversationId, SimOutcome } from './sim-message.model';
import type { SimMessageRepository } from './sim-message.repository';
import { appchatConv, userConv, webhookConv, type SimOrg } from './sim-org';
import { createWeComApiRouter, type Delivery, type RefusedCall, type WeComBackend } from './wecom-api.routes';
import { errcodeWords, type WeComState } from './wecom-rules';

/**
 * The strict WeCom API under `/sim/api/cgi-bin/…` (the client's base URL in simulator mode is
 * `http://127.0.0.1:$PORT/sim/api`), keeping what passed through it in the simulator's database:
 * what WeCom accepted shows in each conversation, and so does what it refused or dropped, with
 * the errcode in words.
 */

export const SIM_API_PREFIX = '/sim/api';
/** A smart bot's response_url: valid once, for an hour (doc 101138). */
export const RESPONSE_URL_PATH = '/cgi-bin/aibot/response';
const RESPONSE_URL_MAX_AGE_MS = 60 * 60_000;
/** update_template_card's response_code: once, within 72 hours. */
const CARD_CODE_MAX_AGE_MS = 72 * 3600_000;
export const OAUTH_CODE_MAX_AGE_MS = 5 * 60_000;
/** Refusals that belong to no conversation (a token, agent/get): the admin panel lists the latest. */
const CALL_LOG_SIZE = 50;

export interface SimApiDeps {
  repo: SimMessageRepository;
  simOrg: SimOrg;
  credentials: SimCredentials;
  state: WeComState;
  clock: Clock;
  logger: Logger;
}

export interface SimApi {
  router: Router;
  /** The latest refusals, newest first, for the admin panel. */
  refusals(): RefusedCall[];
}

const FROM: Record<Delivery['api'], string> = { 'message/send': 'app', 'appchat/send': 'app', 'webhook/send': 'robot', 'aibot/response': 'bot' };

export function createSimApi(deps: SimApiDeps): SimApi {
  const { repo, simOrg, clock } = deps;
  const log = deps.logger.child({ component: 'wecom-simulator' });
  const calls: RefusedCall[] = [];

  /** Where a message addressed this way shows on the page (people and groups the organisation file knows). */
  const convsOf = (api: string, to: string[]): ConversationId[] => {
    if (api === 'message/send') return to.flatMap((u) => u.split('|')).filter((u) => simOrg.member(u)).map(userConv);
    if (api === 'appchat/send') return to.map(appchatConv).filter((c) => simOrg.group(c));
    if (api === 'webhook/send') return to.map(webhookConv).filter((c) => simOrg.group(c));
    return [];
  };

  const record = async (delivery: Delivery, convs: ConversationId[], outcome: SimOutcome | null, responseCode: string | null = null) =>
    repo.record({ at: delivery.at, convs, direction: 'out', from: FROM[delivery.api], api: delivery.api, ...delivery.readable, responseCode, outcome });

  const backend: WeComBackend = {
    async deliver(delivery) {
      const responseCode = delivery.readable.card && delivery.api === 'message/send' ? await repo.issueCode('click', {}, delivery.at) : null;
      const message = await record(delivery, convsOf(delivery.api, delivery.to), null, responseCode);
      return { msgid: `simmsg${message.seq}`, ...(responseCode ? { responseCode } : {}) };
    },
    async dropped(delivery) {
      log.info({ users: delivery.to }, '企业微信静默丢弃：超过每人每分钟 30 条或每小时 1000 条');
      await record(delivery, convsOf(delivery.api, delivery.to), { kind: 'dropped', errcode: 0, words: '超过每人每分钟 30 条或每小时 1000 条，企业微信未送达（未报错）' });
    },
    async refused(call) {
      calls.unshift(call);
      calls.length = Math.min(calls.length, CALL_LOG_SIZE);
      log.info({ api: call.api, errcode: call.errcode }, `企业微信拒绝：${errcodeWords(call.errcode)}`);
      const convs = convsOf(call.api, [call.to]);
      if (convs.length === 0 || !['message/send', 'appchat/send', 'webhook/send'].includes(call.api)) return;
      const readable = { mentions: [], card: null, ...readableOf(call) };
      await repo.record({ at: call.at, convs, direction: 'out', from: call.api === 'webhook/send' ? 'robot' : 'app', api: call.api, ...readable, outcome: { kind: 'refused', errcode: call.errcode, words: errcodeWords(call.errcode) } });
    },
    async updateCard(code, update) {
      const used = await repo.useCode(code, 'click', update.at, CARD_CODE_MAX_AGE_MS);
      const message = used ? (used.seq !== null ? await repo.get(used.seq) : await repo.bySendCode(code)) : null;
      if (!message) return false;
      const { body: _body, ...change } = update;
      await repo.addUpdate(message.seq, change);
      return true;
    },
    async botResponse(code, delivery) {
      const used = await repo.useCode(code, 'bot_response', delivery.at, RESPONSE_URL_MAX_AGE_MS);
      if (!used?.conv) return false;
      await record(delivery, [used.conv], null);
      return true;
    },
    async oauthUser(code) {
      return (await repo.useCode(code, 'oauth', clock.now(), OAUTH_CODE_MAX_AGE_MS))?.userid ?? null;
    },
    putMedia: ({ at, ...file }) => repo.putMedia({ ...file, createdAt: at }),
    async getMedia(id) {
      const media = await repo.getMedia(id);
      if (!media) return null;
      // A lean read gives BSON Binary, not a Buffer.
      const data: unknown = media.data;
      return { filename: media.filename, contentType: media.contentType, data: Buffer.isBuffer(data) ? data : Buffer.from((data as { buffer: Uint8Array }).buffer) };
    },
    name: (userid) => simOrg.member(userid)?.name ?? userid,
  };

  const c = deps.credentials;
  return {
    router: createWeComApiRouter({
      prefix: `${SIM_API_PREFIX}/cgi-bin`,
      botResponsePath: RESPONSE_URL_PATH.replace('/cgi-bin', ''),
      app: { corpId: c.corpId, secret: c.secret, agentId: c.agentId, name: '“回头看”应用' },
      state: deps.state,
      backend,
      clock,
      unknownApiNote: '（模拟器未提供此接口）',
    }),
    refusals: () => [...calls],
  };
}

/** What a refused message would have said, for the conversation that did not get it. */
function readableOf(call: RefusedCall): { msgtype: string; content: string } {
  const msgtype = typeof call.body.msgtype === 'string' ? call.body.msgtype : 'text';
  const part = call.body[msgtype] as { content?: unknown; main_title?: { title?: unknown } } | undefined;
  const content = typeof part?.content === 'string' ? part.content : typeof part?.main_title?.title === 'string' ? part.main_title.title : '';
  return { msgtype: msgtype === 'template_card' ? 'text' : msgtype, content };
}

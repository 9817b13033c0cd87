import { CHATID_PATTERN } from '../../config/org';
import type { Clock } from '../clock';

/**
 * The strict WeCom: what WeCom's servers enforce, and the state they keep, independent of HTTP.
 * One instance is one corp with one self-built app. The simulator (/sim) and the tests' fake
 * WeCom both answer through it (see wecom-api.routes.ts), so the bot meets the same refusals in
 * both. Sources: WeCom's global error table (doc 90313), app messages (90236, 90248 appchat),
 * template card update (94888), group robots (91770) and WECOM.md's "What the real servers refuse".
 */

export interface WeComSwitches {
  /** The server's IP is not in the app's 企业可信IP: every call but gettoken answers 60020. */
  ipNotTrusted: boolean;
  /** The app has a callback URL; without one, cards with buttons are refused (43012). */
  callbackConfigured: boolean;
  /** How message/send lists bad recipients; WeCom has answered both ways. */
  invalidUserAs: 'string' | 'array';
}

export const DEFAULT_SWITCHES: WeComSwitches = { ipNotTrusted: false, callbackConfigured: true, invalidUserAs: 'string' };

export interface WeComRefusal {
  errcode: number;
  errmsg: string;
}

/** Each errcode the strict WeCom answers, in WeCom's words (errmsg) and in the admin's (Chinese, doc 90313). */
export const WECOM_ERRCODES: Record<number, { errmsg: string; words: string }> = {
  40001: { errmsg: 'invalid credential, access_token is invalid or not latest', words: '不合法的secret参数' },
  40004: { errmsg: 'invalid media type', words: '不合法的媒体文件类型' },
  40007: { errmsg: 'invalid media_id', words: '不合法的media_id参数' },
  40008: { errmsg: 'invalid message type', words: '不合法的msgtype参数' },
  40013: { errmsg: 'invalid corpid', words: '不合法的CorpID' },
  40014: { errmsg: 'invalid access_token', words: '不合法的access_token' },
  40029: { errmsg: 'invalid code', words: '不合法的oauth_code' },
  40056: { errmsg: 'invalid agentid', words: '不合法的agentid' },
  40058: { errmsg: 'invalid Request Parameter', words: '不合法的参数' },
  41001: { errmsg: 'access_token missing', words: '缺少access_token参数' },
  42001: { errmsg: 'access_token expired', words: 'access_token已过期' },
  42014: { errmsg: 'taskid has existed or empty or exceed max len', words: '任务卡片消息的task_id不合法（重复、为空或过长）' },
  42045: { errmsg: 'template_card.card_action required', words: '模版卡片缺少 card_action' },
  43012: { errmsg: 'app need callback url', words: '应用需配置回调url（没有配置回调接口的应用不可发送支持回调的卡片）' },
  44004: { errmsg: 'empty content', words: '文本消息content参数为空' },
  45002: { errmsg: 'content size out of limit', words: '消息内容大小超过限制' },
  45009: { errmsg: 'api freq out of limit', words: '接口调用超过限制' },
  48001: { errmsg: 'api forbidden', words: 'api 未授权' },
  60011: { errmsg: 'no privilege to access/modify contact/party/agent', words: '指定的成员/部门/标签参数无权限（不在应用可见范围）' },
  60020: { errmsg: 'not allow to access from your ip', words: '访问ip不在白名单之中（企业可信IP）' },
  60111: { errmsg: 'userid not found', words: 'UserID不存在' },
  60140: { errmsg: 'invalid response_code', words: 'response_code 无效或已使用' },
  81013: { errmsg: 'user & party & tag all invalid', words: 'UserID、部门ID、标签ID全部非法或无权限' },
  82001: { errmsg: 'All touser & toparty & totag invalid', words: '指定的成员/部门/标签全部为空' },
  86001: { errmsg: 'invalid chatid', words: '参数 chatid 不合法' },
  86003: { errmsg: 'chatid not found', words: '参数 chatid 不存在' },
  86004: { errmsg: 'invalid chat name', words: '参数 群名不合法' },
  86005: { errmsg: 'invalid chat owner', words: '参数 群主不合法' },
  86006: { errmsg: 'chat member count out of range', words: '群成员数过多或过少' },
  86007: { errmsg: 'invalid chat member', words: '不合法的群成员' },
  86008: { errmsg: 'chat not created by this app', words: '非法操作非自己创建的群' },
  93000: { errmsg: 'invalid webhook url', words: '机器人 webhook 地址不合法' },
};

/** A refusal as WeCom words it: errmsg, the detail, and where to look the code up. */
export function refusal(errcode: number, detail?: string): WeComRefusal {
  const known = WECOM_ERRCODES[errcode];
  const text = [known?.errmsg ?? 'error', detail].filter(Boolean).join(': ');
  return { errcode, errmsg: `${text}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}` };
}

/** An errcode in words for a person (the /sim panel, the doctor). */
export function errcodeWords(errcode: number): string {
  return WECOM_ERRCODES[errcode]?.words ?? `错误码 ${errcode}`;
}

/** Sizes WeCom counts in UTF-8 bytes. */
export const BYTE_LIMITS = { appText: 2048, appMarkdown: 2048, robotText: 2048, robotMarkdown: 4096, botMarkdown: 20480 } as const;
/** Per member per app; over that WeCom drops app messages silently (doc 90236). */
export const MEMBER_PER_MINUTE = 30;
export const MEMBER_PER_HOUR = 1000;
/** Per group robot (doc 91770). */
export const ROBOT_PER_MINUTE = 20;
/** appchat/create: 2 to 2000 members, chatid at most 32 characters of 0-9a-zA-Z. */
const CHAT_MEMBERS = { min: 2, max: 2000 } as const;
const TASK_ID = /^[0-9a-zA-Z_\-@]{1,128}$/;
/**
 * The template card's shape as the message/send documentation gives it: a main_title.title or a
 * sub_title_text; at most 6 horizontal_content_list rows; a button_interaction card's button_list
 * of 1 to 6 buttons, each with its text and, for a callback button (type 0), a key of at most
 * 1,024 bytes that no other button of the card has.
 */
function cardShapeRefusal(card: Body): WeComRefusal | null {
  const title = typeof card.main_title === 'object' && card.main_title !== null ? str((card.main_title as Body).title) : '';
  if (title === '' && str(card.sub_title_text) === '') return refusal(40058, 'template_card.main_title.title or sub_title_text required');
  const rows = card.horizontal_content_list;
  if (rows !== undefined && (!Array.isArray(rows) || rows.length > 6)) return refusal(40058, 'template_card.horizontal_content_list: at most 6');
  if (str(card.card_type) !== 'button_interaction') return null;
  const buttons = card.button_list;
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 6) return refusal(40058, 'template_card.button_list: 1 to 6 buttons');
  const keys = new Set<string>();
  for (const button of buttons as Body[]) {
    if (str(button.text) === '') return refusal(40058, 'template_card.button_list.text required');
    if (button.type !== undefined && button.type !== 0) continue;
    const key = str(button.key);
    if (key === '' || bytes(key) > 1024 || keys.has(key)) return refusal(40058, 'template_card.button_list.key: required, at most 1024 bytes, no two alike');
    keys.add(key);
  }
  return null;
}

/** Cards whose buttons call the app back: only from an app with a callback URL, and they need a task_id. */
const CALLBACK_CARDS = new Set(['button_interaction', 'vote_interaction', 'multiple_interaction']);
const NOTICE_CARDS = new Set(['text_notice', 'news_notice']);

export const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** A chatid WeCom accepts (appchat/create, the organisation file): 1-32 characters of 0-9a-zA-Z. */
export const isValidChatId = (chatid: string): boolean => CHATID_PATTERN.test(chatid);

export type Body = Record<string, unknown>;

export interface AppChat {
  chatid: string;
  name: string;
  owner: string;
  userlist: string[];
}

/** Recipients of a message/send, as WeCom sorts them. */
export interface MemberSend {
  /** Received it. */
  delivered: string[];
  /** Answered ok, but over 30 a minute or 1,000 an hour for them: dropped without a word. */
  dropped: string[];
  /** Outside the visible range (or unknown): listed in invaliduser. */
  invalid: string[];
  /** Without an account licence: listed in unlicenseduser. */
  unlicensed: string[];
}

export interface WeComStateOptions {
  clock: Clock;
  /** Who exists in the corp: a list, or 'any' (every userid asked about exists). */
  users?: string[] | 'any';
  /** Group robots' keys that exist; 'any' accepts every key. */
  robots?: string[] | 'any';
  /** Chats the app created before (e.g. by `cli groups create` in an earlier run). */
  chats?: AppChat[];
  switches?: Partial<WeComSwitches>;
}

export interface WeComState {
  readonly switches: Readonly<WeComSwitches>;
  setSwitches(change: Partial<WeComSwitches>): void;
  /** The app's visible range: these members (or 'everyone' in the corp). */
  setVisible(users: string[] | 'everyone'): void;
  /** Members without an account licence (WeCom's 接口许可). */
  setUnlicensed(users: string[]): void;
  isVisible(userid: string): boolean;
  exists(userid: string): boolean;
  /** Members the app may see: the list for agent/get. */
  visibleUsers(): string[];
  chat(chatid: string): AppChat | undefined;
  chats(): AppChat[];
  /** The IP switch: the refusal every call but gettoken meets, or null. */
  gate(): WeComRefusal | null;
  /** message/send: a refusal, or who receives it. Records the task_id and the per-member counts. */
  sendToMembers(body: Body): WeComRefusal | MemberSend;
  /** The invaliduser / unlicenseduser fields of an answer, in the switched shape. */
  recipientFields(send: Pick<MemberSend, 'invalid' | 'unlicensed'>): Record<string, unknown>;
  /** update_template_card's body (the response_code is the backend's to check): a refusal or null. */
  checkCardUpdate(body: Body): WeComRefusal | null;
  appchatCreate(body: Body): WeComRefusal | AppChat;
  /** appchat/send: a refusal, or the chat. */
  appchatSend(body: Body): WeComRefusal | AppChat;
  /** webhook/send: a refusal or null; counts the message when accepted. */
  webhookSend(key: string, body: Body): WeComRefusal | null;
  /** A smart bot's response_url body. */
  botResponse(body: Body): WeComRefusal | null;
}

export const isRefusal = (value: unknown): value is WeComRefusal =>
  typeof value === 'object' && value !== null && typeof (value as WeComRefusal).errcode === 'number' && (value as WeComRefusal).errcode !== 0;

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const part = (body: Body, key: string): Body => (typeof body[key] === 'object' && body[key] !== null ? (body[key] as Body) : {});

export function createWeComState(options: WeComStateOptions): WeComState {
  const { clock } = options;
  const switches: WeComSwitches = { ...DEFAULT_SWITCHES, ...options.switches };
  const corp = options.users === undefined || options.users === 'any' ? 'any' : new Set(options.users);
  const robots = options.robots === undefined || options.robots === 'any' ? 'any' : new Set(options.robots);
  let visible: Set<string> | 'everyone' = 'everyone';
  let unlicensed = new Set<string>();
  const chats = new Map<string, AppChat>((options.chats ?? []).map((c) => [c.chatid, c]));
  // task_ids are unique per app for good: a reset of the bot's database does not reset WeCom.
  const taskIds = new Set<string>();
  const memberSends = new Map<string, number[]>();
  const robotSends = new Map<string, number[]>();

  const exists = (userid: string): boolean => userid !== '' && (corp === 'any' || corp.has(userid));
  const isVisible = (userid: string): boolean => exists(userid) && (visible === 'everyone' || visible.has(userid));
  const visibleUsers = (): string[] => (visible === 'everyone' ? (corp === 'any' ? [] : [...corp]) : [...visible].filter(exists));

  /** Sends within the window, after dropping older ones; the window's count. */
  const recent = (log: Map<string, number[]>, key: string, windowMs: number): number[] => {
    const since = clock.now().getTime() - 3600_000;
    const times = (log.get(key) ?? []).filter((t) => t > since);
    log.set(key, times);
    const from = clock.now().getTime() - windowMs;
    return times.filter((t) => t > from);
  };

  const contentRefusal = (body: Body, limits: { text: number; markdown: number }, code: number): WeComRefusal | null => {
    const msgtype = str(body.msgtype);
    if (msgtype !== 'text' && msgtype !== 'markdown') return null;
    const content = str(part(body, msgtype).content);
    if (content === '') return refusal(44004);
    const limit = msgtype === 'text' ? limits.text : limits.markdown;
    if (bytes(content) > limit) return refusal(code, code === 40058 ? `${msgtype}.content exceed max length ${limit}` : undefined);
    return null;
  };

  const cardRefusal = (card: Body): WeComRefusal | null => {
    const type = str(card.card_type);
    const taskId = card.task_id;
    if (CALLBACK_CARDS.has(type)) {
      if (!switches.callbackConfigured) return refusal(43012);
      if (taskId === undefined) return refusal(42014);
    }
    if (taskId !== undefined && (typeof taskId !== 'string' || !TASK_ID.test(taskId) || bytes(taskId) > 128 || taskIds.has(taskId))) return refusal(42014);
    return cardShapeRefusal(card);
  };

  return {
    get switches() {
      return switches;
    },
    setSwitches(change) {
      Object.assign(switches, change);
    },
    setVisible(users) {
      visible = users === 'everyone' ? 'everyone' : new Set(users);
    },
    setUnlicensed(users) {
      unlicensed = new Set(users);
    },
    isVisible,
    exists,
    visibleUsers,
    chat: (chatid) => chats.get(chatid),
    chats: () => [...chats.values()],

    gate: () => (switches.ipNotTrusted ? refusal(60020, 'from ip: 127.0.0.1') : null),

    sendToMembers(body) {
      const requested = [...new Set(str(body.touser).split('|').filter((u) => u !== ''))];
      if (requested.length === 0 && str(body.toparty) === '' && str(body.totag) === '') return refusal(82001);
      const msgtype = str(body.msgtype);
      if (!['text', 'markdown', 'textcard', 'news', 'template_card', 'image', 'file'].includes(msgtype)) return refusal(40008);
      const content = contentRefusal(body, { text: BYTE_LIMITS.appText, markdown: BYTE_LIMITS.appMarkdown }, 45002);
      if (content) return content;
      const card = msgtype === 'template_card' ? part(body, 'template_card') : null;
      if (card) {
        const refused = cardRefusal(card);
        if (refused) return refused;
      }
      const everyone = requested.includes('@all');
      const reachable = everyone ? visibleUsers() : requested.filter(isVisible);
      const invalid = everyone ? [] : requested.filter((u) => !isVisible(u));
      if (reachable.length === 0 && requested.length > 0) return refusal(81013);
      const licensed = reachable.filter((u) => !unlicensed.has(u));
      if (card && typeof card.task_id === 'string') taskIds.add(card.task_id);
      const now = clock.now().getTime();
      const delivered: string[] = [];
      const dropped: string[] = [];
      for (const u of licensed) {
        const hour = recent(memberSends, u, 3600_000);
        const minute = hour.filter((t) => t > now - 60_000);
        if (minute.length >= MEMBER_PER_MINUTE || hour.length >= MEMBER_PER_HOUR) dropped.push(u);
        else {
          delivered.push(u);
          memberSends.get(u)!.push(now);
        }
      }
      return { delivered, dropped, invalid, unlicensed: reachable.filter((u) => unlicensed.has(u)) };
    },

    recipientFields(send) {
      const shape = (list: string[]): string | string[] => (switches.invalidUserAs === 'array' ? list : list.join('|'));
      return { invaliduser: shape(send.invalid), invalidparty: shape([]), invalidtag: shape([]), unlicenseduser: shape(send.unlicensed) };
    },

    checkCardUpdate(body) {
      if (str(body.response_code) === '') return refusal(60140, 'response_code missing');
      const button = part(body, 'button');
      const hasButton = typeof body.button === 'object' && body.button !== null;
      const hasCard = typeof body.template_card === 'object' && body.template_card !== null;
      if (hasButton === hasCard) return refusal(40058, 'either button.replace_name or template_card');
      if (hasButton && str(button.replace_name) === '') return refusal(40058, 'button.replace_name required');
      if (hasCard) {
        const card = part(body, 'template_card');
        if (!CALLBACK_CARDS.has(str(card.card_type)) && !NOTICE_CARDS.has(str(card.card_type))) return refusal(40058, 'template_card.card_type');
      }
      const users = body.userids;
      if (users !== undefined && (!Array.isArray(users) || users.some((u) => typeof u !== 'string'))) return refusal(40058, 'userids must be an array');
      if (body.atall !== undefined && body.atall !== 0 && body.atall !== 1) return refusal(40058, 'atall');
      if (body.atall !== 1 && !(Array.isArray(users) && users.length > 0) && body.partyids === undefined && body.tagids === undefined) return refusal(82001);
      return null;
    },

    appchatCreate(body) {
      const chatid = body.chatid === undefined ? `wr${clock.now().getTime().toString(36)}${chats.size}` : str(body.chatid);
      if (!isValidChatId(chatid)) return refusal(86001, 'chatid only 0-9a-zA-Z, at most 32');
      if (chats.has(chatid)) return refusal(86001, 'chatid exists');
      const name = str(body.name);
      if (body.name !== undefined && (name === '' || [...name].length > 50)) return refusal(86004); // at most 50 characters
      const userlist = Array.isArray(body.userlist) ? [...new Set(body.userlist.filter((u): u is string => typeof u === 'string'))] : [];
      if (userlist.length < CHAT_MEMBERS.min || userlist.length > CHAT_MEMBERS.max) return refusal(86006);
      const outside = userlist.filter((u) => !isVisible(u));
      if (outside.length) return refusal(86007, outside.join('|'));
      const owner = body.owner === undefined ? userlist[0]! : str(body.owner);
      if (!userlist.includes(owner)) return refusal(86005);
      const created = { chatid, name, owner, userlist };
      chats.set(chatid, created);
      return created;
    },

    appchatSend(body) {
      const chatid = str(body.chatid);
      if (!isValidChatId(chatid)) return refusal(86001);
      const created = chats.get(chatid);
      if (!created) return refusal(86008);
      if (str(body.msgtype) === 'template_card') return refusal(40008, 'appchat takes no template_card');
      if (!['text', 'markdown', 'textcard', 'news', 'image', 'file'].includes(str(body.msgtype))) return refusal(40008);
      return contentRefusal(body, { text: BYTE_LIMITS.appText, markdown: BYTE_LIMITS.appMarkdown }, 45002) ?? created;
    },

    webhookSend(key, body) {
      if (key === '' || (robots !== 'any' && !robots.has(key))) return refusal(93000);
      const msgtype = str(body.msgtype);
      if (msgtype === 'template_card') {
        const card = part(body, 'template_card');
        if (!NOTICE_CARDS.has(str(card.card_type))) return refusal(40008, 'robots send notice cards only');
        if (typeof card.card_action !== 'object' || card.card_action === null) return refusal(42045);
      } else if (!['text', 'markdown', 'markdown_v2', 'news', 'image', 'file'].includes(msgtype)) return refusal(40008);
      const content = contentRefusal(body, { text: BYTE_LIMITS.robotText, markdown: BYTE_LIMITS.robotMarkdown }, 40058);
      if (content) return content;
      if (recent(robotSends, key, 60_000).length >= ROBOT_PER_MINUTE) return refusal(45009);
      robotSends.get(key)!.push(clock.now().getTime());
      return null;
    },

    botResponse(body) {
      const msgtype = str(body.msgtype);
      if (msgtype !== 'markdown' && msgtype !== 'text' && msgtype !== 'template_card' && msgtype !== 'stream') return refusal(40008);
      return contentRefusal(body, { text: BYTE_LIMITS.botMarkdown, markdown: BYTE_LIMITS.botMarkdown }, 40058);
    },
  };
}

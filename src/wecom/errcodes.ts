/**
 * What each WeCom errcode means for a message the bot is sending (global table: doc 90313).
 *
 * - transient: WeCom is busy or the network failed; the same request may work in a moment.
 * - configuration: an admin must change something in WeCom (trusted IP, secret, permissions, the
 *   chat); every message meanwhile must wait, never be given up.
 * - content: WeCom refuses this body (size, a card it will not take); send a smaller or plainer one.
 * - recipient: nobody the message names can be reached (outside the visible range, unlicensed,
 *   unknown); resending will not help.
 * - final: anything else; this request will never work as it is.
 */
export type ErrorKind = 'transient' | 'configuration' | 'content' | 'recipient' | 'final';

/** The admin's fix for each configuration errcode, in the words shown in the log, /healthz and to leaders. */
const CONFIGURATION: Record<number, string> = {
  60020: '服务器出口 IP 不在应用的“企业可信IP”中：请在企业微信管理后台 → 应用管理 → 本应用 → 企业可信IP 中加入本服务器的公网 IP（约一分钟后生效）',
  48002: '应用没有调用该接口的权限：请在企业微信管理后台检查本应用的接口权限和可见范围',
  48001: '应用没有调用该接口的权限：请在企业微信管理后台检查本应用的接口权限',
  40001: '应用 Secret 不正确或已重置：请核对 WECOM_SECRET（多次错误会使本 IP 被封禁一小时）',
  40013: 'CorpID 不正确：请核对 WECOM_CORP_ID（管理后台 → 我的企业 → 企业ID）',
  40091: '应用 Secret 不正确：请核对 WECOM_SECRET',
  40056: 'AgentId 不正确：请核对 WECOM_AGENT_ID（管理后台 → 应用管理 → 本应用）',
  41001: '没有取得 access_token：请核对 WECOM_CORP_ID 和 WECOM_SECRET',
  41002: '缺少 CorpID：请设置 WECOM_CORP_ID',
  41004: '缺少 Secret：请设置 WECOM_SECRET',
  50001: '回调或网页授权的域名不在应用的可信域名中：请在管理后台设置可信域名',
  50002: '成员不在应用的可见范围：请在管理后台调整本应用的可见范围',
  50003: '应用已停用：请在企业微信管理后台启用本应用',
  60011: '应用对这些成员、部门或标签没有权限：请把他们加入本应用的可见范围',
  86008: '该群聊不是本应用创建的（或应用可见范围不是根部门）：请用“cli groups create”由应用建群，并把新的 chatid 写入组织文件',
  86001: 'chatid 不合法（只能是字母和数字）：请用“cli groups create”由应用建群，并把新的 chatid 写入组织文件',
  86003: '群聊不存在：请用“cli groups create”由应用建群，并把新的 chatid 写入组织文件',
  40050: '群聊不存在：请用“cli groups create”由应用建群，并把新的 chatid 写入组织文件',
  301002: '应用无权操作该成员或应用：请在管理后台检查本应用的权限和可见范围',
  93000: '群机器人 key 无效（机器人被移出群或已删除）：请在群里重新添加机器人，并把新 key 写入组织文件',
};

/**
 * Codes that mean the body itself was refused: too long, a card WeCom will not take (43012: the
 * app has no callback URL), a used task_id.
 */
const CONTENT = new Set([40008, 40058, 44004, 45002, 42014, 42045, 40033, 43012]);
/** Codes that mean nobody named can be reached. */
const RECIPIENT = new Set([82001, 81013, 60111, 40003, 40031, 40066, 40070]);
/** Busy, rate or concurrency limits. */
const TRANSIENT = new Set([-1, 45009, 45033, 45011]);

export function classifyErrcode(errcode: number): ErrorKind {
  if (TRANSIENT.has(errcode)) return 'transient';
  if (errcode in CONFIGURATION) return 'configuration';
  if (CONTENT.has(errcode)) return 'content';
  if (RECIPIENT.has(errcode)) return 'recipient';
  return 'final';
}

/** What the admin must do about a configuration errcode (a general line for any other). */
export function configurationAdvice(errcode: number): string {
  return CONFIGURATION[errcode] ?? `企业微信拒绝调用（错误码 ${errcode}）：请在企业微信管理后台检查本应用的配置`;
}

/**
 * Whether a configuration fault stops every call of the app (token-level: IP, secret, corpid,
 * agent) rather than one destination (a chat, a robot key).
 */
export function isAppWide(errcode: number): boolean {
  return ![86008, 86001, 86003, 40050, 93000, 60011, 50002].includes(errcode);
}

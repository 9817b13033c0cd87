import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AppConfig } from '../../config/env';
import type { OrgConfig } from '../../config/org';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { createDirectory } from '../org/directory';
import { plannedChats } from '../org/groups-create.command';
import { createWeComClient, WeComApiError, type WeComClient } from '../wecom/wecom.client';

/**
 * `cli doctor`: checks a live WeCom configuration before the town relies on it, one line per
 * check, each saying what to do when it fails. Where WeCom offers no API to check something, the
 * line says so instead of guessing. A red line means messages would be lost or never arrive.
 */

export interface DoctorCheck {
  title: string;
  /** true: fine; false: messages would be lost; null: cannot be checked from here (see detail). */
  ok: boolean | null;
  detail: string;
  /** What the admin does about a red line. */
  fix?: string;
}

export interface DoctorReport {
  checks: DoctorCheck[];
  /** No red line. */
  ok: boolean;
}

export interface DoctorDeps {
  config: AppConfig;
  org: OrgConfig;
  clock: Clock;
  logger: Logger;
  /** How long to wait for the smart bot's server; default 5 s. */
  timeoutMs?: number;
}

const DEFAULT_BOT_WS = 'wss://openws.work.weixin.qq.com';

const codeOf = (err: unknown): number | null => (err instanceof WeComApiError ? err.errcode : null);
const said = (err: unknown): string => (err instanceof WeComApiError ? `企业微信返回 ${err.errcode}：${err.errmsg}` : `出错：${(err as Error).message}`);
const fromIp = (err: unknown): string | null => (err instanceof WeComApiError ? (/from ip: ([0-9a-fA-F.:]+)/.exec(err.errmsg)?.[1] ?? null) : null);

export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const { config, org } = deps;
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck): void => {
    checks.push(check);
  };
  const app = config.wecom.app;
  const directory = createDirectory(org);
  const name = (userid: string): string => {
    const shown = directory.displayName(userid);
    return shown === userid ? userid : `${shown}（${userid}）`;
  };

  if (!app) {
    add({
      title: '企业微信应用凭据',
      ok: false,
      detail: '未配置 WECOM_CORP_ID、WECOM_AGENT_ID、WECOM_SECRET：服务会以模拟模式运行，消息不会发到企业微信',
      fix: '在 .env 中填入企业 ID、应用 AgentId 和 Secret（管理后台「应用管理 → 自建应用」）',
    });
    return { checks, ok: false };
  }
  const client: WeComClient = createWeComClient({
    apiBase: config.wecom.apiBase,
    corpId: app.corpId,
    secret: app.secret,
    agentId: app.agentId,
    logger: deps.logger,
    clock: deps.clock,
    maxAttempts: 1,
    timeoutMs: deps.timeoutMs ?? 5_000,
  });

  // 1. The token: corp id and secret.
  try {
    await client.getAccessToken();
    add({ title: '凭据（access_token）', ok: true, detail: `企业 ${app.corpId}、应用 ${app.agentId} 的 Secret 有效` });
  } catch (err) {
    const code = codeOf(err);
    add({
      title: '凭据（access_token）',
      ok: false,
      detail: said(err),
      fix:
        code === 40013
          ? '企业 ID（WECOM_CORP_ID）不对：在管理后台「我的企业 → 企业信息」查看'
          : code === 40001
            ? '应用 Secret（WECOM_SECRET）不对：在「应用管理 → 本应用」重新查看；多次用错的 Secret 会使本机 IP 被封一小时'
            : `连不上企业微信接口 ${config.wecom.apiBase}：检查本机网络、代理和 WECOM_API_BASE`,
    });
    return { checks, ok: false };
  }

  // 2. Trusted IP: the first call that needs it. agent/get also proves the agent id.
  try {
    await client.call('agent/get', { query: { agentid: app.agentId } });
    add({ title: '企业可信IP', ok: true, detail: '本服务器可以调用应用接口' });
  } catch (err) {
    const code = codeOf(err);
    const ip = fromIp(err);
    add({
      title: '企业可信IP',
      ok: false,
      detail: said(err),
      fix:
        code === 60020
          ? `在管理后台「应用管理 → 本应用 → 企业可信IP」加入本服务器的出口 IP${ip ? `（企业微信看到的是 ${ip}）` : ''}，保存后约一分钟生效`
          : code === 40056
            ? '应用 AgentId（WECOM_AGENT_ID）不对：在「应用管理 → 本应用」查看'
            : '按企业微信返回的错误码排查（https://open.work.weixin.qq.com/devtool/query）',
    });
    return { checks, ok: false };
  }

  // 3. Every member of the organisation file visible to the app.
  const hidden: string[] = [];
  const missing: string[] = [];
  const failed: string[] = [];
  for (const userid of directory.everyone()) {
    try {
      await client.call('user/get', { query: { userid } });
    } catch (err) {
      const code = codeOf(err);
      if (code === 60011) hidden.push(name(userid));
      else if (code === 60111 || code === 40003) missing.push(name(userid));
      else failed.push(`${name(userid)}（${said(err)}）`);
    }
  }
  const everyone = directory.everyone().length;
  add(
    hidden.length + missing.length + failed.length === 0
      ? { title: '应用可见范围', ok: true, detail: `组织文件中的 ${everyone} 人都在应用可见范围内` }
      : {
          title: '应用可见范围',
          ok: false,
          detail: [
            hidden.length ? `不在可见范围：${hidden.join('、')}` : '',
            missing.length ? `通讯录中没有：${missing.join('、')}` : '',
            failed.length ? `无法查询：${failed.join('、')}` : '',
          ]
            .filter(Boolean)
            .join('；'),
          fix: '在「应用管理 → 本应用 → 可见范围」加入这些成员（或其部门）；userid 写错的，改正组织文件',
        },
  );

  // 4. Licences: no API a self-built app may call.
  add({
    title: '账号许可',
    ok: null,
    detail: '企业微信未向自建应用提供查询成员许可的接口，无法预先检查；发消息时企业微信在 unlicenseduser 中列出未开通许可的成员，机器人会告知单位和领导',
  });

  // 5. Each chat of the organisation file created by this app.
  const chats = plannedChats(org).filter((p) => p.chatid);
  if (chats.length === 0) add({ title: '应用群聊', ok: true, detail: '组织文件没有使用应用群聊（chatid）' });
  else {
    const bad: string[] = [];
    for (const chat of chats) {
      try {
        await client.call('appchat/get', { query: { chatid: chat.chatid! } });
      } catch (err) {
        bad.push(`${chat.unit}（${chat.chatid}：${codeOf(err) === 86003 ? '不存在或不是本应用创建的' : said(err)}）`);
      }
    }
    add(
      bad.length === 0
        ? { title: '应用群聊', ok: true, detail: `${chats.length} 个群聊都由本应用创建，可以发送` }
        : { title: '应用群聊', ok: false, detail: bad.join('；'), fix: '应用只能向自己创建的群聊发消息：运行 npm run --silent cli -- groups create 创建，再核对组织文件中的 chatid' },
    );
  }

  // 6. The callback: cards with buttons need it, members' messages arrive through it.
  add(await callbackCheck(client, config));

  // 7. The smart bot.
  add(await botCheck(config, deps.timeoutMs ?? 5_000));

  // 8. Group robots: a webhook has no API but sending.
  const robots = org.departments.filter((d) => 'webhook' in d.target).length + org.districts.filter((d) => 'webhook' in d.target).length;
  if (robots > 0) {
    add({ title: '群机器人', ok: null, detail: `${robots} 个单位用群机器人：企业微信没有不发消息就能检查 webhook key 的接口；上线当天请在各群确认收到第一条交办消息` });
  }

  return { checks, ok: checks.every((c) => c.ok !== false) };
}

async function callbackCheck(client: WeComClient, config: AppConfig): Promise<DoctorCheck> {
  const title = '回调（接收消息）';
  const url = `${config.publicBaseUrl}/wecom/callback`;
  if (!config.wecom.callback) {
    return { title, ok: false, detail: '未配置 WECOM_TOKEN 和 WECOM_ENCODING_AES_KEY：收不到成员的消息和按钮点击', fix: `在「应用管理 → 本应用 → 接收消息 → 设置API接收」填写 URL ${url}，并把 Token、EncodingAESKey 填入 .env` };
  }
  // WeCom has no API that reads the callback URL back. A card with buttons is refused (43012)
  // by an app without one; sent to a userid that does not exist, it reaches nobody either way.
  try {
    await client.sendAppMessage({
      touser: `doctor${randomBytes(6).toString('hex')}`,
      msgtype: 'template_card',
      template_card: {
        card_type: 'button_interaction',
        main_title: { title: '连接检查' },
        task_id: `doctor${randomBytes(12).toString('hex')}`,
        button_list: [{ text: '检查', key: 'doctor' }],
      },
    });
    return { title, ok: true, detail: `已配置（以不存在的接收人发送按钮卡片探测，未送达任何人）；回调地址应为 ${url}` };
  } catch (err) {
    const code = codeOf(err);
    if (code === 81013 || code === 40031 || code === 82001) {
      return { title, ok: true, detail: `已配置（以不存在的接收人发送按钮卡片探测，未送达任何人）；回调地址应为 ${url}` };
    }
    if (code === 43012) {
      return { title, ok: false, detail: '应用没有配置接收消息的回调 URL：企业微信拒发带按钮的卡片（43012），也不会转来成员的消息', fix: `在「应用管理 → 本应用 → 接收消息 → 设置API接收」填写 URL ${url}、Token 和 EncodingAESKey（与 .env 一致），服务须先运行以通过企业微信的校验` };
    }
    return { title, ok: null, detail: `无法判断（${said(err)}）` };
  }
}

async function botCheck(config: AppConfig, timeoutMs: number): Promise<DoctorCheck> {
  const title = '智能机器人';
  const lc = config.wecom.botLongConnection;
  if (lc) {
    // Subscribing would take the connection from the running service (one per bot): only the
    // WebSocket handshake is tried.
    const url = lc.url ?? DEFAULT_BOT_WS;
    const answer = await websocketHandshake(url, timeoutMs);
    return answer === true
      ? { title, ok: true, detail: `长连接服务器 ${url} 可以连上（未订阅，以免挤掉正在运行的服务的连接）` }
      : { title, ok: false, detail: `长连接服务器 ${url} 连不上：${answer}`, fix: '检查本机能否访问该地址（防火墙、代理），以及 WECOM_BOT_WS_URL' };
  }
  if (config.wecom.bot) {
    return { title, ok: null, detail: '回调模式：企业微信没有可供检查的接口；在群里 @机器人 发“帮助”，收到回复即正常' };
  }
  return { title, ok: null, detail: '未配置（可选）：群里 @机器人 报告和签收不可用' };
}

/** true when a WebSocket server answers the upgrade; otherwise why not. */
function websocketHandshake(url: string, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve('地址无效');
      return;
    }
    const secure = target.protocol === 'wss:' || target.protocol === 'https:';
    const req = (secure ? https : http).request({
      hostname: target.hostname,
      port: target.port || (secure ? 443 : 80),
      path: `${target.pathname}${target.search}`,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') },
      timeout: timeoutMs,
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(true);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(`HTTP ${res.statusCode}，不是 WebSocket 服务`);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(`${Math.round(timeoutMs / 1000)} 秒内无响应`);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

/** The checklist as printed: ✔ fine, ✘ loses messages (with what to do), － not checkable. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = report.checks.map((c) => {
    const mark = c.ok === true ? '✔' : c.ok === false ? '✘' : '－';
    return `${mark} ${c.title}：${c.detail}${c.ok === false && c.fix ? `\n    处理：${c.fix}` : ''}`;
  });
  const red = report.checks.filter((c) => c.ok === false).length;
  lines.push(red === 0 ? '结论：可以上线（“－”的项目请按说明人工确认）' : `结论：${red} 项未通过，按“处理”一项项改好后再运行本检查；不改会丢消息或收不到消息`);
  return `${lines.join('\n')}\n`;
}

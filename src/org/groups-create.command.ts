import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { loadConfigFromProcess } from '../../config/env';
import { resolveOrgConfigPath, loadOrgConfig, type OrgConfig, type Target } from '../../config/org';
import { systemClock } from '../clock';
import { createLogger } from '../logger';
import { createWeComClient, WeComApiError, type WeComClient } from '../wecom/wecom.client';

/**
 * `cli groups create [--all] [--write FILE]`: makes the groups the app may send to. WeCom lets an
 * app post only into chats it created itself (appchat/create; 86008 otherwise), so each unit's or
 * 管区's `{ chatid }` group is created here with the organisation file's people: the unit's
 * members (and, for a 管区, its villages' 包村干部), the first of them the owner. A chat needs two
 * people; a unit with one member gets the first leader as well. With --all, units and 管区 that
 * post through a robot or to people get an app chat too (WeCom picks its chatid), and --write FILE
 * writes a copy of the organisation file whose targets name the new chats.
 */

export interface PlannedChat {
  /** 部门 or 管区 name. */
  unit: string;
  /** Where its target sits in the organisation file, e.g. ['departments', 7, 'target']. */
  path: (string | number)[];
  /** The organisation file's chatid; absent when WeCom is to choose one (--all). */
  chatid?: string;
  name: string;
  owner: string;
  userlist: string[];
}

export interface GroupResult {
  unit: string;
  chatid: string | null;
  /** created: made now; exists: the app had made it before; failed: see error. */
  status: 'created' | 'exists' | 'failed';
  members: string[];
  error?: string;
}

const CHAT_MIN_MEMBERS = 2;

/** The app chats the organisation file asks for (with `all`, one for every unit and 管区). */
export function plannedChats(org: OrgConfig, options: { all?: boolean } = {}): PlannedChat[] {
  const plans: PlannedChat[] = [];
  const plan = (unit: string, target: Target, at: (string | number)[], people: string[]): void => {
    const isChat = 'chatid' in target;
    if (!isChat && !options.all) return;
    const userlist = [...new Set(people)];
    for (const leader of org.leaders) if (userlist.length < CHAT_MIN_MEMBERS && !userlist.includes(leader.userid)) userlist.push(leader.userid);
    plans.push({
      unit,
      path: [...at, 'target'],
      ...(isChat ? { chatid: target.chatid } : {}),
      name: `${org.town}${unit}“回头看”工作群`,
      owner: userlist[0]!,
      userlist,
    });
  };
  org.departments.forEach((d, i) => plan(d.name, d.target, ['departments', i], 'users' in d.target ? [...d.members, ...d.target.users] : d.members));
  org.districts.forEach((d, i) => plan(d.name, d.target, ['districts', i], [...d.members, ...d.villages.flatMap((v) => (v.cadre ? [v.cadre] : []))]));
  return plans;
}

const describe = (err: unknown): string =>
  err instanceof WeComApiError ? `企业微信拒绝（${err.errcode}）：${err.errmsg}` : (err as Error).message;

/** Creates what is planned and not yet there; one result per planned chat. */
export async function createGroups(client: WeComClient, plans: PlannedChat[]): Promise<GroupResult[]> {
  const results: GroupResult[] = [];
  for (const p of plans) {
    const base = { unit: p.unit, members: p.userlist };
    if (p.chatid) {
      try {
        await client.call('appchat/get', { query: { chatid: p.chatid } });
        results.push({ ...base, chatid: p.chatid, status: 'exists' });
        continue;
      } catch (err) {
        // 86003: not there (or not this app's); anything else stops this one.
        if (!(err instanceof WeComApiError && err.errcode === 86003)) {
          results.push({ ...base, chatid: p.chatid, status: 'failed', error: describe(err) });
          continue;
        }
      }
    }
    try {
      const answer = await client.call('appchat/create', { body: { name: p.name, owner: p.owner, userlist: p.userlist, ...(p.chatid ? { chatid: p.chatid } : {}) } });
      results.push({ ...base, chatid: typeof answer.chatid === 'string' ? answer.chatid : (p.chatid ?? null), status: 'created' });
    } catch (err) {
      results.push({ ...base, chatid: p.chatid ?? null, status: 'failed', error: describe(err) });
    }
  }
  return results;
}

/** A copy of the organisation file (comments kept) whose targets name the chats made. */
export function orgWithChats(text: string, plans: PlannedChat[], results: GroupResult[]): string {
  const doc = parseDocument(text);
  plans.forEach((p, i) => {
    const chatid = results[i]?.chatid;
    if (chatid && results[i]!.status !== 'failed') doc.setIn(p.path, doc.createNode({ chatid }, { flow: true }));
  });
  return doc.toString();
}

const USAGE = '用法：groups create [--all] [--write 新组织文件路径]';

export async function groupsCommand(args: string[]): Promise<unknown> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new Error(USAGE);
  let write: string | undefined;
  let all = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--all') all = true;
    else if (rest[i] === '--write' && rest[i + 1]) write = rest[++i];
    else throw new Error(USAGE);
  }
  const config = loadConfigFromProcess();
  if (!config.wecom.app) throw new Error('未配置企业微信应用（WECOM_CORP_ID、WECOM_AGENT_ID、WECOM_SECRET）：群聊须由应用创建');
  const file = resolveOrgConfigPath(config.orgConfigPath, config.orgConfigExplicit).file;
  if (write && path.resolve(write) === path.resolve(file)) throw new Error('--write 不能覆盖正在使用的组织文件，请写到新文件，核对后再替换');
  const org = loadOrgConfig(file);
  const plans = plannedChats(org, { all });
  const app = config.wecom.app;
  const client = createWeComClient({ apiBase: config.wecom.apiBase, corpId: app.corpId, secret: app.secret, agentId: app.agentId, logger: createLogger({ level: 'silent' }), clock: systemClock, maxAttempts: 2 });
  const results = await createGroups(client, plans);
  if (write) writeFileSync(write, orgWithChats(readFileSync(file, 'utf8'), plans, results));
  const failed = results.filter((r) => r.status === 'failed');
  process.stderr.write(
    `群聊：新建 ${results.filter((r) => r.status === 'created').length}，已存在 ${results.filter((r) => r.status === 'exists').length}，失败 ${failed.length}${write ? `；已写入 ${write}` : ''}\n`,
  );
  if (failed.length) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    throw new Error(`${failed.map((f) => `${f.unit}：${f.error}`).join('；')}`);
  }
  return results;
}

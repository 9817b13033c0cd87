import { createHash } from 'node:crypto';
import type { OrgConfig, Target } from '../../config/org';
import type { Directory } from '../org/directory';
import type { ConversationId } from './sim-message.model';

/**
 * The organisation file seen as WeCom would show it: group chats (a robot's group or an app group
 * chat per target, the leaders' digest group) and members, each with the chat they have with the app.
 */

export interface SimGroup {
  id: ConversationId;
  /** e.g. "民政办" or "第一管区、扶贫办" when two units share one group. */
  name: string;
  /** 部门群, 管区群, 领导群 */
  label: string;
  /** 群机器人 or 应用群聊 */
  via: 'webhook' | 'appchat';
  /** The group robot's key or the app chat's chatid. */
  address: string;
  /** The chatid a smart bot sees for this group. */
  chatId: string;
  members: string[];
}

export interface SimMember {
  userid: string;
  name: string;
  conv: ConversationId;
  /** 领导, units they belong to, 包村干部 of which villages. */
  roles: string[];
}

export const userConv = (userid: string): ConversationId => `u:${userid}`;
export const webhookConv = (key: string): ConversationId => `g:webhook:${key}`;
export const appchatConv = (chatid: string): ConversationId => `g:chat:${chatid}`;

function targetConv(target: Target): { id: ConversationId; via: SimGroup['via']; address: string } | null {
  if ('webhook' in target) return { id: webhookConv(target.webhook), via: 'webhook', address: target.webhook };
  if ('chatid' in target) return { id: appchatConv(target.chatid), via: 'appchat', address: target.chatid };
  return null; // { users }: messages go to the people themselves
}

export interface SimOrg {
  groups: SimGroup[];
  members: SimMember[];
  group(id: ConversationId): SimGroup | undefined;
  groupByChatId(chatId: string): SimGroup | undefined;
  member(userid: string): SimMember | undefined;
}

export function createSimOrg(org: OrgConfig, directory: Directory): SimOrg {
  const groups = new Map<ConversationId, SimGroup>();
  const add = (target: Target, name: string, label: string, members: string[]): void => {
    const t = targetConv(target);
    if (!t) return;
    const existing = groups.get(t.id);
    if (existing) {
      existing.name = `${existing.name}、${name}`;
      for (const m of members) if (!existing.members.includes(m)) existing.members.push(m);
      return;
    }
    const chatId = `wr${createHash('sha1').update(t.id).digest('hex').slice(0, 20)}`;
    groups.set(t.id, { id: t.id, name, label, via: t.via, address: t.address, chatId, members: [...new Set(members)] });
  };
  for (const d of org.departments) add(d.target, d.name, '部门群', d.members);
  for (const d of org.districts) add(d.target, d.name, '管区群', [...d.members, ...d.villages.flatMap((v) => (v.cadre ? [v.cadre] : []))]);
  if (org.digest) add(org.digest.target, '镇领导', '领导群', org.leaders.map((l) => l.userid));

  const cadreOf = new Map<string, string[]>();
  for (const v of directory.villages()) if (v.cadre) cadreOf.set(v.cadre, [...(cadreOf.get(v.cadre) ?? []), v.name]);
  const members: SimMember[] = directory
    .everyone()
    .map((userid) => {
      const roles: string[] = [];
      if (directory.isLeader(userid)) roles.push('镇领导');
      for (const u of directory.units()) if (u.members.includes(userid) || ('users' in u.target && u.target.users.includes(userid))) roles.push(u.name);
      const villages = cadreOf.get(userid);
      if (villages) roles.push(`包村干部（${villages.join('、')}）`);
      return { userid, name: directory.displayName(userid), conv: userConv(userid), roles };
    })
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, 'zh'));
  const byUser = new Map(members.map((m) => [m.userid, m]));
  const byChat = new Map([...groups.values()].map((g) => [g.chatId, g]));

  return {
    groups: [...groups.values()],
    members,
    group: (id) => groups.get(id),
    groupByChatId: (chatId) => byChat.get(chatId),
    member: (userid) => byUser.get(userid),
  };
}

/** Leaders first, then cadres, then department staff: the order people look for them. */
function rank(m: SimMember): number {
  if (m.roles.includes('镇领导')) return 0;
  if (m.roles.some((r) => r.startsWith('包村干部'))) return 1;
  return 2;
}

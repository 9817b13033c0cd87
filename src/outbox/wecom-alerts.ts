import type { OrgConfig } from '../../config/org';
import { unitDestination } from '../findings/finding.service';
import type { Directory } from '../org/directory';
import { familyOf, type Outbox, type UnreachedMember } from './outbox';
import { channelOf, type Destination } from './outbox.model';
import { UNREACHABLE_LABEL, type Fault } from './wecom-health';

/**
 * Who hears about what WeCom refuses: the leaders (their digest group, else themselves through
 * the app) and, for members WeCom could not reach, those members' units. A fault's notice goes
 * through a way the fault does not stop, so that it arrives while the fault lasts.
 */
export function createWeComAlerts(deps: { outbox: Pick<Outbox, 'enqueue'>; directory: Directory; appMessaging: boolean }) {
  const { directory } = deps;
  /** The leaders' group first (they read it together), then the leaders themselves through the app. */
  const leaderDestinations = (): Destination[] => [
    ...(directory.org.digest ? [unitDestination(directory.org.digest.target)] : []),
    ...(deps.appMessaging ? [{ kind: 'app' as const, users: directory.leaders() }] : []),
  ];
  const stoppedBy = (fault: Fault, destination: Destination): boolean => {
    const channel = channelOf(destination);
    return fault.scope === channel || fault.scope === familyOf(channel);
  };

  return {
    async onFault(fault: Fault): Promise<void> {
      const content = `【企业微信配置问题】${fault.reason}（错误码 ${fault.errcode}）。修好之前，交办、提醒等消息都会保留，恢复后自动补发。`;
      // The first way to the leaders the fault does not stop; when it stops them all, the first (it waits).
      const ways = leaderDestinations();
      const destination = ways.find((d) => !stoppedBy(fault, d)) ?? ways[0];
      if (destination) {
        await deps.outbox.enqueue({
          dedupeKey: `alert:${fault.scope}:${fault.since.getTime()}:${channelOf(destination)}`,
          destination,
          message: { type: 'text', content },
          label: `配置问题 ${fault.errcode}`,
        });
      }
    },

    /** The fault is over: the same leaders hear it, with how long it lasted, so nobody keeps waiting for an admin. */
    async onHealed(fault: Fault, now: Date): Promise<void> {
      const minutes = Math.max(1, Math.round((now.getTime() - fault.since.getTime()) / 60_000));
      const lasted = minutes < 120 ? `${minutes} 分钟` : `${Math.round(minutes / 60)} 小时`;
      const content = `【企业微信已恢复】${fault.reason}（错误码 ${fault.errcode}）的问题已解决，持续约 ${lasted}。期间保留的交办、提醒等消息正在按顺序补发，无需重发。`;
      const destination = leaderDestinations()[0];
      if (!destination) return;
      await deps.outbox.enqueue({
        dedupeKey: `healed:${fault.scope}:${fault.since.getTime()}`,
        destination,
        message: { type: 'text', content },
        label: `恢复 ${fault.errcode}`,
      });
    },

    async onUnreached(members: UnreachedMember[], _destination: Destination): Promise<void> {
      const names = members.map((m) => `${directory.displayName(m.userid)}（${UNREACHABLE_LABEL[m.why]}）`).join('、');
      const content = `以下成员收不到本应用的消息：${names}。其他人已正常收到。请管理员在企业微信管理后台把他们加入应用可见范围或分配账号许可。`;
      const targets = new Map<string, Destination>();
      const toLeaders = leaderDestinations()[0];
      if (toLeaders) targets.set(channelOf(toLeaders), toLeaders);
      for (const m of members) {
        for (const name of directory.unitsOf(m.userid)) {
          const unit = directory.unit(name);
          if (unit) targets.set(channelOf(unitDestination(unit.target)), unitDestination(unit.target));
        }
      }
      const key = members.map((m) => `${m.userid}:${m.why}`).join(',');
      for (const [channel, destination] of targets) {
        await deps.outbox.enqueue({ dedupeKey: `unreached:${key}:${channel}`.slice(0, 900), destination, message: { type: 'text', content }, label: '成员收不到消息' });
      }
    },
  };
}

/** Whether a destination is read on 微工作台 (organisation file: `textOnly` on a unit or a person). */
export function textOnlyDestinations(org: OrgConfig): (destination: Destination) => boolean {
  const people = new Set([...org.people, ...org.leaders].filter((p) => p.textOnly).map((p) => p.userid));
  const channels = new Set<string>();
  for (const unit of [...org.departments, ...org.districts]) {
    if (!unit.textOnly) continue;
    channels.add(channelOf(unitDestination(unit.target)));
    for (const m of unit.members) people.add(m);
    if ('users' in unit.target) for (const m of unit.target.users) people.add(m);
  }
  if (people.size === 0 && channels.size === 0) return () => false;
  return (destination) =>
    destination.kind === 'app' || destination.kind === 'card_update'
      ? destination.users.some((u) => people.has(u))
      : channels.has(channelOf(destination));
}

import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../db/claims';

/**
 * What WeCom currently refuses, shared by every instance through one small collection
 * (`wecom_health`): configuration faults (an admin must fix something; messages wait meanwhile)
 * and members the app cannot reach (outside its visible range, no licence). Each is recorded by
 * a unique key, so the first instance to meet it is the one that raises the alarm, once.
 */
export interface Fault {
  /** 'app' (every call of the self-built app), 'robots', 'bot', or one channel (a chat, a robot). */
  scope: string;
  errcode: number;
  /** What the admin must fix, in Chinese. */
  reason: string;
  since: Date;
}

export type UnreachableWhy = 'invisible' | 'unlicensed';
export const UNREACHABLE_LABEL: Record<UnreachableWhy, string> = {
  invisible: '不在应用可见范围或已离职',
  unlicensed: '未分配企业微信账号许可',
};

export interface Unreachable {
  userid: string;
  why: UnreachableWhy;
  since: Date;
}

export interface WeComHealth {
  /** Records a fault; true for the instance that recorded it first, unless the same errcode is already recorded for another scope (it alerts). */
  fault(fault: Fault): Promise<boolean>;
  /**
   * The scope works again: the fault this call cleared, with `last` true when no other scope is
   * still stopped by the same errcode (the fault is over); null when none was recorded.
   */
  healed(scope: string): Promise<{ fault: Fault; last: boolean } | null>;
  faults(): Promise<Fault[]>;
  /** Records that a member could not be reached; true the first time (they are reported once). */
  unreachable(userid: string, why: UnreachableWhy, now: Date): Promise<boolean>;
  unreachables(): Promise<Unreachable[]>;
  /** A message reached the member after all (the admin fixed the visible range or the licence). */
  reachable(userid: string): Promise<void>;
  /** One line for /healthz and the dashboard's banner; null when nothing is wrong. */
  degraded(): Promise<string | null>;
}

interface HealthDoc {
  _id: string;
  fault?: Fault;
  unreachable?: Unreachable;
}

export function createWeComHealth(connection: Connection): WeComHealth {
  const collection = connection.collection<HealthDoc>('wecom_health');
  const insertOnce = async (doc: HealthDoc): Promise<boolean> => {
    try {
      await collection.insertOne(doc);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  };
  // A handful of documents at most: read whole, filtered here.
  const all = (): Promise<HealthDoc[]> => collection.find({}).toArray();

  const faults = async (): Promise<Fault[]> =>
    (await all()).flatMap((d) => (d.fault ? [d.fault] : [])).sort((a, b) => a.since.getTime() - b.since.getTime());

  return {
    async fault(fault) {
      // One alarm per fault, though it stops several scopes (an untrusted IP stops the app and the robots alike).
      const already = (await faults()).some((f) => f.errcode === fault.errcode);
      return (await insertOnce({ _id: `fault:${fault.scope}`, fault })) && !already;
    },
    async healed(scope) {
      const doc = await collection.findOneAndDelete({ _id: `fault:${scope}` });
      if (!doc?.fault) return null;
      const { errcode } = doc.fault;
      return { fault: doc.fault, last: !(await faults()).some((f) => f.errcode === errcode) };
    },
    faults,
    unreachable: (userid, why, now) => insertOnce({ _id: `unreachable:${userid}:${why}`, unreachable: { userid, why, since: now } }),
    async unreachables() {
      return (await all()).flatMap((d) => (d.unreachable ? [d.unreachable] : [])).sort((a, b) => a.since.getTime() - b.since.getTime());
    },
    async reachable(userid) {
      await collection.deleteMany({ _id: { $in: (['invisible', 'unlicensed'] as const).map((why) => `unreachable:${userid}:${why}`) } });
    },
    async degraded() {
      const list = await faults();
      if (list.length === 0) return null;
      return `企业微信拒绝发送消息，消息已保留、恢复后自动补发。${[...new Set(list.map((f) => `${f.reason}（错误码 ${f.errcode}）`))].join('；')}`;
    },
  };
}

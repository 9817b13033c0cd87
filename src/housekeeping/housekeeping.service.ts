import type { Connection } from 'mongoose';
import type { ClaimRepository } from '../db/claims';
import { cleanUpImports } from '../import/import-store';
import type { Logger } from '../logger';

/** How long finished work is kept. WeCom retries a delivery within minutes; a week is plenty. */
export const RETENTION = {
  inboxDoneDays: 7,
  outboxSentDays: 30,
  claimsDays: 30,
  /** What a unit group's collection took and handed to the outbox: kept as long as the outbox keeps the message. */
  groupWaitingSentDays: 30,
  /** A 问题清单 checked but never committed: its file's contents. */
  importUncommittedDays: 7,
  /** An import still "running" this long died with its instance. */
  importRunningDays: 1,
};

const DAY_MS = 24 * 60 * 60 * 1000;

export interface Housekeeping {
  run(now: Date): Promise<{ inbox: number; outbox: number; claims: number; groupWaiting: number; importFiles: number; importRuns: number }>;
}

/**
 * Deletes finished inbox events, delivered messages, what group collections sent, and old claims,
 * and empties imported or abandoned 问题清单 files (see cleanUpImports): instead of TTL indexes (FerretDB
 * v1 has none), and because a scan of these collections grows with everything ever received.
 * Failed events and messages are kept for people to look at.
 */
export function createHousekeeping(deps: { connection: Connection; claims: ClaimRepository; logger: Logger }): Housekeeping {
  return {
    async run(now) {
      const before = (days: number): Date => new Date(now.getTime() - days * DAY_MS);
      const inbox = await deps.connection.collection('inbox').deleteMany({ status: 'done', processedAt: { $lt: before(RETENTION.inboxDoneDays) } });
      const outbox = await deps.connection
        .collection('outbox')
        .deleteMany({ status: { $in: ['sent', 'merged'] }, updatedAt: { $lt: before(RETENTION.outboxSentDays) } });
      const groupWaiting = await deps.connection
        .collection('group_waiting')
        .deleteMany({ sentAt: { $ne: null, $lt: before(RETENTION.groupWaitingSentDays) } });
      const claims = await deps.claims.deleteOlderThan(before(RETENTION.claimsDays));
      const imports = await cleanUpImports(deps.connection, { uncommittedBefore: before(RETENTION.importUncommittedDays), runningBefore: before(RETENTION.importRunningDays) });
      const result = { inbox: inbox.deletedCount, outbox: outbox.deletedCount, claims, groupWaiting: groupWaiting.deletedCount, ...imports };
      deps.logger.info(result, '已清理完成的收件、已发送的消息、群汇总已发出的条目、过期的占用记录和导入完毕或过期未导入的清单文件');
      return result;
    },
  };
}

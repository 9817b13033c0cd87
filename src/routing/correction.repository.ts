import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import { findItem, isTaskNo } from '../../config/division-table';
import { systemClock, type Clock } from '../clock';
import { AppError } from '../errors';
import { correctionModel, type CorrectionDoc } from './correction.model';
import type { LearnedCorrection } from './router';
import { DEFAULT_ITEM } from './routing.lexicon';
import { normaliseText } from './text.util';

export interface CorrectionRepository {
  /** Stores a correction; a later one for the same finding (or the same text) replaces it. */
  record(correction: LearnedCorrection): Promise<void>;
  /** Every correction, oldest first, for `router.route(input, learned)`. */
  all(): Promise<LearnedCorrection[]>;
}

function keyOf(c: LearnedCorrection): string {
  if (c.findingNo !== undefined) return `finding:${c.findingNo}`;
  return `text:${createHash('sha1').update(normaliseText(c.text)).digest('hex')}`;
}

export function createCorrectionRepository(connection: Connection, clock: Clock = systemClock): CorrectionRepository {
  const model = correctionModel(connection);
  // The unique index must exist before the first upsert relies on it.
  let ready: Promise<unknown> | undefined;
  const init = () => (ready ??= model.init());

  return {
    async record(c) {
      if (!isTaskNo(c.task)) throw new AppError('bad_request', `任务编号“${String(c.task)}”不在 1-8 之间`);
      if (c.text.trim() === '') throw new AppError('bad_request', '纠正记录缺少问题原文');
      // A correction always names a task; a missing or foreign item falls back to the task's usual one.
      const item = findItem(c.item)?.task.no === c.task ? c.item : DEFAULT_ITEM[c.task];
      const doc: CorrectionDoc = {
        key: keyOf(c),
        text: c.text,
        task: c.task,
        item,
        findingNo: c.findingNo ?? null,
        by: c.by ?? null,
        at: c.at ?? clock.now(),
      };
      await init();
      await model.replaceOne({ key: doc.key }, doc, { upsert: true }).exec();
    },

    async all() {
      await init();
      const docs = await model.find().sort({ at: 1 }).lean<CorrectionDoc[]>().exec();
      return docs
        .filter((d) => isTaskNo(d.task))
        .map((d) => ({
          text: d.text,
          task: d.task,
          item: d.item,
          ...(d.findingNo !== null && d.findingNo !== undefined ? { findingNo: d.findingNo } : {}),
          ...(d.by ? { by: d.by } : {}),
          at: d.at,
        }));
    },
  };
}

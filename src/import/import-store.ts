import { Binary } from 'mongodb';
import type { Connection } from 'mongoose';
import type { ImportResult } from './list-import.service';

/**
 * What the import page keeps between its steps: the uploaded list (`import_files`, by its digest,
 * so that the commit need not send it again) and each commit's progress and result
 * (`import_runs`, so that any instance can show it).
 */

export interface StoredList {
  _id: string;
  name: string;
  /** The file; null once cleaned up (the record stays: who checked what, when). */
  data: Buffer | Binary | null;
  by: string;
  at: Date;
}

export interface ImportRunView {
  done: number;
  total: number;
  state: 'running' | 'done' | 'failed';
  result: ImportResult | null;
  error: string | null;
}

export interface ImportRun extends ImportRunView {
  _id: string;
  /** The list's digest (older runs have it only in `result`). */
  digest?: string;
  by: string;
  at: Date;
}

export const importFiles = (connection: Connection) => connection.collection<StoredList>('import_files');
export const importRuns = (connection: Connection) => connection.collection<ImportRun>('import_runs');

/** A stored file comes back from the driver as BSON Binary. */
export const bytesOf = (data: Buffer | Binary): Buffer => (data instanceof Binary ? Buffer.from(data.read(0, data.length())) : Buffer.from(data));

/**
 * The night's clean-up of imports: the file of a finished commit, and a file checked but not
 * committed before `uncommittedBefore`, lose their contents (the record and its digest stay; what makes a second
 * import add nothing is each row's key on its finding, not the file). A commit still "running" since
 * before `runningBefore` died with its instance: it is marked failed, so its page stops waiting and says to import again.
 */
export async function cleanUpImports(connection: Connection, cutOff: { uncommittedBefore: Date; runningBefore: Date }): Promise<{ importFiles: number; importRuns: number }> {
  const runs = importRuns(connection);
  const stalled = await runs.updateMany(
    { state: 'running', at: { $lt: cutOff.runningBefore } },
    { $set: { state: 'failed', error: '导入中断（服务曾停止）。已导入的行不会重复，请重新上传并导入。' } },
  );
  const finished = new Set<string>();
  for (const r of await runs.find({ state: 'done' }, { projection: { digest: 1, 'result.digest': 1 } }).toArray()) {
    const digest = r.digest ?? r.result?.digest;
    if (digest) finished.add(digest);
  }
  const files = importFiles(connection);
  const kept = await files.find({ data: { $ne: null } }, { projection: { _id: 1, at: 1 } }).toArray();
  const emptied = kept.filter((f) => finished.has(f._id) || f.at < cutOff.uncommittedBefore).map((f) => f._id);
  if (emptied.length) await files.updateMany({ _id: { $in: emptied } }, { $set: { data: null } });
  return { importFiles: emptied.length, importRuns: stalled.modifiedCount };
}

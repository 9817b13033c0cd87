import type { Connection } from 'mongoose';

/**
 * The current batch (批次): the named round new findings belong to. A leader sets it in chat
 * (`批次 名称`); until then the organisation file's `batch` holds.
 */
export interface BatchSetting {
  current(): Promise<string | null>;
  set(name: string, by: string, at: Date): Promise<void>;
}

interface SettingDoc {
  _id: string;
  value: string;
  by: string;
  at: Date;
}

export const MAX_BATCH_CHARS = 50;

export function createBatchSetting(connection: Connection, fromOrg: string | null): BatchSetting {
  const settings = () => connection.collection<SettingDoc>('settings');
  return {
    current: async () => (await settings().findOne({ _id: 'batch' }))?.value ?? fromOrg,
    async set(name, by, at) {
      await settings().replaceOne({ _id: 'batch' }, { value: name, by, at }, { upsert: true });
    },
  };
}

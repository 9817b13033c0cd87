import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../db/claims';

/**
 * A random id made once per database and kept in it (`settings`, `_id: 'install'`). WeCom keeps
 * every card's task_id for good, per app: a database started afresh numbers its findings from 1
 * again, and only this part keeps its cards' task_ids from colliding with the old ones (42014).
 */
export function installIdOf(connection: Connection): () => Promise<string> {
  let loaded: Promise<string> | undefined;
  const collection = connection.collection<{ _id: string; id: string }>('settings');
  const load = async (): Promise<string> => {
    const found = await collection.findOne({ _id: 'install' });
    if (found) return found.id;
    const id = randomBytes(9).toString('base64url').replace(/[^0-9A-Za-z]/g, 'x');
    try {
      await collection.insertOne({ _id: 'install', id });
      return id;
    } catch (err) {
      // Another instance made it first: theirs is the one.
      if (!isDuplicateKey(err)) throw err;
      const theirs = await collection.findOne({ _id: 'install' });
      if (!theirs) throw err;
      return theirs.id;
    }
  };
  return () => {
    loaded ??= load().catch((err: unknown) => {
      loaded = undefined;
      throw err;
    });
    return loaded;
  };
}

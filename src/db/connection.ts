import mongoose, { type Connection } from 'mongoose';

/**
 * One mongoose connection per service instance (not the global default), so tests can run
 * several instances side by side.
 */
export async function openDatabase(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(withDirectConnection(uri), {
    serverSelectionTimeoutMS: 5000,
    autoIndex: true,
  });
  await connection.asPromise();
  return connection;
}

/** FerretDB and single servers need directConnection; replica-set and SRV URIs must not get it. */
export function withDirectConnection(uri: string): string {
  if (uri.startsWith('mongodb+srv://') || /[?&](replicaSet|directConnection)=/.test(uri)) return uri;
  const hosts = uri.replace(/^mongodb:\/\//, '').split('/')[0] ?? '';
  if (hosts.includes(',')) return uri;
  return uri + (uri.includes('?') ? '&' : uri.replace(/^mongodb:\/\//, '').includes('/') ? '?' : '/?') + 'directConnection=true';
}

export async function pingDatabase(connection: Connection, timeoutMs = 2000): Promise<boolean> {
  if (connection.readyState !== 1 || !connection.db) return false;
  try {
    await Promise.race([
      connection.db.admin().command({ ping: 1 }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('ping timeout')), timeoutMs).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

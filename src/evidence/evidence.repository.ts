import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { mongo, type Connection } from 'mongoose';
import { isDuplicateKey } from '../db/claims';

/**
 * Evidence photos, kept in MongoDB with GridFS (bucket `evidence`: `evidence.files` and
 * `evidence.chunks`), so a town needs no file store besides its database. Verified on FerretDB v1
 * too (round trip, the unique key, delete). Each file carries its finding, who sent it, from where,
 * and a unique key: a retried delivery or a double-tapped form stores nothing twice.
 */

/** `problem`: what was found (with the report); `rectification`: proof it was put right. */
export type EvidenceKind = 'problem' | 'rectification';
export type EvidenceSource = 'form' | 'chat' | 'page';

export interface EvidenceInput {
  findingNo: number;
  kind: EvidenceKind;
  by: string;
  source: EvidenceSource;
  at: Date;
  buffer: Buffer;
  contentType: string;
  filename: string;
  /** Unique per photo delivered (e.g. `chat:<MsgId>`); a second add with it stores nothing. */
  key?: string;
}

export interface EvidenceFile {
  id: string;
  findingNo: number;
  kind: EvidenceKind;
  by: string;
  source: EvidenceSource;
  at: Date;
  contentType: string;
  filename: string;
  size: number;
}

export interface EvidenceRepository {
  add(input: EvidenceInput): Promise<{ file: EvidenceFile; created: boolean }>;
  list(findingNo: number): Promise<EvidenceFile[]>;
  count(findingNo: number, filter?: { kind?: EvidenceKind; by?: string; since?: Date }): Promise<number>;
  /** How many photos each finding has (those with none are absent), in one pass: for the ledger. */
  countsByFinding(): Promise<Map<number, number>>;
  get(id: string): Promise<EvidenceFile | null>;
  /** The bytes; check `get` (and who may see the finding) first. */
  open(id: string): Readable;
}

type Metadata = Pick<EvidenceInput, 'findingNo' | 'kind' | 'by' | 'source' | 'at' | 'contentType'> & { key: string };

interface FileDoc {
  _id: mongo.ObjectId;
  length: number;
  filename: string;
  metadata: Metadata;
}

const BUCKET = 'evidence';

function toFile(doc: FileDoc): EvidenceFile {
  const m = doc.metadata;
  return { id: doc._id.toHexString(), findingNo: m.findingNo, kind: m.kind, by: m.by, source: m.source, at: m.at, contentType: m.contentType, filename: doc.filename, size: doc.length };
}

function objectId(id: string): mongo.ObjectId | null {
  return /^[0-9a-f]{24}$/i.test(id) ? new mongo.ObjectId(id) : null;
}

export function createEvidenceRepository(connection: Connection): EvidenceRepository {
  const db = () => {
    if (!connection.db) throw new Error('database not connected');
    return connection.db;
  };
  const files = () => db().collection<FileDoc>(`${BUCKET}.files`);
  const bucket = () => new mongo.GridFSBucket(db(), { bucketName: BUCKET });

  let indexes: Promise<unknown> | undefined;
  const ready = (): Promise<unknown> =>
    (indexes ??= Promise.all([
      files().createIndex({ 'metadata.key': 1 }, { unique: true, name: 'evidence_key' }),
      files().createIndex({ 'metadata.findingNo': 1, 'metadata.at': 1 }, { name: 'evidence_finding' }),
    ]).catch((err: unknown) => {
      indexes = undefined;
      throw err;
    }));

  const byKey = async (key: string): Promise<FileDoc | null> => files().findOne({ 'metadata.key': key });

  return {
    async add(input) {
      await ready();
      const key = input.key ?? `once:${randomUUID()}`;
      const existing = await byKey(key);
      if (existing) return { file: toFile(existing), created: false };
      const metadata: Metadata = { findingNo: input.findingNo, kind: input.kind, by: input.by, source: input.source, at: input.at, contentType: input.contentType, key };
      const upload = bucket().openUploadStream(input.filename, { metadata });
      try {
        await new Promise<void>((resolve, reject) => {
          upload.once('finish', () => resolve());
          upload.once('error', reject);
          upload.end(input.buffer);
        });
      } catch (err) {
        // The chunks are written before the file document: drop them when the document lost a race.
        await db().collection(`${BUCKET}.chunks`).deleteMany({ files_id: upload.id });
        if (!isDuplicateKey(err)) throw err;
        const winner = await byKey(key);
        if (winner) return { file: toFile(winner), created: false };
        throw err;
      }
      const stored = await files().findOne({ _id: upload.id });
      if (!stored) throw new Error('evidence file vanished after upload');
      return { file: toFile(stored), created: true };
    },

    async list(findingNo) {
      const docs = await files()
        .find({ 'metadata.findingNo': findingNo }, { projection: { length: 1, filename: 1, metadata: 1 } })
        .sort({ 'metadata.at': 1, _id: 1 })
        .toArray();
      return docs.map(toFile);
    },

    count(findingNo, filter = {}) {
      const q: Record<string, unknown> = { 'metadata.findingNo': findingNo };
      if (filter.kind) q['metadata.kind'] = filter.kind;
      if (filter.by) q['metadata.by'] = filter.by;
      if (filter.since) q['metadata.at'] = { $gte: filter.since };
      return files().countDocuments(q);
    },

    async countsByFinding() {
      const groups = await files()
        .aggregate<{ _id: number; n: number }>([{ $group: { _id: '$metadata.findingNo', n: { $sum: 1 } } }])
        .toArray();
      return new Map(groups.map((g) => [g._id, g.n]));
    },

    async get(id) {
      const _id = objectId(id);
      if (!_id) return null;
      const doc = await files().findOne({ _id }, { projection: { length: 1, filename: 1, metadata: 1 } });
      return doc ? toFile(doc) : null;
    },

    open(id) {
      const _id = objectId(id);
      if (!_id) throw new Error('not an evidence id');
      return bucket().openDownloadStream(_id);
    },
  };
}

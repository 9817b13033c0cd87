import type { Connection, Model } from 'mongoose';
import type { Clock } from '../clock';
import { isDuplicateKey, type ClaimRepository } from '../db/claims';
import { findingModel, type FindingDoc, type FindingStatus, type HistoryEntry } from './finding.model';

/** A change takes milliseconds; a version claim this old whose finding never moved on was left by a dead instance. */
const STALE_CLAIM_MS = 60_000;

export type Finding = FindingDoc & { createdAt: Date; updatedAt: Date };

export type NewFinding = Omit<FindingDoc, 'no' | 'version' | 'history'> & { history?: HistoryEntry[] };

export interface FindingFilter {
  status?: FindingStatus | FindingStatus[];
  department?: string;
  departments?: string[];
  task?: number;
  village?: string;
  reporter?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

export interface FindingRepository {
  /** Gives the next number; a second create with the same sourceKey returns the first finding. */
  create(input: NewFinding): Promise<{ finding: Finding; created: boolean }>;
  get(no: number): Promise<Finding | null>;
  /**
   * Applies a change to the finding as it was at `expected.version` (and, if given, in one of
   * `expected.status`). Returns the changed finding, or null when someone else changed it first.
   */
  change(
    no: number,
    expected: { version: number; status?: FindingStatus[] },
    set: Partial<Omit<FindingDoc, 'no' | 'version' | 'history'>>,
    entry: HistoryEntry,
  ): Promise<Finding | null>;
  list(filter?: FindingFilter, options?: { limit?: number; sort?: Record<string, 1 | -1> }): Promise<Finding[]>;
  count(filter?: FindingFilter): Promise<number>;
  model: Model<FindingDoc>;
}

export function toQuery(filter: FindingFilter = {}): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  if (filter.status) q.status = Array.isArray(filter.status) ? { $in: filter.status } : filter.status;
  if (filter.department) q.departments = filter.department;
  if (filter.departments) q.departments = { $in: filter.departments };
  if (filter.task !== undefined) q.task = filter.task;
  if (filter.village) q.village = filter.village;
  if (filter.reporter) q.reporter = filter.reporter;
  if (filter.createdFrom || filter.createdTo) {
    q.createdAt = { ...(filter.createdFrom ? { $gte: filter.createdFrom } : {}), ...(filter.createdTo ? { $lt: filter.createdTo } : {}) };
  }
  return q;
}

export function createFindingRepository(connection: Connection, claims: ClaimRepository, clock: Clock): FindingRepository {
  const model = findingModel(connection);

  let lastNo: number | undefined;
  const bySourceKey = (sourceKey: string) => model.findOne({ sourceKey }).lean<Finding>().exec();

  return {
    model,

    async create(input) {
      const existing = await bySourceKey(input.sourceKey);
      if (existing) return { finding: existing, created: false };
      // Numbers come from the highest one plus one; the unique index settles a race between
      // instances. The highest is remembered between reports (a lookup of it can read the whole
      // collection on some servers) and looked up again only when another instance got there first.
      for (let attempt = 0; attempt < 100; attempt++) {
        if (lastNo === undefined || attempt > 0) {
          lastNo = (await model.findOne({}, { no: 1 }).sort({ no: -1 }).lean<{ no: number }>().exec())?.no ?? 0;
        }
        const no = lastNo + 1;
        try {
          // Times come from the clock, not mongoose's own timestamps (which read the system time).
          const at = clock.now();
          const doc = new model({ ...input, no, version: 0, history: input.history ?? [], createdAt: at, updatedAt: at });
          await doc.save({ timestamps: false });
          lastNo = no;
          return { finding: doc.toObject() as unknown as Finding, created: true };
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          const winner = await bySourceKey(input.sourceKey);
          if (winner) return { finding: winner, created: false };
        }
      }
      throw new Error('could not allocate a finding number');
    },

    get: (no) => model.findOne({ no }).lean<Finding>().exec(),

    async change(no, expected, set, entry) {
      const key = `finding:${no}:v${expected.version}`;
      const meta = { by: entry.by, action: entry.action };
      if (!(await claims.tryClaim(key, meta))) {
        // Someone changed it first, or an instance died between claiming this version and
        // writing it: then the finding is still at this version long after the claim, and the
        // claim is freed so the finding does not stay frozen.
        const stale = new Date(clock.now().getTime() - STALE_CLAIM_MS);
        const current = await model.findOne({ no }, { version: 1 }).lean<{ version: number }>().exec();
        if (current?.version !== expected.version || !(await claims.releaseIfClaimedBefore(key, stale))) return null;
        if (!(await claims.tryClaim(key, meta))) return null;
      }
      const filter: Record<string, unknown> = { no, version: expected.version };
      if (expected.status) filter.status = { $in: expected.status };
      const result = await model
        .updateOne(filter, { $set: { ...set, version: expected.version + 1, updatedAt: clock.now() }, $push: { history: entry } }, { timestamps: false })
        .exec();
      if (result.modifiedCount !== 1) return null;
      return model.findOne({ no }).lean<Finding>().exec();
    },

    list: (filter, options) =>
      model
        .find(toQuery(filter))
        .sort(options?.sort ?? { no: 1 })
        .limit(options?.limit ?? 0)
        .lean<Finding[]>()
        .exec(),

    count: (filter) => model.countDocuments(toQuery(filter)).exec(),
  };
}


import type { Connection, Model } from 'mongoose';
import type { Clock } from '../clock';
import { insertNew, isDuplicateKey, type ClaimRepository } from '../db/claims';
import { highestInUse } from '../db/sequence';
import { createFindingViews, findingId, type FindingViews, type OpenFinding, type Tallies } from './finding-views';
import { DEFAULT_SOURCE, findingModel, type FindingDoc, type FindingStatus, type HistoryEntry } from './finding.model';

/** A change takes milliseconds; a version claim this old whose finding never moved on was left by a dead instance. */
const STALE_CLAIM_MS = 60_000;

export type Finding = FindingDoc & { createdAt: Date; updatedAt: Date };

export type NewFinding = Omit<FindingDoc, '_id' | 'no' | 'version' | 'history'> & { history?: HistoryEntry[] };

export interface FindingFilter {
  status?: FindingStatus | FindingStatus[];
  department?: string;
  departments?: string[];
  task?: number;
  village?: string;
  reporter?: string;
  createdFrom?: Date;
  createdTo?: Date;
  source?: string;
  batch?: string;
  /** The household's code. */
  household?: string;
}

export interface FindingRepository {
  /** Gives the next number; a second create with the same sourceKey returns the first finding. */
  create(input: NewFinding): Promise<{ finding: Finding; created: boolean }>;
  /**
   * Many at once (an import), numbered in order: one write for the findings and one per view
   * instead of three per finding. One whose number someone else took meanwhile, or whose
   * sourceKey exists, goes through `create` on its own. Returns them in the inputs' order.
   */
  createMany(inputs: NewFinding[]): Promise<{ finding: Finding; created: boolean }[]>;
  get(no: number): Promise<Finding | null>;
  /**
   * Applies a change to the finding as it was at `expected.version` (and, if given, in one of
   * `expected.status`). Returns the changed finding, or null when someone else changed it first.
   * `entry` null: a change that is not part of the finding's history (a 延期 request waiting for a leader).
   */
  change(
    no: number,
    expected: { version: number; status?: FindingStatus[] },
    set: Partial<Omit<FindingDoc, '_id' | 'no' | 'version' | 'history'>>,
    entry: HistoryEntry | null,
  ): Promise<Finding | null>;
  list(filter?: FindingFilter, options?: { limit?: number; sort?: Record<string, 1 | -1> }): Promise<Finding[]>;
  count(filter?: FindingFilter): Promise<number>;
  /** The numbers of the imported findings these keys made (one query for a whole import). */
  noBySourceKey(keys: string[]): Promise<Map<string, number>>;
  /** Every open finding, compact (see finding-views.ts), by number. */
  open(): Promise<OpenFinding[]>;
  /** Findings made, closed and cancelled, in all and in the window (`since`, `now`]. */
  tallies(since: Date, now: Date): Promise<Tallies>;
  /** Whether the views were ever built on this database. */
  viewsBuilt(): Promise<boolean>;
  /** Builds the views from the findings (see finding-views.ts), the tallies' rollup ending at `upTo`. */
  rebuildViews: (upTo: Date, options?: Parameters<FindingViews['rebuild']>[2]) => ReturnType<FindingViews['rebuild']>;
  /**
   * Findings stored before they were keyed by their number (with a generated `_id`) get `_id` =
   * their number, once, on the first start of this version. An `_id` cannot be changed in place,
   * so each is parked in `findings_rekey` first, then replaced; whatever a stop in the middle left
   * parked is put back the next time. Returns how many were re-keyed.
   */
  rekeyStoredBefore(): Promise<number>;
  /**
   * Findings stored before 问题来源 existed kept their channel (chat, bot, form, api) in `source`:
   * once, at the first start of this version, it moves to `channel` and `source` becomes 自查.
   * Each finding is changed by one update of its own, so a stop in the middle leaves some moved and
   * the rest for the next start; a marker says when all are. Returns how many moved.
   */
  moveChannelStoredBefore(): Promise<number>;
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
  if (filter.source) q.source = filter.source;
  if (filter.batch) q.batch = filter.batch;
  if (filter.household) q['household.code'] = filter.household;
  if (filter.createdFrom || filter.createdTo) {
    q.createdAt = { ...(filter.createdFrom ? { $gte: filter.createdFrom } : {}), ...(filter.createdTo ? { $lt: filter.createdTo } : {}) };
  }
  return q;
}

export function createFindingRepository(connection: Connection, claims: ClaimRepository, clock: Clock): FindingRepository {
  const model = findingModel(connection);
  const views = createFindingViews(connection);

  const byId = (no: number) => model.findOne({ _id: findingId(no) }).lean<Finding>().exec();
  const exists = async (no: number) => (await model.collection.findOne({ _id: findingId(no) } as object, { projection: { _id: 1 } })) !== null;

  const highestFrom = (known: number): Promise<number> => highestInUse(exists, known);

  /** Writes the views from the finding as written, and again if it changed meanwhile (the last writer's view stands). */
  async function syncViews(written: Finding, created: boolean): Promise<void> {
    await views.sync(written, created);
    const latest = await byId(written.no);
    if (latest && latest.version !== written.version) await views.sync(latest, false);
  }

  let lastNo: number | undefined;

  return {
    model,

    async create(input) {
      // Numbers come from the highest one plus one; the unique `_id` settles a race between
      // instances. The highest is remembered between reports and found again only when another
      // instance got there first. A delivery processed twice (a crash after its finding was made)
      // runs into the unique sourceKey and gets the finding it made.
      for (let attempt = 0; attempt < 100; attempt++) {
        const no = (lastNo === undefined || attempt > 0 ? await highestFrom(lastNo ?? 0) : lastNo) + 1;
        try {
          // Times come from the clock, not mongoose's own timestamps (which read the system time).
          const at = clock.now();
          const doc = new model({ ...input, _id: findingId(no), no, version: 0, history: input.history ?? [], createdAt: at, updatedAt: at });
          await doc.save({ timestamps: false });
          lastNo = no;
          const finding = doc.toObject() as unknown as Finding;
          // Nobody else knows the number yet: the views need no second look.
          await views.sync(finding, true);
          return { finding, created: true };
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          // Which key? (FerretDB does not say.) The number's holder, or else this delivery's finding.
          const holder = await model.findOne({ _id: findingId(no) }, { sourceKey: 1 }).lean<{ sourceKey: string }>().exec();
          if (holder?.sourceKey === input.sourceKey || !holder) {
            const made = holder ? await byId(no) : await model.findOne({ sourceKey: input.sourceKey }).lean<Finding>().exec();
            if (made) return { finding: made, created: false };
          }
        }
      }
      throw new Error('could not allocate a finding number');
    },

    async createMany(inputs) {
      if (inputs.length === 0) return [];
      const first = (await highestFrom(lastNo ?? 0)) + 1;
      const at = clock.now();
      // Built by the model so that defaults and casts are as `create` would store them.
      const docs = inputs.map(
        (input, i) => new model({ ...input, _id: findingId(first + i), no: first + i, version: 0, history: input.history ?? [], createdAt: at, updatedAt: at }).toObject() as unknown as Finding,
      );
      const results = await insertNew(model.collection as never, docs);
      lastNo = first + inputs.length - 1;
      await views.syncMany(docs.filter((_, i) => results[i] === 'new'));
      const out: { finding: Finding; created: boolean }[] = [];
      for (const [i, doc] of docs.entries()) out.push(results[i] === 'new' ? { finding: doc, created: true } : await this.create(inputs[i]!));
      return out;
    },

    get: byId,

    async change(no, expected, set, entry) {
      const key = `finding:${no}:v${expected.version}`;
      const meta = entry ? { by: entry.by, action: entry.action } : {};
      if (!(await claims.tryClaim(key, meta))) {
        // Someone changed it first, or an instance died between claiming this version and
        // writing it: then the finding is still at this version long after the claim, and the
        // claim is freed so the finding does not stay frozen.
        const stale = new Date(clock.now().getTime() - STALE_CLAIM_MS);
        const current = await model.findOne({ _id: findingId(no) }, { version: 1 }).lean<{ version: number }>().exec();
        if (current?.version !== expected.version || !(await claims.releaseIfClaimedBefore(key, stale))) return null;
        if (!(await claims.tryClaim(key, meta))) return null;
      }
      // The claim makes this caller the only writer of this version; the finding is still read
      // first, so a change based on what someone saw earlier does not land on a newer state.
      const current = await byId(no);
      if (!current || current.version !== expected.version || (expected.status && !expected.status.includes(current.status))) return null;
      const result = await model
        .updateOne(
          { _id: findingId(no) },
          { $set: { ...set, version: expected.version + 1, updatedAt: clock.now() }, ...(entry ? { $push: { history: entry } } : {}) },
          { timestamps: false },
        )
        .exec();
      if (result.modifiedCount !== 1) return null;
      const changed = await byId(no);
      if (changed) await syncViews(changed, false);
      return changed;
    },

    list: (filter, options) =>
      model
        .find(toQuery(filter))
        .sort(options?.sort ?? { no: 1 })
        .limit(options?.limit ?? 0)
        .lean<Finding[]>()
        .exec(),

    count: (filter) => model.countDocuments(toQuery(filter)).exec(),

    async noBySourceKey(keys) {
      if (keys.length === 0) return new Map();
      // One pass over the imported findings: a `$in` of thousands of keys costs FerretDB a comparison of each with each.
      const wanted = new Set(keys);
      const found = await model.find({ channel: 'import' }, { no: 1, sourceKey: 1 }).lean<{ no: number; sourceKey: string }[]>().exec();
      return new Map(found.filter((f) => wanted.has(f.sourceKey)).map((f) => [f.sourceKey, f.no]));
    },

    open: () => views.open(),

    tallies: (since, now) => views.tallies(since, now),

    viewsBuilt: () => views.built(),

    rebuildViews: (upTo, options) => views.rebuild(model.collection, upTo, options),

    async rekeyStoredBefore() {
      type Stored = { _id: unknown; no: number };
      const findings = connection.collection<Stored>('findings');
      const parked = connection.collection<Stored & { _id: string }>('findings_rekey');
      const restore = async (doc: Stored & { _id: string }): Promise<void> => {
        await insertNew(findings, [doc]);
        await parked.deleteOne({ _id: doc._id });
      };
      for (const doc of await parked.find({}).toArray()) await restore(doc);
      const old = await findings.find({ _id: { $type: 'objectId' } }).toArray();
      for (const doc of old) {
        const rekeyed = { ...doc, _id: findingId(doc.no) };
        await insertNew(parked, [rekeyed]);
        await findings.deleteOne({ _id: doc._id });
        await restore(rekeyed);
      }
      return old.length;
    },

    async moveChannelStoredBefore() {
      const done = connection.collection<{ _id: string; at: Date }>('findings_migrations');
      if (await done.findOne({ _id: 'channel' })) return 0;
      // One read of the findings finds those to change (FerretDB reads the whole collection for any
      // query but by _id: one such read instead of five), then each is changed by its _id.
      const channels = ['chat', 'bot', 'form', 'api'];
      const stale = await model.collection
        .find({ $or: [{ source: { $in: channels } }, { batch: { $exists: false } }] } as object, { projection: { _id: 1, source: 1, batch: 1 } })
        .toArray();
      let moved = 0;
      for (const f of stale) {
        const set: Record<string, unknown> = {};
        if (channels.includes(f.source as string)) Object.assign(set, { channel: f.source, source: DEFAULT_SOURCE });
        if (!('batch' in f)) Object.assign(set, { batch: null, linkedTo: null, relapse: false });
        // Only if nobody moved it meanwhile (another instance starting at the same time).
        const changed = await model.collection.updateOne({ _id: f._id, source: f.source } as object, { $set: set });
        if (set.channel && changed.modifiedCount === 1) moved += 1;
      }
      await insertNew(done, [{ _id: 'channel', at: clock.now() }]);
      return moved;
    },
  };
}

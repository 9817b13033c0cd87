import type { Collection, Connection } from 'mongoose';
import { insertNew } from '../db/claims';
import { withoutHouseholdName } from '../privacy/mask';
import { closedOnTime } from './on-time';
import { OPEN_STATUSES, type FindingDoc, type FindingStatus } from './finding.model';

/**
 * Two small collections kept beside the findings, so that the work done every few minutes reads
 * what is open, not everything ever reported (at 100,000 findings, a scan of them all costs seconds
 * on MongoDB without the right index and tens of seconds on FerretDB, which uses no index but `_id`):
 *
 * - `findings_open`: one compact document per open finding (`_id` = its number), what reminders,
 *   the digest, 待办 and 统计 read. Written after the finding itself on every change. Its fields are kept
 *   as one JSON string: it is only ever read whole, and FerretDB reads a document of two fields
 *   three times as fast as one of twenty.
 * - `finding_tallies`: the counts of findings made, closed (and on time) and cancelled. One event
 *   document per such step (`created:12`, `closed:12`, `cancelled:12`, idempotent by `_id`), and a
 *   rollup of everything before the last digest, recounted from the findings by the night's
 *   housekeeping, so that the events still on their own are those since the last digest: few, and
 *   enough for its window.
 *
 * The finding is the truth: a view is rewritten from it, never the other way round. Both are built
 * from the findings at start when missing, and checked against them every night (a crash between
 * writing a finding and its views leaves them behind until then).
 */

/** The fields of a finding the open view keeps as they are. */
const OPEN_FIELDS = ['no', 'status', 'version', 'task', 'item', 'departments', 'village', 'district', 'cadre', 'reporter', 'urgency', 'deadline', 'dispatchedAt', 'rectifiedAt', 'createdAt', 'updatedAt', 'kind', 'acceptedAt', 'lastProgressAt', 'source', 'batch', 'relapse'] as const;

export type OpenFinding = Pick<Viewed, (typeof OPEN_FIELDS)[number]> & {
  _id: string;
  /** The household's code (东岭-017), what groups and digests name it by. */
  householdCode: string | null;
  /** When it entered its current state (its last history entry). */
  enteredAt: Date;
  /** The start of the report, enough for a one-line summary. */
  textStart: string;
};

interface TallyEvent {
  _id: string;
  kind: 'created' | 'closed' | 'cancelled';
  at: Date;
  /** Closed by its deadline (or it had none). */
  onTime?: boolean;
}

interface Rollup {
  _id: 'rollup';
  /** Events before this instant are counted here. */
  upTo: Date;
  created: number;
  closed: number;
  closedOnTime: number;
  cancelled: number;
  at: Date;
}

export interface Tallies {
  /** Findings ever made, closed, closed on time and cancelled. */
  created: number;
  closed: number;
  closedOnTime: number;
  cancelled: number;
  /** Made and closed in [since, now]; null when the window starts before the rollup's end (it cannot be split). */
  createdSince: number | null;
  closedSince: number | null;
}

type Viewed = FindingDoc & { createdAt: Date; updatedAt: Date };

const TEXT_START_CHARS = 64;
export const findingId = (no: number): string => String(no);

export function toOpenFinding(f: Viewed): OpenFinding {
  const last = f.history.at(-1);
  const kept = Object.fromEntries(OPEN_FIELDS.map((key) => [key, f[key]])) as Pick<Viewed, (typeof OPEN_FIELDS)[number]>;
  return {
    ...kept,
    _id: findingId(f.no),
    householdCode: f.household?.code ?? null,
    enteredAt: last ? new Date(last.at) : f.updatedAt,
    // Read by groups (digest, reminders): the household's name gives way to its code.
    textStart: withoutHouseholdName(f.text, f.household).replace(/\s+/g, ' ').trim().slice(0, TEXT_START_CHARS),
  };
}

const isOpen = (status: FindingStatus): boolean => OPEN_STATUSES.includes(status);

async function insertBatches<T extends { _id: string }>(collection: Collection<T>, docs: T[]): Promise<('new' | 'duplicate')[]> {
  const results: ('new' | 'duplicate')[] = [];
  for (let i = 0; i < docs.length; i += 2_000) results.push(...(await insertNew(collection as never, docs.slice(i, i + 2_000))));
  return results;
}

/** How an open finding is stored: its number, and the rest as JSON. */
interface PackedOpenFinding {
  _id: string;
  v: string;
}

const DATE_FIELDS = ['deadline', 'dispatchedAt', 'rectifiedAt', 'createdAt', 'updatedAt', 'enteredAt', 'acceptedAt', 'lastProgressAt'] as const;

function pack(f: OpenFinding): PackedOpenFinding {
  const { _id, ...rest } = f;
  return { _id, v: JSON.stringify(rest) };
}

function unpack(doc: PackedOpenFinding): OpenFinding {
  const f = { _id: doc._id, ...(JSON.parse(doc.v) as Omit<OpenFinding, '_id'>) } as OpenFinding;
  for (const key of DATE_FIELDS) {
    const value = f[key] as unknown;
    if (typeof value === 'string') (f as unknown as Record<string, Date>)[key] = new Date(value);
  }
  return f;
}

/** The tally events a finding in this state has given rise to. */
function eventsOf(f: Viewed): TallyEvent[] {
  const events: TallyEvent[] = [{ _id: `created:${f.no}`, kind: 'created', at: f.createdAt }];
  if (f.status === 'closed') {
    const at = f.closedAt ?? f.updatedAt;
    events.push({ _id: `closed:${f.no}`, kind: 'closed', at, onTime: closedOnTime({ ...f, closedAt: at }) });
  }
  if (f.status === 'cancelled') events.push({ _id: `cancelled:${f.no}`, kind: 'cancelled', at: f.cancelledAt ?? f.updatedAt });
  return events;
}

export interface FindingViews {
  /** Brings both views in line with a finding as just written (`created` for a new one). */
  sync(f: Viewed, created: boolean): Promise<void>;
  /** The same for findings just made together (nobody else knows their numbers yet). */
  syncMany(made: Viewed[]): Promise<void>;
  open(): Promise<OpenFinding[]>;
  tallies(since: Date, now: Date): Promise<Tallies>;
  /** Whether the views were ever built on this database. */
  built(): Promise<boolean>;
  /**
   * Rebuilds both from the findings, with the rollup ending at `upTo`, reporting progress every
   * 10,000. `live`: others may be writing (the night's check), so only what is missing or older
   * than the findings is rewritten, and `fixed` says how much that was.
   */
  rebuild(findings: Collection, upTo: Date, options?: { live?: boolean; progress?: (done: number) => void }): Promise<{ findings: number; open: number; fixed: number }>;
}

export function createFindingViews(connection: Connection): FindingViews {
  const openCollection = (): Collection<PackedOpenFinding> => connection.collection<PackedOpenFinding>('findings_open');
  const tallyCollection = (): Collection<TallyEvent | Rollup> => connection.collection<TallyEvent | Rollup>('finding_tallies');

  const readRollup = async (): Promise<Rollup | null> => (await tallyCollection().findOne({ _id: 'rollup' })) as Rollup | null;

  return {
    async sync(f, created) {
      const id = findingId(f.no);
      if (isOpen(f.status)) await openCollection().replaceOne({ _id: id }, pack(toOpenFinding(f)), { upsert: true });
      else await openCollection().deleteOne({ _id: id });
      const events = eventsOf(f).filter((e) => created || e.kind !== 'created');
      if (events.length) await insertNew(tallyCollection() as Collection<TallyEvent>, events);
      // A merged finding split off again (拆分) is no longer withdrawn.
      if (!created && f.history.at(-1)?.from === 'cancelled') await tallyCollection().deleteOne({ _id: `cancelled:${f.no}` });
    },

    async syncMany(made) {
      const open = made.filter((f) => isOpen(f.status)).map((f) => pack(toOpenFinding(f)));
      if (open.length) await insertBatches(openCollection(), open);
      await insertBatches(tallyCollection() as Collection<TallyEvent>, made.flatMap(eventsOf));
    },

    open: async () => (await openCollection().find({}).toArray()).map(unpack).sort((a, b) => a.no - b.no),

    async tallies(since, now) {
      const rollup = await readRollup();
      const upTo = rollup?.upTo.getTime() ?? -Infinity;
      const result: Tallies = {
        created: rollup?.created ?? 0,
        closed: rollup?.closed ?? 0,
        closedOnTime: rollup?.closedOnTime ?? 0,
        cancelled: rollup?.cancelled ?? 0,
        createdSince: since.getTime() >= upTo ? 0 : null,
        closedSince: since.getTime() >= upTo ? 0 : null,
      };
      const events = (await tallyCollection().find({}).toArray()).filter((e): e is TallyEvent => e._id !== 'rollup');
      for (const e of events) {
        // Left behind by a night's check that stopped before deleting them: already counted.
        if (e.at.getTime() < upTo) continue;
        const inWindow = e.at >= since && e.at <= now;
        if (e.kind === 'created') {
          result.created++;
          if (inWindow && result.createdSince !== null) result.createdSince++;
        } else if (e.kind === 'closed') {
          result.closed++;
          if (e.onTime) result.closedOnTime++;
          if (inWindow && result.closedSince !== null) result.closedSince++;
        } else result.cancelled++;
      }
      return result;
    },

    built: async () => (await readRollup()) !== null,

    async rebuild(findings, upTo, options = {}) {
      const rollup: Rollup = { _id: 'rollup', upTo, created: 0, closed: 0, closedOnTime: 0, cancelled: 0, at: new Date() };
      const open = new Map<string, { doc: PackedOpenFinding; version: number }>();
      const closedIds = new Set<string>();
      const recent: TallyEvent[] = [];
      let count = 0;
      const cursor = findings.find({}, { projection: { routing: 0, replyTo: 0, 'history.text': 0, 'history.note': 0 }, batchSize: 2_000 });
      for await (const doc of cursor) {
        const f = doc as unknown as Viewed;
        if (isOpen(f.status)) open.set(findingId(f.no), { doc: pack(toOpenFinding(f)), version: f.version });
        else closedIds.add(findingId(f.no));
        for (const e of eventsOf(f)) {
          if (e.at >= upTo) recent.push(e);
          else if (e.kind === 'created') rollup.created++;
          else if (e.kind === 'closed') {
            rollup.closed++;
            if (e.onTime) rollup.closedOnTime++;
          } else rollup.cancelled++;
        }
        if (++count % 10_000 === 0) options.progress?.(count);
      }
      let fixed = 0;
      if (!options.live) {
        await openCollection().deleteMany({});
        const docs = [...open.values()].map((o) => o.doc);
        for (let i = 0; i < docs.length; i += 2_000) await openCollection().insertMany(docs.slice(i, i + 2_000), { ordered: false });
        await tallyCollection().deleteMany({});
      } else {
        // Findings keep changing meanwhile: only what the scan saw as older than the view, or
        // missing from it, is rewritten, and a view of a finding seen closed goes only if it still is.
        const viewed = new Map((await openCollection().find({}).toArray()).map((d) => [d._id, unpack(d).version]));
        for (const [id, { doc, version }] of open) {
          const current = viewed.get(id);
          if (current !== undefined && current >= version) continue;
          await openCollection().replaceOne({ _id: id }, doc, { upsert: true });
          fixed++;
        }
        for (const id of viewed.keys()) {
          if (!closedIds.has(id)) continue;
          const now = (await findings.findOne({ _id: id } as object, { projection: { status: 1 } })) as { status: FindingStatus } | null;
          if (now && !isOpen(now.status)) {
            await openCollection().deleteOne({ _id: id });
            fixed++;
          }
        }
      }
      // The events since the rollup's end (whichever are missing), then the rollup, then the events it now counts go.
      const added = (await insertBatches(tallyCollection() as Collection<TallyEvent>, recent)).filter((r) => r === 'new').length;
      if (options.live) fixed += added;
      await tallyCollection().replaceOne({ _id: 'rollup' }, rollup, { upsert: true });
      await tallyCollection().deleteMany({ _id: { $ne: 'rollup' }, at: { $lt: upTo } });
      return { findings: count, open: open.size, fixed };
    },
  };
}

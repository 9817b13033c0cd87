import type { Collection, Connection } from 'mongoose';
import type { Clock } from '../clock';
import { insertNew } from '../db/claims';
import { highestInUse } from '../db/sequence';

/**
 * One record per household of a village, kept across inspection rounds. Findings name it by a
 * short code (东岭-017) wherever groups read; the name and ID number stay on the record.
 *
 * Every lookup is by `_id` (the only index FerretDB uses): the record's `_id` is its code, and
 * `household_keys` maps `id:<ID number>` and `name:<village>:<name>` to a code. A unique key
 * settles a race between two reports of the same new household: the loser takes the winner's code.
 */
export interface Household {
  _id: string;
  code: string;
  village: string;
  name: string | null;
  idNumber: string | null;
  createdAt: Date;
  /** Key problems (item codes) closed (销号) for this household before: a new one is a relapse (反弹). */
  closed: { item: string; no: number; at: Date }[];
}

export interface HouseholdInput {
  village: string | null;
  name?: string | null;
  idNumber?: string | null;
}

interface KeyDoc {
  _id: string;
  code: string;
}

export interface HouseholdRepository {
  /** The household this describes: matched on ID number, else name + village, else a new record. Null without a village or with neither name nor ID. */
  resolve(input: HouseholdInput): Promise<Household | null>;
  /** The same for many (an import): keys read once, new records written together. */
  resolveMany(inputs: HouseholdInput[]): Promise<(Household | null)[]>;
  /** The codes these would match now, creating nothing (an import's dry run). */
  lookupMany(inputs: HouseholdInput[]): Promise<(string | null)[]>;
  get(code: string): Promise<Household | null>;
  /** Remembers a key problem closed for the household (for the relapse flag). */
  noteClosed(code: string, item: string, no: number, at: Date): Promise<void>;
}

/** 东岭村 -> 东岭; a two-character name such as 姚村 stays whole. */
export function villageShort(village: string): string {
  return village.length > 2 ? village.replace(/村$/, '') : village;
}

export const householdCode = (village: string, seq: number): string => `${villageShort(village)}-${String(seq).padStart(3, '0')}`;

const clean = (s: string | null | undefined): string | null => {
  const t = (s ?? '').trim();
  return t === '' ? null : t;
};

const idKey = (id: string): string => `id:${id.toUpperCase()}`;
const nameKey = (village: string, name: string): string => `name:${village}:${name}`;

/** The keys a household is found by, the ID number's first: `id:<ID number>`, `name:<village>:<name>`. */
export function householdKeys(h: { village: string | null; name: string | null; idNumber: string | null }): string[] {
  return [...(h.idNumber ? [idKey(h.idNumber)] : []), ...(h.name && h.village ? [nameKey(h.village, h.name)] : [])];
}

export function createHouseholdRepository(connection: Connection, clock: Clock): HouseholdRepository {
  const records = (): Collection<Household> => connection.collection<Household>('households');
  const keys = (): Collection<KeyDoc> => connection.collection<KeyDoc>('household_keys');
  /** The highest sequence number used per village, as last seen by this instance. */
  const highest = new Map<string, number>();

  const get = async (code: string): Promise<Household | null> => (await records().findOne({ _id: code })) as Household | null;
  const exists = async (code: string): Promise<boolean> => (await records().findOne({ _id: code }, { projection: { _id: 1 } })) !== null;

  /** The next free code of the village (a number taken meanwhile is found by the unique `_id`). */
  async function nextCode(village: string, probe: boolean): Promise<string> {
    let seq = highest.get(village);
    if (seq === undefined || probe) seq = await highestInUse((n) => exists(householdCode(village, n)), seq ?? 0);
    highest.set(village, seq + 1);
    return householdCode(village, seq + 1);
  }

  /** What the keys say: the record for the ID, else for the name if it has no other ID. */
  function pick(input: { village: string; name: string | null; idNumber: string | null }, lookup: (key: string) => string | undefined): { code: string | null; adoptId: boolean } {
    if (input.idNumber) {
      const byId = lookup(idKey(input.idNumber));
      if (byId) return { code: byId, adoptId: false };
    }
    if (input.name) {
      const byName = lookup(nameKey(input.village, input.name));
      if (byName) return { code: byName, adoptId: Boolean(input.idNumber) };
    }
    return { code: null, adoptId: false };
  }

  async function adopt(h: Household, idNumber: string): Promise<Household | null> {
    // A name already tied to another ID number is another person of the same name.
    if (h.idNumber && h.idNumber !== idNumber.toUpperCase()) return null;
    if (!h.idNumber) {
      const [taken] = await insertNew(keys(), [{ _id: idKey(idNumber), code: h.code }]);
      if (taken === 'duplicate') return get((await keys().findOne({ _id: idKey(idNumber) }))!.code);
      await records().updateOne({ _id: h._id }, { $set: { idNumber: idNumber.toUpperCase() } });
      return { ...h, idNumber: idNumber.toUpperCase() };
    }
    return h;
  }

  /** Writes a new record and its keys; a key someone else took first hands over their record instead. */
  async function create(input: { village: string; name: string | null; idNumber: string | null }): Promise<Household> {
    for (let attempt = 0; ; attempt++) {
      const code = await nextCode(input.village, attempt > 0);
      const record: Household = { _id: code, code, village: input.village, name: input.name, idNumber: input.idNumber?.toUpperCase() ?? null, createdAt: clock.now(), closed: [] };
      if ((await insertNew(records(), [record]))[0] === 'duplicate') continue;
      const mine = householdKeys(input);
      const results = await insertNew(keys(), mine.map((_id) => ({ _id, code })));
      const lost = mine.find((k, i) => results[i] === 'duplicate' && (k.startsWith('id:') || !input.idNumber));
      if (lost) {
        const winner = (await keys().findOne({ _id: lost }))!.code;
        await records().deleteOne({ _id: code });
        await keys().deleteMany({ _id: { $in: mine.filter((_, i) => results[i] === 'new') }, code });
        return (await get(winner))!;
      }
      return record;
    }
  }

  const normalise = (input: HouseholdInput) => {
    const village = clean(input.village);
    const name = clean(input.name);
    const idNumber = clean(input.idNumber)?.toUpperCase() ?? null;
    return village && (name || idNumber) ? { village, name, idNumber } : null;
  };

  async function resolveOne(input: HouseholdInput, lookup: (key: string) => Promise<string | undefined>): Promise<Household | null> {
    const wanted = normalise(input);
    if (!wanted) return null;
    const seen = new Map<string, string | undefined>();
    for (const k of householdKeys(wanted)) seen.set(k, await lookup(k));
    const { code, adoptId } = pick(wanted, (k) => seen.get(k));
    const found = code ? await get(code) : null;
    if (found) {
      const adopted = adoptId && wanted.idNumber ? await adopt(found, wanted.idNumber) : found;
      if (adopted) return adopted;
    }
    return create(wanted);
  }

  return {
    get,
    resolve: (input) => resolveOne(input, async (k) => (await keys().findOne({ _id: k }))?.code),

    async resolveMany(inputs) {
      const known = new Map((await keys().find({}).toArray()).map((k) => [k._id, k.code]));
      const codes: (string | null)[] = inputs.map(() => null);
      const fresh: Household[] = [];
      const freshKeys: KeyDoc[] = [];
      const oneByOne: number[] = [];
      for (const [i, input] of inputs.entries()) {
        const wanted = normalise(input);
        if (!wanted) continue;
        const { code, adoptId } = pick(wanted, (k) => known.get(k));
        if (code && !adoptId) codes[i] = code;
        else if (code) oneByOne.push(i);
        else {
          // New: numbered here, written below with the others in one go.
          const made = await nextCode(wanted.village, false);
          fresh.push({ _id: made, code: made, village: wanted.village, name: wanted.name, idNumber: wanted.idNumber, createdAt: clock.now(), closed: [] });
          for (const k of [...(wanted.idNumber ? [idKey(wanted.idNumber)] : []), ...(wanted.name ? [nameKey(wanted.village, wanted.name)] : [])]) {
            freshKeys.push({ _id: k, code: made });
            known.set(k, made);
          }
          codes[i] = made;
        }
      }
      const written = fresh.length ? await insertNew(records(), fresh) : [];
      // A code another instance took meanwhile: those households are found or made one by one.
      const lost = new Set(fresh.filter((_, i) => written[i] === 'duplicate').map((h) => h.code));
      const keep = freshKeys.filter((k) => !lost.has(k.code));
      if (keep.length) await insertNew(keys(), keep);
      for (const [i, code] of codes.entries()) if (code && lost.has(code)) oneByOne.push(i);
      const byCode = new Map<string, Household>(fresh.filter((h) => !lost.has(h.code)).map((h) => [h.code, h]));
      const existing = [...new Set(codes.filter((c): c is string => c !== null && !byCode.has(c) && !lost.has(c)))];
      if (existing.length) for (const h of (await records().find({ _id: { $in: existing } }).toArray()) as Household[]) byCode.set(h.code, h);
      const out = codes.map((c) => (c ? (byCode.get(c) ?? null) : null));
      for (const i of oneByOne) out[i] = await this.resolve(inputs[i]!);
      return out;
    },

    async lookupMany(inputs) {
      const known = new Map((await keys().find({}).toArray()).map((k) => [k._id, k.code]));
      return inputs.map((input) => {
        const wanted = normalise(input);
        return wanted ? pick(wanted, (k) => known.get(k)).code : null;
      });
    },

    async noteClosed(code, item, no, at) {
      await records().updateOne({ _id: code }, { $push: { closed: { item, no, at } } });
    },
  };
}

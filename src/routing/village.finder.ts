import type { OrgConfig } from '../../config/org';
import { normaliseText, type Span } from './text.util';

export interface VillageMatch {
  village: string;
  district: string;
  /** The 包村干部's userid, when the organisation file names one. */
  cadre: string | null;
}

export interface VillageFinder {
  /** The first village a report mentions, by name, alias or short form (东岭 for 东岭村). */
  find(text: string): VillageMatch | null;
  /** A village given as a field: its name or any form of it, else the first one mentioned in it. */
  resolve(name: string): VillageMatch | null;
  byName(name: string): VillageMatch | null;
  /** Where the normalised text names a village or the town, so other readers can skip those words. */
  spans(normalised: string): Span[];
}

/** 东岭村 is also written 东岭; a one-character stem (姚村 → 姚) would match far too much. */
function shortForm(name: string): string | null {
  return name.endsWith('村') && [...name].length >= 3 ? name.slice(0, -1) : null;
}

export function createVillageFinder(org: OrgConfig): VillageFinder {
  const forms = new Map<string, VillageMatch | null>();
  const canonical = new Map<string, VillageMatch>();
  const villages = org.districts.flatMap((d) =>
    d.villages.map((v) => ({ names: [v.name, ...v.aliases].map(normaliseText), match: { village: v.name, district: d.name, cadre: v.cadre ?? null } })),
  );
  // Full names and aliases first, so a short form never takes another village's name.
  for (const v of villages) {
    canonical.set(v.match.village, v.match);
    for (const name of v.names) if (!forms.has(name)) forms.set(name, v.match);
  }
  for (const v of villages) {
    for (const name of v.names) {
      const short = shortForm(name);
      if (short && !forms.has(short)) forms.set(short, v.match);
    }
  }
  // The town's name contains a village's (姚村镇 ⊃ 姚村) and must not be read as it.
  const town = normaliseText(org.town);
  forms.set(town, null);

  const ordered = [...forms.entries()].sort((a, b) => b[0].length - a[0].length);

  // Reused from report to report: the router asks for every report and every piece of one.
  let used = new Uint8Array(256);
  function mentions(normalised: string): Array<Span & { match: VillageMatch | null }> {
    if (used.length < normalised.length) used = new Uint8Array(2 * normalised.length);
    used.fill(0, 0, normalised.length);
    const found: Array<Span & { match: VillageMatch | null }> = [];
    for (const [form, match] of ordered) {
      for (let at = normalised.indexOf(form); at >= 0; at = normalised.indexOf(form, at + form.length)) {
        const end = at + form.length;
        let taken = false;
        for (let i = at; i < end && !taken; i++) taken = used[i] === 1;
        if (taken) continue;
        used.fill(1, at, end);
        found.push({ start: at, end, match });
      }
    }
    return found.sort((a, b) => a.start - b.start);
  }

  const find = (text: string): VillageMatch | null => mentions(normaliseText(text)).find((m) => m.match !== null)?.match ?? null;
  const byName = (name: string): VillageMatch | null => canonical.get(name) ?? forms.get(normaliseText(name)) ?? null;

  return {
    find,
    byName,
    resolve: (name) => byName(name) ?? find(name),
    spans: (normalised) => mentions(normalised).map(({ start, end }) => ({ start, end })),
  };
}

import type { OrgConfig, Target } from '../../config/org';

/** A unit a finding can be sent to: a department of the table, or a 管区 for tasks 1-2. */
export interface Unit {
  name: string;
  kind: 'department' | 'district';
  target: Target;
  members: string[];
}

export interface VillageInfo {
  name: string;
  district: string;
  cadre: string | null;
}

/** Who is who, read from the organisation file once. */
export interface Directory {
  readonly town: string;
  readonly org: OrgConfig;
  unit(name: string): Unit | undefined;
  units(): Unit[];
  village(name: string): VillageInfo | undefined;
  villages(): VillageInfo[];
  isLeader(userid: string): boolean;
  leaders(): string[];
  /** Units the user belongs to (as member, or as 包村干部 of one of its villages). */
  unitsOf(userid: string): string[];
  /** Whether the user answers for any of these units (for a district: its members and, for the finding's village, the cadre). */
  isResponsible(userid: string, unitNames: string[], village?: string | null): boolean;
  displayName(userid: string): string;
  knows(userid: string): boolean;
  /** Everyone in the file, for the simulator's member picker. */
  everyone(): string[];
}

export function createDirectory(org: OrgConfig): Directory {
  const units = new Map<string, Unit>();
  for (const d of org.departments) units.set(d.name, { name: d.name, kind: 'department', target: d.target, members: d.members });
  for (const d of org.districts) units.set(d.name, { name: d.name, kind: 'district', target: d.target, members: d.members });

  const villages = new Map<string, VillageInfo>();
  for (const d of org.districts) {
    for (const v of d.villages) villages.set(v.name, { name: v.name, district: d.name, cadre: v.cadre ?? null });
  }

  const names = new Map<string, string>();
  for (const p of [...org.people, ...org.leaders]) names.set(p.userid, p.name);
  const leaders = new Set(org.leaders.map((l) => l.userid));

  const everyone = new Set<string>([...leaders, ...org.people.map((p) => p.userid)]);
  for (const u of units.values()) {
    u.members.forEach((m) => everyone.add(m));
    if ('users' in u.target) u.target.users.forEach((m) => everyone.add(m));
  }
  for (const v of villages.values()) if (v.cadre) everyone.add(v.cadre);

  const unitsOf = (userid: string): string[] => {
    const result = [...units.values()].filter((u) => u.members.includes(userid)).map((u) => u.name);
    for (const v of villages.values()) if (v.cadre === userid && !result.includes(v.district)) result.push(v.district);
    return result;
  };

  return {
    town: org.town,
    org,
    unit: (name) => units.get(name),
    units: () => [...units.values()],
    village: (name) => villages.get(name),
    villages: () => [...villages.values()],
    isLeader: (userid) => leaders.has(userid),
    leaders: () => [...leaders],
    unitsOf,
    isResponsible(userid, unitNames, village) {
      for (const name of unitNames) {
        const unit = units.get(name);
        if (!unit) continue;
        if (unit.members.includes(userid)) return true;
        if ('users' in unit.target && unit.target.users.includes(userid)) return true;
        if (unit.kind === 'district') {
          const v = village ? villages.get(village) : undefined;
          if (v ? v.cadre === userid : [...villages.values()].some((x) => x.district === name && x.cadre === userid)) return true;
        }
      }
      return false;
    },
    displayName: (userid) => names.get(userid) ?? userid,
    knows: (userid) => everyone.has(userid),
    everyone: () => [...everyone],
  };
}


import type { DomainContext } from '../context';
import { insertNew } from '../db/claims';
import type { Finding } from '../findings/finding.repository';

const MARKER = 'households';
/** A finding another instance changes meanwhile is read again this many times. */
const ATTEMPTS = 3;

/**
 * Findings stored before household records existed kept the household's name and ID number but no
 * code. Once, at the first start of this version, each of them that names its village is matched
 * to a household record (made when there is none), as a new report would be, and takes its code;
 * a closed one is noted on the record, so that the same key problem reported again is a 反弹. The
 * change goes through the repository, so the open findings' view (what merges duplicates) follows.
 * A stop in the middle leaves the rest uncoded for the next start; a marker says when all are.
 * Returns how many findings were coded.
 */
export async function codeHouseholdsStoredBefore(ctx: DomainContext): Promise<number> {
  const done = ctx.findings.model.db.collection<{ _id: string; at: Date }>('findings_migrations');
  if (await done.findOne({ _id: MARKER })) return 0;
  const uncoded = (
    await ctx.findings.model
      .find({ household: { $ne: null }, 'household.code': null }, { no: 1, village: 1, household: 1 })
      .sort({ no: 1 })
      .lean<Pick<Finding, 'no' | 'village' | 'household'>[]>()
      .exec()
  ).filter((f) => f.village && (f.household?.name || f.household?.idNumber));
  const households = await ctx.households.resolveMany(uncoded.map((f) => ({ village: f.village, name: f.household!.name, idNumber: f.household!.idNumber })));
  let coded = 0;
  for (const [i, { no }] of uncoded.entries()) {
    const household = households[i];
    if (!household) continue;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const f = await ctx.findings.get(no);
      if (!f?.household || f.household.code) break;
      const changed = await ctx.findings.change(no, { version: f.version }, { household: { ...f.household, code: household.code } }, null);
      if (!changed) continue;
      coded += 1;
      if (changed.status === 'closed' && changed.item) await ctx.households.noteClosed(household.code, changed.item, no, changed.closedAt ?? changed.updatedAt);
      break;
    }
  }
  await insertNew(done, [{ _id: MARKER, at: ctx.clock.now() }]);
  return coded;
}

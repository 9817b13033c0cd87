/**
 * The highest number in use, found from one known to be in use (or 0) by lookups of single
 * numbers, which every server answers from its `_id` index: doubling steps, then halving.
 * Numbers are never deleted, so those in use run 1..highest without gaps.
 */
export async function highestInUse(exists: (n: number) => Promise<boolean>, known: number): Promise<number> {
  let low = known;
  let step = 1;
  while (await exists(low + step)) {
    low += step;
    step *= 2;
  }
  let high = low + step;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await exists(mid)) low = mid;
    else high = mid;
  }
  return low;
}

import type { DomainContext } from '../context';
import { codeHouseholdsStoredBefore } from '../households/household-migration';
import { previousDigestTime } from './digest.service';

/**
 * Where the tallies' rollup ends (see findings/finding-views.ts): the last digest before today, so
 * that what today's digest counts "since the last digest" is still in single events.
 */
export function rollupPoint(ctx: DomainContext, now: Date): Date {
  return previousDigestTime(ctx, ctx.calendar.day(now).date);
}

/**
 * The night's check (housekeeping): the open findings' view against the findings, and the tallies
 * recounted, their rollup moved on to the last digest. What it had to put right is logged.
 */
export async function checkFindingViews(ctx: DomainContext, now: Date): Promise<{ findings: number; open: number; fixed: number }> {
  const result = await ctx.findings.rebuildViews(rollupPoint(ctx, now), { live: true });
  if (result.fixed > 0) ctx.logger.warn(result, `问题视图有 ${result.fixed} 处与问题记录不符，已更正`);
  else ctx.logger.info(result, '问题视图与问题记录一致，计数已汇总');
  return result;
}

/** Rebuilds the open-findings view and the tallies from the findings themselves (nothing else writing). */
export async function rebuildFindingViews(ctx: DomainContext, now: Date): Promise<{ findings: number; open: number }> {
  return ctx.findings.rebuildViews(rollupPoint(ctx, now), { progress: (done) => ctx.logger.info(`正在建立问题视图：已读 ${done} 件`) });
}

/**
 * At start: brings findings stored by an earlier version up to date (their channel, once), then
 * builds the views once when this database has none (a new database, or findings from before the
 * views existed), then gives findings from before household records their household's code (once,
 * through the views). Reminders, the digest and duplicate checks read the views, so this comes first.
 */
export async function ensureFindingViews(ctx: DomainContext): Promise<void> {
  const moved = await ctx.findings.moveChannelStoredBefore();
  if (moved > 0) ctx.logger.info({ moved }, `已为 ${moved} 件旧问题记录补上问题来源（自查）`);
  if (!(await ctx.findings.viewsBuilt())) {
    const started = Date.now();
    const rekeyed = await ctx.findings.rekeyStoredBefore();
    if (rekeyed > 0) ctx.logger.info({ rekeyed }, `已将 ${rekeyed} 件问题改为按编号存储`);
    const result = await rebuildFindingViews(ctx, ctx.clock.now());
    if (result.findings > 0) ctx.logger.info({ ...result, ms: Date.now() - started }, `问题视图已建立：${result.findings} 件问题，其中 ${result.open} 件未办结`);
  }
  const coded = await codeHouseholdsStoredBefore(ctx);
  if (coded > 0) ctx.logger.info({ coded }, `已为 ${coded} 件旧问题关联农户记录并编号`);
}

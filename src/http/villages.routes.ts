import type Router from '@koa/router';
import type { DomainContext } from '../context';
import { AppError } from '../errors';
import { householdPage, villagesPage, type VillageRow } from '../web/villages.template';
import { maySeeFinding, sendPage, seesEverything, viewerOf, whoLine } from './viewer';

/**
 *   GET /dashboard/villages          per village and 管区: open, closed, households with open findings, overdue, 清零
 *   GET /dashboard/households/:code  a household's findings across batches (name and ID number for those who may see them)
 */
export function addVillageRoutes(router: Router, deps: { domain: DomainContext }): void {
  const { domain } = deps;
  const { directory } = domain;

  router.get('/villages', async (ctx) => {
    const v = viewerOf(ctx);
    const now = domain.clock.now();
    // Open ones from the open view; closed ones counted by the database ($group/$sum, which every server has).
    const open = await domain.findings.open();
    const closed = new Map(
      ((await domain.findings.model.aggregate([{ $match: { status: 'closed' } }, { $group: { _id: '$village', n: { $sum: 1 } } }])) as { _id: string | null; n: number }[]).map((g) => [g._id, g.n]),
    );
    const rows: VillageRow[] = directory.villages().map((village) => {
      const mine = open.filter((f) => f.village === village.name);
      return {
        village: village.name,
        district: village.district,
        open: mine.length,
        closed: closed.get(village.name) ?? 0,
        households: new Set(mine.map((f) => f.householdCode).filter(Boolean)).size,
        overdue: mine.filter((f) => f.deadline && f.deadline < now && (f.status === 'dispatched' || f.status === 'accepted')).length,
      };
    });
    sendPage(ctx, villagesPage({ town: directory.town, nonce: ctx.state.nonce ?? '', who: whoLine(v), rows }));
  });

  router.get('/households/:code', async (ctx) => {
    const v = viewerOf(ctx);
    const code = String(ctx.params.code);
    const household = await domain.households.get(code);
    if (!household) throw new AppError('not_found', `没有农户 ${code}`);
    const findings = await domain.findings.list({ household: code });
    // The name and ID number: leaders, the village's 管区, and whoever may see one of its findings.
    const district = directory.village(household.village)?.district;
    const personal =
      seesEverything(v) ||
      (v.kind === 'member' && ((district !== undefined && directory.isResponsible(v.userid, [district], household.village)) || findings.some((f) => maySeeFinding(v, f, directory))));
    sendPage(ctx, householdPage({ town: directory.town, nonce: ctx.state.nonce ?? '', who: whoLine(v), household, findings, personal }));
  });
}

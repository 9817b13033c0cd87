import Router from '@koa/router';
import type { Context } from 'koa';
import { PassThrough } from 'node:stream';
import type { DomainContext } from '../context';
import { findingQuery, parseFindingFilter } from '../dashboard/finding-filter';
import { ledgerDisposition, writeLedger } from '../ledger/ledger.export';
import { requireAdminToken } from './auth';

/** Streams the ledger for these filters into the response; the download starts with the first rows. */
export function sendLedger(ctx: Context, domain: DomainContext, options: { scope: Record<string, unknown> | null; mask: boolean; timeZone: string }): void {
  const filter = parseFindingFilter(ctx.query);
  const now = domain.clock.now();
  const query = findingQuery(filter, { now, timeZone: options.timeZone, scope: options.scope });
  const out = new PassThrough();
  ctx.status = 200;
  ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  ctx.set('Content-Disposition', ledgerDisposition(domain.directory.town, now, options.timeZone));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = out;
  const log = ctx.state.log;
  const started = performance.now();
  domain.evidence
    .countsByFinding()
    .then((photos) =>
      writeLedger({ model: domain.findings.model, directory: domain.directory, query, mask: options.mask, timeZone: options.timeZone, now, out, calendar: domain.calendar, photos, findingLink: domain.links.finding }),
    )
    .then(
    ({ rows }) => log.info({ rows, ms: Math.round(performance.now() - started), masked: options.mask }, '台账已导出'),
    (err: unknown) => {
      // Headers are gone already: all that is left is to cut the download short.
      log.error({ err }, '台账导出失败');
      out.destroy(err as Error);
    },
  );
}

/** GET /export/ledger.xlsx — the whole ledger for scripts and the operator (admin token, numbers in full). */
export function createExportRouter(domain: DomainContext, options: { adminToken: string | undefined; timeZone: string }): Router {
  const router = new Router({ prefix: '/export' });
  router.use(requireAdminToken(options.adminToken));
  router.get('/ledger.xlsx', (ctx) => sendLedger(ctx, domain, { scope: null, mask: false, timeZone: options.timeZone }));
  return router;
}

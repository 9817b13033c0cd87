import Router from '@koa/router';
import type { Context } from 'koa';
import { PassThrough } from 'node:stream';
import type { DomainContext } from '../context';
import { gradeNumbers } from '../dashboard/dashboard.query';
import { findingQuery, optionalDay, parseFindingFilter } from '../dashboard/finding-filter';
import type { Grade } from '../findings/finding.model';
import { gradesOfOpen } from '../findings/grade';
import { ledgerDisposition, writeLedger } from '../ledger/ledger.export';
import { z } from 'zod';
import { addDays, createZonedTime } from '../calendar/zoned-time';
import { AppError } from '../errors';
import { collectReport } from '../report/rectification-report';
import { reportDisposition, writeReportDocx } from '../report/report.docx';
import { bearerMatches, requireAdminToken } from './auth';
import type { WebAuth } from './viewer';

/** Streams the ledger for these filters into the response; the download starts with the first rows. */
export async function sendLedger(ctx: Context, domain: DomainContext, options: { scope: Record<string, unknown> | null; mask: boolean; timeZone: string }): Promise<void> {
  const filter = parseFindingFilter(ctx.query);
  const now = domain.clock.now();
  const grades = filter.grade ? gradesOfOpen(await domain.findings.open(), domain.directory.org.reminders, domain.calendar, now) : new Map<number, Grade>();
  const query = findingQuery(filter, { now, timeZone: options.timeZone, scope: options.scope, gradeNos: gradeNumbers(grades, filter.grade) });
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

const reportRange = z.object({ from: optionalDay, to: optionalDay });

/**
 * The 整改报告 for `from`..`to` (both days included; default: this month up to today) as a .docx.
 * Leaders (a session) and the admin token only: it covers the whole town.
 */
async function sendReport(ctx: Context, domain: DomainContext, timeZone: string): Promise<void> {
  const parsed = reportRange.safeParse({ from: ctx.query.from, to: ctx.query.to });
  if (!parsed.success) throw new AppError('bad_request', `日期有误：${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('；')}`);
  const zone = createZonedTime(timeZone);
  const now = domain.clock.now();
  const today = zone.dateOf(now);
  const last = parsed.data.to ?? today;
  const first = parsed.data.from ?? `${last.slice(0, 8)}01`;
  if (first > last) throw new AppError('bad_request', '开始日期不能晚于结束日期');
  const data = await collectReport(domain, zone.at(first, '00:00'), zone.at(addDays(last, 1), '00:00'), now);
  ctx.body = await writeReportDocx(data, { first, last }, timeZone);
  ctx.type = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  ctx.set('Content-Disposition', reportDisposition(domain.directory.town, first, last));
  ctx.set('Cache-Control', 'no-store');
}

/**
 * GET /export/ledger.xlsx — the whole ledger for scripts and the operator (admin token, numbers in full).
 * GET /export/report.docx?from=&to= — the written 整改报告 (admin token, or a leader signed in).
 */
export function createExportRouter(domain: DomainContext, options: { adminToken: string | undefined; timeZone: string; auth?: WebAuth }): Router {
  const router = new Router({ prefix: '/export' });
  router.get('/ledger.xlsx', requireAdminToken(options.adminToken), (ctx) => sendLedger(ctx, domain, { scope: null, mask: false, timeZone: options.timeZone }));
  router.get('/report.docx', async (ctx) => {
    const v = options.auth?.viewer(ctx) ?? (bearerMatches(ctx.get('authorization'), options.adminToken) ? { kind: 'admin' as const, leader: true } : null);
    if (!v) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new AppError('unauthorized', '需要有效的访问令牌或镇领导登录');
    }
    if (v.kind !== 'admin' && !v.leader) throw new AppError('forbidden', '整改报告只有镇领导可以下载');
    await sendReport(ctx, domain, options.timeZone);
  });
  return router;
}

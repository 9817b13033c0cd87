import { openAlikeElsewhere } from '../findings/finding.service';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { DomainContext } from '../context';
import { createWorkingTimeline } from '../calendar/working-timeline';
import { createZonedTime } from '../calendar/zoned-time';
import { loadDashboard } from '../dashboard/dashboard.query';
import { gradeOfFinding, gradesOfOpen } from '../findings/grade';
import { OVERDUE_STATUSES, parseFindingFilter } from '../dashboard/finding-filter';
import { AppError } from '../errors';
import { checkPhoto, evidenceKindFor, evidenceRequiredBeforeClose, MAX_PHOTO_BYTES, MAX_PHOTOS_PER_FINDING, MAX_PHOTOS_PER_UPLOAD } from '../evidence/evidence.policy';
import type { Finding } from '../findings/finding.repository';
import { UNREACHABLE_LABEL } from '../outbox/wecom-health';
import { overdueDuration } from '../reminders/reminder.messages';
import { dashboardPage } from '../web/dashboard.template';
import { findingPage } from '../web/finding.template';
import { sendLedger } from './export.routes';
import { requireCsrf } from './form.routes';
import { addImportRoutes } from './import.routes';
import { addVillageRoutes } from './villages.routes';
import { readMultipart } from './multipart';
import type { SessionManager } from './session';
import { htmlPages, maySeeFinding, scopeQuery, seesEverything, sendPage, viewerOf, whoLine, type Viewer, type WebAuth } from './viewer';

/**
 * Progress for leaders (WeCom OAuth session or the admin token); other members see their own
 * units' findings and their own reports.
 *   GET  /dashboard                          totals, 办结率, overdue, trend, list (filters in the query)
 *   GET  /dashboard/ledger.xlsx              the ledger for the same filters (numbers masked unless admin)
 *   GET  /dashboard/findings/:no             one finding: facts, history, photos (the links in messages)
 *   GET  /dashboard/findings/:no/photos/:id  one photo
 *   POST /dashboard/findings/:no/photos      add photos (reporter, leaders, the responsible units)
 *   /dashboard/import...                     问题清单 import (leaders; see import.routes.ts)
 *   /dashboard/villages, /households/:code   per village; a household (see villages.routes.ts)
 */
export function createDashboardRouter(deps: { domain: DomainContext; auth: WebAuth; sessions: SessionManager; timeZone: string }): Router {
  const { domain, auth, sessions, timeZone } = deps;
  const { directory } = domain;
  const router = new Router({ prefix: '/dashboard' });
  router.use(htmlPages(), auth.page());

  async function visibleFinding(ctx: Context, v: Viewer): Promise<Finding> {
    const no = Number(ctx.params.no);
    if (!Number.isSafeInteger(no) || no < 1) throw new AppError('not_found', '没有这个问题编号');
    const f = await domain.findings.get(no);
    if (!f) throw new AppError('not_found', `没有第 ${no} 号问题`);
    if (!maySeeFinding(v, f, directory)) throw new AppError('forbidden', `第 ${no} 号问题只有报告人、责任单位和镇领导可以查看。`);
    return f;
  }

  /** Members who may add photos to this finding now: its reporter, leaders, its responsible people. */
  const mayAddPhotos = (v: Viewer, f: Finding): v is Extract<Viewer, { kind: 'member' }> =>
    v.kind === 'member' && f.status !== 'closed' && f.status !== 'cancelled' && maySeeFinding(v, f, directory);

  router.get('/', async (ctx) => {
    const v = viewerOf(ctx);
    const filter = parseFindingFilter(ctx.query);
    const now = domain.clock.now();
    const started = performance.now();
    const grades = gradesOfOpen(await domain.findings.open(), directory.org.reminders, domain.calendar, now);
    const data = await loadDashboard(domain.findings.model, directory, filter, { now, timeZone, scope: scopeQuery(v), grades });
    ctx.state.log.debug({ ms: Math.round(performance.now() - started), total: data.totals.total }, '进度页已生成');
    sendPage(ctx, dashboardPage({
      town: directory.town,
      nonce: ctx.state.nonce ?? '',
      who: whoLine(v),
      scoped: !seesEverything(v),
      filter,
      data,
      now,
      today: createZonedTime(timeZone).dateOf(now),
      options: {
        units: directory.units().map((u) => u.name),
        villages: directory.villages().map((x) => ({ name: x.name, district: x.district })),
        batches: ((await domain.findings.model.distinct('batch')) as (string | null)[]).filter((b): b is string => Boolean(b)).sort(),
      },
      wecomFault: await domain.wecomHealth.degraded(),
      unreachable: seesEverything(v)
        ? (await domain.wecomHealth.unreachables()).map((u) => ({ name: directory.displayName(u.userid), why: UNREACHABLE_LABEL[u.why] }))
        : [],
    }));
  });

  router.get('/ledger.xlsx', async (ctx) => {
    const v = viewerOf(ctx);
    await sendLedger(ctx, domain, { scope: scopeQuery(v), mask: v.kind !== 'admin', timeZone });
  });

  /** As the list marks it (dispatched or accepted past the deadline), with the working days it is late. */
  function overdueOf(f: Finding, now: Date): string | null {
    if (!f.deadline || f.deadline >= now || !OVERDUE_STATUSES.includes(f.status)) return null;
    const timeline = createWorkingTimeline(domain.calendar, f.deadline, now);
    return overdueDuration(timeline.between(f.deadline, now), timeline.dayHours);
  }

  router.get('/findings/:no', async (ctx) => {
    const v = viewerOf(ctx);
    const f = await visibleFinding(ctx, v);
    const photos = await domain.evidence.list(f.no);
    sendPage(ctx, findingPage({
      town: directory.town,
      nonce: ctx.state.nonce ?? '',
      who: whoLine(v),
      finding: f,
      photos,
      name: (userid) => directory.displayName(userid),
      sent: ctx.query.sent === '1' && (v.kind === 'admin' || v.userid === f.reporter),
      siblings: typeof ctx.query.also === 'string' ? ctx.query.also.split(',').filter((n) => /^\d{1,9}$/.test(n)).slice(0, 20).map(Number) : [],
      upload: mayAddPhotos(v, f)
        ? { csrf: sessions.csrfToken(v.session), kind: evidenceKindFor(directory, f, v.userid) === 'rectification' ? '整改照片' : '问题照片' }
        : null,
      evidenceRequired: evidenceRequiredBeforeClose(directory.org, f.departments),
      overdue: overdueOf(f, domain.clock.now()),
      grade: gradeOfFinding(f, directory.org.reminders, domain.calendar, domain.clock.now()),
      alike: f.status === 'closed' ? await openAlikeElsewhere(domain, f) : [],
    }));
  });

  router.get('/findings/:no/photos/:id', async (ctx) => {
    const v = viewerOf(ctx);
    const f = await visibleFinding(ctx, v);
    const photo = await domain.evidence.get(String(ctx.params.id));
    if (!photo || photo.findingNo !== f.no) throw new AppError('not_found', '没有这张照片');
    ctx.type = photo.contentType;
    ctx.length = photo.size;
    ctx.set('Cache-Control', 'private, max-age=86400');
    ctx.set('Content-Disposition', `inline; filename="${photo.filename.replace(/[^\w.-]/g, '_')}"`);
    ctx.body = domain.evidence.open(photo.id);
  });

  router.post('/findings/:no/photos', async (ctx) => {
    const v = viewerOf(ctx);
    const f = await visibleFinding(ctx, v);
    if (!mayAddPhotos(v, f)) throw new AppError('forbidden', f.status === 'closed' || f.status === 'cancelled' ? '该问题已办结，不能再上传照片' : '您不能为该问题上传照片');
    const body = await readMultipart(ctx, { files: MAX_PHOTOS_PER_UPLOAD, fileSize: MAX_PHOTO_BYTES, fields: 5, fieldSize: 1024 });
    requireCsrf(v, sessions, body.fields.csrf);
    const photos = body.files.filter((p) => p.field === 'photos').map((p) => ({ ...p, type: checkPhoto(p.buffer, p.filename) }));
    if (photos.length === 0) throw new AppError('bad_request', '请选择要上传的照片');
    if ((await domain.evidence.count(f.no)) + photos.length > MAX_PHOTOS_PER_FINDING) throw new AppError('bad_request', `每个问题最多 ${MAX_PHOTOS_PER_FINDING} 张照片`);
    const kind = evidenceKindFor(directory, f, v.userid);
    const now = domain.clock.now();
    for (const [i, p] of photos.entries()) {
      await domain.evidence.add({
        findingNo: f.no,
        kind,
        by: v.userid,
        source: 'page',
        at: now,
        buffer: p.buffer,
        contentType: p.type.contentType,
        filename: `${f.no}-page-${now.getTime()}-${i + 1}.${p.type.extension}`,
      });
    }
    ctx.state.log.info({ no: f.no, photos: photos.length, kind }, '已在问题页面添加照片');
    ctx.status = 303;
    ctx.redirect(`/dashboard/findings/${f.no}`);
  });

  addImportRoutes(router, { domain, sessions });
  addVillageRoutes(router, { domain });
  return router;
}

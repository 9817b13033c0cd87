import Router from '@koa/router';
import type { Context } from 'koa';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { findItem } from '../../config/division-table';
import type { DomainContext } from '../context';
import { AppError } from '../errors';
import { checkPhoto, MAX_PHOTO_BYTES, MAX_PHOTOS_PER_UPLOAD } from '../evidence/evidence.policy';
import { MAX_REPORT_CHARS, reportFinding } from '../findings/finding.service';
import { itemLabel } from '../findings/messages';
import { formPage } from '../web/form.template';
import { readMultipart } from './multipart';
import type { SessionManager } from './session';
import { htmlPages, sendPage, viewerOf, whoLine, type Viewer, type WebAuth } from './viewer';

/**
 * The mobile report form, the form twin of POST /api/findings:
 *   GET  /form           the page (WeCom OAuth session, or the admin token)
 *   GET  /form/suggest   where the text would be routed, for the page while typing (JSON)
 *   POST /form           multipart: the fields and up to 9 photos -> reportFinding (channel "form")
 * The reporter is the session's user (the admin token names one). A form post carries the CSRF
 * token of its session and a per-page submission id, so a double tap makes one finding.
 */

const optional = (schema: z.ZodString) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const formSchema = z.object({
  text: z.string({ error: '请填写问题描述' }).trim().min(1, '请填写问题描述').max(MAX_REPORT_CHARS, `问题描述最多 ${MAX_REPORT_CHARS} 字`),
  village: optional(z.string().trim().max(50, '村名过长')),
  household_name: optional(z.string().trim().max(50, '农户姓名过长')),
  id_number: optional(z.string().trim().regex(/^\d{17}[\dXx]$/, '身份证号应为 18 位')),
  category: optional(z.string().trim().regex(/^(#[1-8]|[1-8](\.\d{1,2}){1,2})$/, '任务或重点问题选择无效')),
  urgency: z.preprocess((v) => (v === '' || v === undefined ? 'normal' : v), z.enum(['normal', 'urgent'], { error: '紧急程度无效' })),
  reporter: optional(z.string().trim().max(64)),
  submission: optional(z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '表单已过期，请刷新页面')),
  csrf: optional(z.string().max(200)),
});

const suggestSchema = z.object({
  text: z.string().trim().max(MAX_REPORT_CHARS).default(''),
  village: optional(z.string().trim().max(50)),
});

function firstIssue(error: z.ZodError): AppError {
  const issue = error.issues[0];
  return new AppError('bad_request', issue?.message ?? '表单填写有误');
}

function category(value: string | undefined): { task: number | null; item: string | null } {
  if (!value) return { task: null, item: null };
  if (value.startsWith('#')) return { task: Number(value.slice(1)), item: null };
  const ref = findItem(value);
  if (!ref) throw new AppError('bad_request', `没有“${value}”这一重点问题`);
  return { task: ref.task.no, item: value };
}

/** Who the report is from: the signed-in member, or (admin token) the member the form names. */
function reporterOf(v: Viewer, named: string | undefined, domain: DomainContext): string {
  if (v.kind === 'member') return v.userid;
  if (!named) throw new AppError('bad_request', '请选择报告人');
  if (!domain.directory.knows(named)) throw new AppError('bad_request', `组织文件中没有成员 ${named}`);
  return named;
}

export function requireCsrf(v: Viewer, sessions: SessionManager, token: unknown): void {
  // A bearer token is never sent by a browser on its own: only sessions need the CSRF check.
  if (v.kind === 'member' && !sessions.csrfValid(v.session, token)) throw new AppError('forbidden', '页面已过期，请刷新后重新提交');
}

function wantsJson(ctx: Context): boolean {
  return ctx.accepts('html', 'json') === 'json';
}

export function createFormRouter(deps: { domain: DomainContext; auth: WebAuth; sessions: SessionManager }): Router {
  const { domain, auth, sessions } = deps;
  const router = new Router({ prefix: '/form' });
  router.use(htmlPages());

  router.get('/', auth.page(), (ctx) => {
    const v = viewerOf(ctx);
    const districts = domain.directory.org.districts.map((d) => ({ name: d.name, villages: d.villages.map((x) => x.name) }));
    sendPage(ctx, formPage({
      town: domain.directory.town,
      nonce: ctx.state.nonce ?? '',
      who: whoLine(v),
      csrf: v.kind === 'member' ? sessions.csrfToken(v.session) : '',
      submission: randomBytes(12).toString('base64url'),
      districts,
      reporters: v.kind === 'admin' ? domain.directory.everyone().map((userid) => ({ userid, name: domain.directory.displayName(userid) })) : null,
    }));
  });

  router.get('/suggest', auth.api(), async (ctx) => {
    const parsed = suggestSchema.safeParse({ text: ctx.query.text, village: ctx.query.village });
    if (!parsed.success) throw firstIssue(parsed.error);
    const { text, village } = parsed.data;
    ctx.set('Cache-Control', 'no-store');
    if (text.length < 2) {
      ctx.body = { task: null, item: null, label: null, departments: [], village: null, confidence: 0, needsConfirmation: true };
      return;
    }
    const known = village && domain.directory.village(village) ? village : null;
    const r = domain.router.route({ text, village: known }, await domain.corrections.all());
    ctx.body = {
      task: r.task,
      item: r.item,
      label: r.task !== null ? itemLabel(r.task, r.item) : null,
      departments: r.departments,
      village: r.village,
      confidence: r.confidence,
      needsConfirmation: r.needsConfirmation,
    };
  });

  router.post('/', auth.api(), async (ctx) => {
    const v = viewerOf(ctx);
    const body = await readMultipart(ctx, { files: MAX_PHOTOS_PER_UPLOAD, fileSize: MAX_PHOTO_BYTES, fields: 20, fieldSize: 16 * 1024 });
    requireCsrf(v, sessions, body.fields.csrf);
    const parsed = formSchema.safeParse(body.fields);
    if (!parsed.success) throw firstIssue(parsed.error);
    const input = parsed.data;
    const reporter = reporterOf(v, input.reporter, domain);
    const photos = body.files.filter((f) => f.field === 'photos').map((f) => ({ ...f, type: checkPhoto(f.buffer, f.filename) }));
    const { task, item } = category(input.category);

    const sourceKey = `form:${reporter}:${input.submission ?? randomBytes(12).toString('base64url')}`;
    const { finding, created, parts } = await reportFinding(domain, {
      text: input.text,
      reporter,
      village: input.village ?? null,
      task,
      item,
      household: input.household_name || input.id_number ? { name: input.household_name ?? null, idNumber: input.id_number?.toUpperCase() ?? null } : null,
      urgency: input.urgency,
      channel: 'form',
      sourceKey,
    });
    // Keyed per submission and position: a retried post fills in what is missing and adds nothing twice.
    const now = domain.clock.now();
    for (const [i, p] of photos.entries()) {
      await domain.evidence.add({
        findingNo: finding.no,
        kind: 'problem',
        by: reporter,
        source: 'form',
        at: now,
        buffer: p.buffer,
        contentType: p.type.contentType,
        filename: `${finding.no}-${i + 1}.${p.type.extension}`,
        key: `${sourceKey}:photo:${i}`,
      });
    }
    ctx.state.log.info({ no: finding.no, created, photos: photos.length, reporter }, '表单上报');

    const also = parts.slice(1).map((f) => f.no).join(',');
    const url = `/dashboard/findings/${finding.no}?sent=1${also ? `&also=${also}` : ''}`;
    if (wantsJson(ctx)) {
      ctx.status = created ? 201 : 200;
      ctx.body = {
        ok: true,
        no: finding.no,
        status: finding.status,
        departments: finding.departments,
        photos: photos.length,
        url,
        ...(parts.length > 1 ? { parts: parts.map((f) => ({ no: f.no, status: f.status, departments: f.departments })) } : {}),
      };
    } else {
      ctx.status = 303;
      ctx.redirect(url);
    }
  });

  return router;
}

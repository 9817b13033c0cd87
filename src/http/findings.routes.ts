import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DomainContext } from '../context';
import { AppError } from '../errors';
import { SOURCES, STATUSES } from '../findings/finding.model';
import { findingJson } from '../findings/finding.presenter';
import { createGrader, gradeOfFinding } from '../findings/grade';
import { MAX_REPORT_CHARS, reportFinding } from '../findings/finding.service';
import { requireAdminToken } from './auth';
import { readJsonBody } from './body';

const createSchema = z
  .object({
    text: z.string({ error: 'text 必须是文字' }).trim().min(1, 'text 不能为空').max(MAX_REPORT_CHARS, `text 最多 ${MAX_REPORT_CHARS} 字`),
    reporter: z.string({ error: 'reporter 必须是企业微信 userid' }).trim().min(1, 'reporter 不能为空').max(64),
    village: z.string().trim().min(1).max(50).optional().nullable(),
    task: z.number({ error: 'task 必须是 1-8 的整数' }).int('task 必须是 1-8 的整数').min(1, 'task 必须是 1-8 的整数').max(8, 'task 必须是 1-8 的整数').optional().nullable(),
    item: z.string().trim().regex(/^[1-8](\.\d{1,2}){1,2}$/, 'item 应为问题编号，如 5.2').optional().nullable(),
    household: z.object({ name: z.string().trim().max(50).optional().nullable(), idNumber: z.string().trim().regex(/^\d{17}[\dXx]$/, '身份证号应为 18 位').optional().nullable() }).strict().optional().nullable(),
    urgency: z.enum(['normal', 'urgent']).optional(),
  })
  .strict();

const listSchema = z.object({
  status: z.enum(STATUSES, { error: `status 应为 ${STATUSES.join('、')} 之一` }).optional(),
  department: z.string().trim().min(1).max(50).optional(),
  task: z.coerce.number().int().min(1).max(8).optional(),
  village: z.string().trim().min(1).max(50).optional(),
  source: z.enum(SOURCES, { error: `source 应为 ${SOURCES.join('、')} 之一` }).optional(),
  batch: z.string().trim().min(1).max(50).optional(),
  household: z.string().trim().min(1).max(30).optional(),
}).strict();

function badRequest(error: z.ZodError): AppError {
  return new AppError('bad_request', error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('；'));
}

/** /api/findings: the form and other tools create and read findings here (admin token). */
export function createFindingsRouter(ctx: DomainContext, adminToken: string | undefined): Router {
  const router = new Router({ prefix: '/api' });
  router.use(requireAdminToken(adminToken));

  router.post('/findings', async (koa) => {
    const parsed = createSchema.safeParse(await readJsonBody(koa));
    if (!parsed.success) throw badRequest(parsed.error);
    const body = parsed.data;
    const idempotencyKey = koa.get('idempotency-key').trim().slice(0, 100);
    const { finding, created, parts } = await reportFinding(ctx, {
      text: body.text,
      reporter: body.reporter,
      village: body.village ?? null,
      task: body.task ?? null,
      item: body.item ?? null,
      household: body.household ?? null,
      urgency: body.urgency ?? 'normal',
      channel: 'api',
      sourceKey: idempotencyKey ? `api:${body.reporter}:${idempotencyKey}` : `api:${randomUUID()}`,
    });
    koa.status = created ? 201 : 200;
    // The first finding as before; a report that held several problems also lists them all.
    const grade = createGrader(ctx.directory.org.reminders, ctx.calendar, ctx.clock.now());
    const json = (f: typeof finding, history: boolean) => findingJson(f, { history, grade: grade(f) });
    koa.body = parts.length > 1 ? { ...json(finding, true), parts: parts.map((f) => json(f, false)) } : json(finding, true);
  });

  router.get('/findings', async (koa) => {
    const parsed = listSchema.safeParse(koa.query);
    if (!parsed.success) throw badRequest(parsed.error);
    const q = parsed.data;
    const items = await ctx.findings.list({
      ...(q.status ? { status: q.status } : {}),
      ...(q.department ? { department: q.department } : {}),
      ...(q.task ? { task: q.task } : {}),
      ...(q.village ? { village: q.village } : {}),
      ...(q.source ? { source: q.source } : {}),
      ...(q.batch ? { batch: q.batch } : {}),
      ...(q.household ? { household: q.household } : {}),
    });
    const grade = createGrader(ctx.directory.org.reminders, ctx.calendar, ctx.clock.now());
    koa.body = { items: items.map((f) => findingJson(f, { grade: grade(f) })) };
  });

  router.get('/findings/:no', async (koa) => {
    const no = Number(koa.params.no);
    if (!Number.isInteger(no) || no < 1) throw new AppError('bad_request', '编号应为正整数');
    const f = await ctx.findings.get(no);
    if (!f) throw new AppError('not_found', `没有第 ${no} 号问题`);
    koa.body = findingJson(f, { history: true, grade: gradeOfFinding(f, ctx.directory.org.reminders, ctx.calendar, ctx.clock.now()) });
  });

  return router;
}

import { z } from 'zod';
import { addDays, createZonedTime, readDay } from '../calendar/zoned-time';
import { AppError } from '../errors';
import { CHANNELS, GRADES, SOURCES, STATUSES, type FindingStatus } from '../findings/finding.model';

/**
 * The filters the dashboard and the ledger share (the same query parameters on both):
 * status (a status, `open` or `overdue`), department (lead or assisting), task, village, and the
 * date range of 发现时间 (`from`, `to`: YYYY-MM-DD, both days included, in the town's time zone),
 * 问题来源 (`source`), 批次 (`batch`) and how it came in (`channel`).
 */

export const STATUS_FILTERS = [...STATUSES, 'open', 'overdue'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

/** Past its deadline and still with the responsible unit. */
export const OVERDUE_STATUSES: FindingStatus[] = ['dispatched', 'accepted'];
const OPEN: FindingStatus[] = ['triage', 'dispatched', 'accepted', 'rectified'];

const blank = (v: unknown): unknown => (v === '' ? undefined : v);
/** A day as people type it (see readDay), kept as 'YYYY-MM-DD': the page's own date fields need no script. */
const dayField = z.string().transform((v, ctx) => {
  const day = readDay(v);
  if (day === undefined) ctx.addIssue({ code: 'custom', message: '日期应为“年-月-日”，如 2026-03-01' });
  return day ?? v;
});
/** A day field that may be left empty. */
export const optionalDay = z.preprocess(blank, dayField.optional());

const filterSchema = z.object({
  status: z.preprocess(blank, z.enum(STATUS_FILTERS, { error: '状态无效' }).optional()),
  department: z.preprocess(blank, z.string().trim().min(1).max(50).optional()),
  task: z.preprocess(blank, z.coerce.number({ error: '任务应为 1-8' }).int().min(1, '任务应为 1-8').max(8, '任务应为 1-8').optional()),
  village: z.preprocess(blank, z.string().trim().min(1).max(50).optional()),
  from: optionalDay,
  to: optionalDay,
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(100_000).optional()),
  /** 三色督办: green, yellow or red (open findings only). */
  grade: z.preprocess(blank, z.enum(GRADES, { error: '督办等级应为 green、yellow 或 red' }).optional()),
  source: z.preprocess(blank, z.enum(SOURCES, { error: '问题来源无效' }).optional()),
  batch: z.preprocess(blank, z.string().trim().min(1).max(50).optional()),
  channel: z.preprocess(blank, z.enum(CHANNELS, { error: '渠道无效' }).optional()),
});

export type FindingFilterParams = z.infer<typeof filterSchema>;

export function parseFindingFilter(query: Record<string, unknown>): FindingFilterParams {
  const picked: Record<string, unknown> = {};
  for (const key of ['status', 'department', 'task', 'village', 'from', 'to', 'page', 'grade', 'source', 'batch', 'channel']) {
    const v = query[key];
    picked[key] = Array.isArray(v) ? v[0] : v;
  }
  const parsed = filterSchema.safeParse(picked);
  if (!parsed.success) throw new AppError('bad_request', `筛选条件有误：${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('；')}`);
  const f = parsed.data;
  if (f.from && f.to && f.from > f.to) throw new AppError('bad_request', '开始日期不能晚于结束日期');
  return f;
}

/** The instants [start, end) of the date range, in the town's time zone. */
export function dateRange(f: Pick<FindingFilterParams, 'from' | 'to'>, timeZone: string): { start?: Date; end?: Date } {
  const zone = createZonedTime(timeZone);
  return {
    ...(f.from ? { start: zone.at(f.from, '00:00') } : {}),
    ...(f.to ? { end: zone.at(addDays(f.to, 1), '00:00') } : {}),
  };
}

/**
 * The Mongo query for the filters, within the viewer's scope (null: everything). Only fields the
 * findings collection indexes or that FerretDB v1 understands: equality, $in, ranges, $and/$or.
 */
export function findingQuery(
  f: FindingFilterParams,
  options: { now: Date; timeZone: string; scope?: Record<string, unknown> | null; omit?: ('status' | 'dates')[]; gradeNos?: number[] },
): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  // A grade is worked out from the open view, not stored: the caller hands over the numbers that have it.
  if (f.grade && options.gradeNos) q.no = { $in: options.gradeNos };
  const omit = new Set(options.omit ?? []);
  if (f.status && !omit.has('status')) {
    if (f.status === 'open') q.status = { $in: OPEN };
    else if (f.status === 'overdue') {
      q.status = { $in: OVERDUE_STATUSES };
      q.deadline = { $lt: options.now };
    } else q.status = f.status;
  }
  if (f.department) q.departments = f.department;
  if (f.task !== undefined) q.task = f.task;
  if (f.village) q.village = f.village;
  if (f.source) q.source = f.source;
  if (f.batch) q.batch = f.batch;
  if (f.channel) q.channel = f.channel;
  if (!omit.has('dates')) {
    const { start, end } = dateRange(f, options.timeZone);
    if (start || end) q.createdAt = { ...(start ? { $gte: start } : {}), ...(end ? { $lt: end } : {}) };
  }
  return options.scope ? { $and: [q, options.scope] } : q;
}

/** The filters as a query string (for links that keep them: pages, the ledger download). */
export function filterQueryString(f: FindingFilterParams, extra: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ status: f.status, department: f.department, task: f.task, village: f.village, from: f.from, to: f.to, grade: f.grade, source: f.source, batch: f.batch, channel: f.channel, ...extra })) {
    if (v !== undefined && v !== '') params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

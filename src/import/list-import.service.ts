import { createHash } from 'node:crypto';
import { findItem, isTaskNo } from '../../config/division-table';
import { createZonedTime, validIsoDate } from '../calendar/zoned-time';
import type { DomainContext } from '../context';
import { toOpenFinding } from '../findings/finding-views';
import { DEFAULT_SOURCE, SOURCES, type FindingSource } from '../findings/finding.model';
import type { Finding, NewFinding } from '../findings/finding.repository';
import { prepareRow, tell, tellUnit, type ReportInput } from '../findings/finding.service';
import { householdKeys } from '../households/household.repository';
import { readList, type ListColumn, LIST_COLUMNS } from './list-workbook';
import * as text from './list-import.messages';

/**
 * A 问题清单 (a 巡察/督查 round's feedback, an audit, a county's list) imported from Excel: a dry
 * run says how each row would be routed and what is wrong with which cell, storing nothing; the
 * commit makes each good row a finding through the same path as a chat report, and then tells
 * each unit once about all its new findings. Each row has a key (its content and its 序号 or row
 * number), so importing the same file again adds nothing.
 */

/** Who imported rows that no person imported (the admin token; the CLI without --reporter). */
export const SYSTEM_IMPORT = '系统导入';

export interface ImportOptions {
  /** The findings' reporter: told of 整改完成, may 销号 and 驳回. A person of the organisation file. */
  reporter: string;
  /** Recorded on each finding as 导入人: the leader who imported, or SYSTEM_IMPORT. */
  importedBy: string;
  /** 问题来源 for rows that leave it empty. */
  source?: FindingSource;
  /** The batch of every row; the current batch when not given. */
  batch?: string | null;
}

export interface RowProblem {
  column: string;
  message: string;
}

export interface PlannedRow {
  row: number;
  serial: string | null;
  village: string | null;
  household: { name: string | null; idNumber: string | null } | null;
  /** The household record it would belong to (null: a new one, or none). */
  householdCode: string | null;
  text: string;
  source: FindingSource;
  task: number | null;
  item: string | null;
  departments: string[];
  /** The unit the list names (instead of the division table's). */
  unit: string | null;
  deadline: Date | null;
  note: string | null;
  /** ok: will be dispatched; triage: will wait for a leader; merge: joins an open finding; done: imported before; error: skipped. */
  outcome: 'ok' | 'triage' | 'merge' | 'done' | 'error';
  /** An earlier row of this list it would join (the same household and key problem), by row number. */
  sameAsRow: number | null;
  /** The open finding it would join, or the finding it made before. */
  existing: number | null;
  problems: RowProblem[];
  key: string;
}

export interface ImportPlan {
  digest: string;
  batch: string | null;
  reporter: string;
  importedBy: string;
  rows: PlannedRow[];
  counts: Record<PlannedRow['outcome'], number>;
}

export interface ImportResult {
  digest: string;
  batch: string | null;
  created: number[];
  merged: number[];
  triage: number[];
  skipped: { row: number; problems: RowProblem[] }[];
  already: number;
  /** Units told, with how many findings each message listed. */
  messages: { unit: string; findings: number }[];
}

const HEADER: Record<ListColumn, string> = Object.fromEntries(LIST_COLUMNS.map((c) => [c.key, c.header])) as Record<ListColumn, string>;
const ID_NUMBER = /^\d{17}[\dX]$/;
/** Rows stored per write. */
const CHUNK_ROWS = 200;

export const fileDigest = (buffer: Buffer): string => createHash('sha256').update(buffer).digest('hex');

function rowKey(cells: Partial<Record<ListColumn, string>>, row: number): string {
  const content = createHash('sha256')
    .update([cells.village, cells.householdName, cells.idNumber, cells.text].map((s) => s ?? '').join('\u0000'))
    .digest('hex')
    .slice(0, 24);
  return `import:${content}:${cells.serial ? `s${cells.serial}` : `r${row}`}`;
}

/** 2026-12-31, 2026/12/31, 2026.12.31, 2026年12月31日 (or a date cell) -> YYYY-MM-DD. */
function parseDate(cell: Date | string | null): string | null | undefined {
  if (cell === null) return null;
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? undefined : cell.toISOString().slice(0, 10);
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(cell.trim());
  if (!m) return undefined;
  return validIsoDate(`${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`);
}

/** Reads and checks every row, and routes it as a chat report would be; stores nothing. */
export async function planImport(ctx: DomainContext, buffer: Buffer, options: ImportOptions): Promise<ImportPlan> {
  const sheet = await readList(buffer);
  const batch = options.batch !== undefined ? options.batch : await ctx.batches.current();
  const learned = await ctx.corrections.all();
  const open = await ctx.findings.open();
  const zoned = createZonedTime(ctx.calendar.timeZone);
  const keys = sheet.rows.map((r) => rowKey(r.cells, r.row));
  const before = await ctx.findings.noBySourceKey(keys);
  const codes = await ctx.households.lookupMany(
    sheet.rows.map((r) => ({ village: villageOf(ctx, r.cells.village ?? null), name: r.cells.householdName ?? null, idNumber: r.cells.idNumber ?? null })),
  );
  const seen = new Map<string, number>();
  // Households as the commit will match them (ID number, else name and village), new ones too:
  // a later row of the same household and key problem as a dispatched one joins its finding.
  const sameHousehold = new Map<string, string>();
  const dispatched = new Map<string, number>();

  const rows = sheet.rows.map((r, i): PlannedRow => {
    const c = r.cells;
    const problems: RowProblem[] = [];
    const problem = (column: ListColumn, message: string) => problems.push({ column: HEADER[column], message });

    const village = c.village ? villageOf(ctx, c.village) : null;
    if (c.village && !village) problem('village', `组织文件中没有“${c.village}”`);
    const body = (c.text ?? '').trim();
    if (body === '') problem('text', '问题描述为空');
    else if (body.length > 2000) problem('text', '问题描述过长（最多 2000 字）');
    const source = (c.source ?? options.source ?? DEFAULT_SOURCE) as FindingSource;
    if (!SOURCES.includes(source)) problem('source', `“${c.source}”不是问题来源，应为 ${SOURCES.join('、')} 之一`);
    let task: number | null = null;
    let item: string | null = null;
    if (c.task) {
      task = Number(c.task.replace(/^第|项$|^#/g, ''));
      if (!isTaskNo(task)) {
        problem('task', `“${c.task}”不是任务号（1-8）`);
        task = null;
      }
    }
    if (c.item) {
      const ref = findItem(c.item.split(/\s/)[0]!);
      if (ref) {
        item = ref.problem.code;
        task = ref.task.no;
      } else if (isTaskNo(Number(c.item))) task = Number(c.item);
      else problem('item', `没有“${c.item}”这一重点问题`);
    }
    const unit = c.unit ? (ctx.directory.unit(c.unit)?.name ?? null) : null;
    if (c.unit && !unit) problem('unit', `组织文件中没有“${c.unit}”这一单位`);
    const day = parseDate(r.deadlineCell);
    if (day === undefined) problem('deadline', `“${c.deadline}”不是日期（如 2026-12-31）`);
    const idNumber = c.idNumber ? c.idNumber.replace(/\s/g, '').toUpperCase() : null;
    if (idNumber && !ID_NUMBER.test(idNumber)) problem('idNumber', '身份证号应为 18 位');
    if (seen.has(keys[i]!)) problem('serial', `与第 ${seen.get(keys[i]!)} 行重复`);
    seen.set(keys[i]!, r.row);

    const household = c.householdName || idNumber ? { name: c.householdName ?? null, idNumber } : null;
    const route = body ? ctx.router.route({ text: body, village, task: task as never, item }, learned) : null;
    const departments = unit ? [unit] : (route?.departments ?? []);
    const sure = route !== null && route.task !== null && !route.needsConfirmation && !(route.departments[0] === '管区');
    const code = codes[i] ?? null;
    const mergeWith = code && route?.item && sure ? open.find((o) => o.householdCode === code && o.item === route.item && o.status !== 'triage') : undefined;
    const existing = before.get(keys[i]!);
    const keysOfRow = householdKeys({ village: route?.village ?? village, name: c.householdName ?? null, idNumber });
    const who = code ?? keysOfRow.map((k) => sameHousehold.get(k)).find(Boolean) ?? keysOfRow[0] ?? null;
    for (const k of keysOfRow) if (who && !sameHousehold.has(k)) sameHousehold.set(k, who);
    const sameAsRow = who && route?.item && sure && !mergeWith ? (dispatched.get(`${who}|${route.item}`) ?? null) : null;
    const outcome: PlannedRow['outcome'] = problems.length ? 'error' : existing ? 'done' : mergeWith || sameAsRow ? 'merge' : sure ? 'ok' : 'triage';
    if (outcome === 'ok' && who && route?.item) dispatched.set(`${who}|${route.item}`, r.row);
    return {
      row: r.row,
      serial: c.serial ?? null,
      village: route?.village ?? village,
      household,
      householdCode: code,
      text: body,
      source,
      task: route?.task ?? task,
      item: route?.item ?? item,
      departments: sure ? departments : [],
      unit,
      deadline: day ? ctx.calendar.endOfWorkday(zoned.at(day, '12:00')) : null,
      note: c.note ?? null,
      outcome,
      sameAsRow,
      existing: existing ?? mergeWith?.no ?? null,
      problems,
      key: keys[i]!,
    };
  });
  const counts = { ok: 0, triage: 0, merge: 0, done: 0, error: 0 };
  for (const r of rows) counts[r.outcome]++;
  return { digest: fileDigest(buffer), batch, reporter: options.reporter, importedBy: options.importedBy, rows, counts };
}

function villageOf(ctx: DomainContext, name: string | null): string | null {
  if (!name) return null;
  const plain = name.trim();
  return ctx.directory.village(plain)?.name ?? ctx.directory.village(`${plain}村`)?.name ?? (ctx.router.findVillage(plain)?.village ?? null);
}

/**
 * Makes the good rows findings (rows that fail a check are skipped, rows imported before add
 * nothing), then tells each unit once, the leaders once about rows left to assign.
 */
export async function commitImport(ctx: DomainContext, buffer: Buffer, options: ImportOptions, progress?: (done: number, total: number) => void): Promise<ImportResult> {
  const plan = await planImport(ctx, buffer, options);
  const todo = plan.rows.filter((r) => r.outcome !== 'error' && r.outcome !== 'done');
  const households = await ctx.households.resolveMany(todo.map((r) => ({ village: r.village, name: r.household?.name ?? null, idNumber: r.household?.idNumber ?? null })));
  const prefetch = { learned: await ctx.corrections.all(), open: await ctx.findings.open(), batch: plan.batch };
  const made: Finding[] = [];
  let already = plan.counts.done;
  const input = (r: PlannedRow): ReportInput => ({
    text: r.note ? `${r.text}（备注：${r.note}）` : r.text,
    reporter: options.reporter,
    importedBy: options.importedBy,
    village: r.village,
    task: r.task,
    item: r.item,
    unit: r.unit,
    deadline: r.deadline,
    channel: 'import',
    source: r.source,
    batch: plan.batch,
    sourceKey: r.key,
    household: r.household,
    // A list's row is one problem, whatever its description lists.
    split: false,
  });
  // Stored a chunk at a time. A row of the same household and key problem as an earlier row of
  // its chunk starts the next chunk, so that it is merged into that row's finding.
  let done = 0;
  let i = 0;
  while (i < todo.length) {
    const chunk: NewFinding[] = [];
    const seen = new Set<string>();
    for (; i < todo.length && chunk.length < CHUNK_ROWS; i++) {
      const doc = await prepareRow(ctx, input(todo[i]!), { ...prefetch, household: households[i] ?? null });
      const key = doc.household?.code && doc.item ? `${doc.household.code}|${doc.item}` : null;
      if (key && seen.has(key)) break;
      if (key) seen.add(key);
      chunk.push(doc);
    }
    for (const { finding, created } of await ctx.findings.createMany(chunk)) {
      if (!created) {
        already++;
        continue;
      }
      made.push(finding);
      // Later rows of the same household and key problem join this one.
      if (finding.status !== 'triage' && finding.status !== 'cancelled') prefetch.open.push(toOpenFinding(finding));
    }
    done += chunk.length;
    progress?.(done, todo.length);
  }
  const messages = await announceImport(ctx, made, plan);
  return {
    digest: plan.digest,
    batch: plan.batch,
    created: made.filter((f) => f.linkedTo === null).map((f) => f.no),
    merged: made.filter((f) => f.linkedTo !== null).map((f) => f.no),
    triage: made.filter((f) => f.status === 'triage').map((f) => f.no),
    skipped: plan.rows.filter((r) => r.outcome === 'error').map((r) => ({ row: r.row, problems: r.problems })),
    already,
    messages,
  };
}

/** One message per unit for all the findings it leads or assists in this import; one per leader for those left to assign. */
async function announceImport(ctx: DomainContext, made: Finding[], plan: ImportPlan): Promise<{ unit: string; findings: number }[]> {
  const dispatched = made.filter((f) => f.status === 'dispatched');
  const byUnit = new Map<string, Finding[]>();
  for (const f of dispatched) for (const unit of f.departments) byUnit.set(unit, [...(byUnit.get(unit) ?? []), f]);
  const sent: { unit: string; findings: number }[] = [];
  for (const [unit, findings] of byUnit) {
    await tellUnit(ctx, unit, `import:${plan.digest.slice(0, 16)}:${findings[0]!.no}:${unit}`, (dialect) => text.unitImportMarkdown(unit, findings, plan.batch, ctx.links, dialect), true);
    sent.push({ unit, findings: findings.length });
  }
  const triage = made.filter((f) => f.status === 'triage');
  if (triage.length) {
    for (const leader of ctx.directory.leaders()) {
      await tell(ctx, leader, `import:${plan.digest.slice(0, 16)}:${triage[0]!.no}:triage:${leader}`, { type: 'text', content: text.triageImportText(triage) });
    }
  }
  ctx.logger.info({ created: made.length, dispatched: dispatched.length, triage: triage.length, units: sent.length }, '问题清单已导入');
  return sent;
}

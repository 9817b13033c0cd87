import { readFileSync } from 'node:fs';
import { runAt } from '../cli/domain';
import { AppError } from '../errors';
import { SOURCES, type FindingSource } from '../findings/finding.model';
import { commitImport, planImport, SYSTEM_IMPORT, type ImportOptions, type ImportPlan } from './list-import.service';

const USAGE = '用法：import <文件.xlsx> [--commit] [--source 问题来源] [--batch 批次] [--reporter userid]';

/** The dry run as JSON: each row with its outcome, routing and problems by column. */
export function planJson(plan: ImportPlan): Record<string, unknown> {
  return {
    digest: plan.digest,
    batch: plan.batch,
    reporter: plan.reporter,
    importedBy: plan.importedBy,
    counts: plan.counts,
    rows: plan.rows.map((r) => ({
      row: r.row,
      outcome: r.outcome,
      village: r.village,
      household: r.household ? (r.householdCode ?? '新建') : null,
      source: r.source,
      task: r.task,
      item: r.item,
      departments: r.departments,
      existing: r.existing,
      sameAsRow: r.sameAsRow,
      problems: r.problems,
    })),
  };
}

function parseArgs(args: string[]): { file: string; commit: boolean; source?: FindingSource; batch?: string; reporter?: string } {
  let file: string | undefined;
  let commit = false;
  const named: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--commit') commit = true;
    else if (['--source', '--batch', '--reporter'].includes(a)) {
      const value = args[++i];
      if (!value) throw new AppError('bad_request', `${a} 后须有值。${USAGE}`);
      named[a.slice(2)] = value;
    } else if (!a.startsWith('--') && !file) file = a;
    else throw new AppError('bad_request', `不认识的参数“${a}”。${USAGE}`);
  }
  if (!file) throw new AppError('bad_request', USAGE);
  if (named.source && !SOURCES.includes(named.source as FindingSource)) throw new AppError('bad_request', `--source 应为 ${SOURCES.join('、')} 之一`);
  return { file, commit, ...(named.source ? { source: named.source as FindingSource } : {}), ...(named.batch ? { batch: named.batch } : {}), ...(named.reporter ? { reporter: named.reporter } : {}) };
}

/**
 * `cli import FILE [--commit]`: without --commit a dry run (nothing stored); with it the rows are
 * imported and the units told, progress on stderr.
 */
export async function importCommand(args: string[]): Promise<unknown> {
  const a = parseArgs(args);
  let buffer: Buffer;
  try {
    buffer = readFileSync(a.file);
  } catch {
    throw new AppError('bad_request', `读不到文件 ${a.file}`);
  }
  const { result } = await runAt(
    new Date(),
    async (domain) => {
      // Without --reporter nobody in particular imports: 系统导入, the first leader as reporter.
      const reporter = a.reporter ?? domain.directory.leaders()[0]!;
      if (!domain.directory.knows(reporter)) throw new AppError('bad_request', `组织文件中没有 ${reporter}`);
      const options: ImportOptions = { reporter, importedBy: a.reporter ?? SYSTEM_IMPORT, ...(a.source ? { source: a.source } : {}), ...(a.batch ? { batch: a.batch } : {}) };
      if (!a.commit) return planJson(await planImport(domain, buffer, options));
      const result = await commitImport(domain, buffer, options, (done, total) => process.stderr.write(`已导入 ${done}/${total} 行\n`));
      return { reporter: options.reporter, importedBy: options.importedBy, ...result };
    },
    { deliver: a.commit },
  );
  return result;
}

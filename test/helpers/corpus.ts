import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findItem, isDistrictTask, isTaskNo, type TaskNo } from '../../config/division-table';
import type { OrgConfig } from '../../config/org';

const DIR = path.resolve(import.meta.dirname, '../fixtures/corpus');

/** The non-empty lines of a corpus file (test/fixtures/corpus). */
export const corpusText = (file: string): string[] =>
  readFileSync(path.join(DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

/** The reports of a corpus file: `item<TAB>text`, or `item,item…<TAB>text` for several problems. */
export function corpusLines(file: string): Array<{ items: string[]; text: string }> {
  return corpusText(file).map((line) => {
    const [items, text] = line.split('\t') as [string, string];
    return { items: items.split(','), text };
  });
}

/**
 * Where a report of `item` should go, straight from the table: its task and departments, for
 * tasks 1-2 the 管区 of the village the text names (东岭村 or 东岭).
 */
export function expectedRoute(org: OrgConfig, item: string, text: string): { task: TaskNo; departments: string[] } {
  const ref = findItem(item);
  const task = Number(item.split('.')[0]);
  if (!ref || !isTaskNo(task)) throw new Error(`no item ${item}`);
  const villages = org.districts.flatMap((d) => d.villages.map((v) => ({ name: v.name, district: d.name })));
  const village = villages.find((v) => text.includes(v.name) || (v.name.length >= 3 && text.includes(v.name.replace(/村$/, ''))));
  return { task, departments: isDistrictTask(task) ? [village?.district ?? '管区'] : [...ref.subArea.departments] };
}

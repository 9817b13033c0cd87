import { findItem, isTaskNo, type TaskNo } from '../../config/division-table';
import type { Span } from './text.util';

/** A route the reporter chose: it wins over anything the router would guess. */
export interface ExplicitChoice {
  task: TaskNo;
  /** null when only the task was chosen; the router then picks the item within the task. */
  item: string | null;
  /** Where the choice stands in the normalised text, so its words are not read as the report's. */
  span: Span | null;
  reason: string;
}

/** Short names people put after 类别：, each with its task and, where it names one, the problem. */
const CATEGORY_NAMES: ReadonlyArray<readonly [string, TaskNo, string | null]> = [
  ['识别', 1, null],
  ['退出', 2, null],
  ['产业', 3, null],
  ['项目', 3, null],
  ['资金', 4, null],
  ['帮扶', 5, null],
  ['包保', 5, '5.1.1'],
  ['饮水', 5, '5.2'],
  ['吃水', 5, '5.2'],
  ['教育', 5, '5.3'],
  ['低保', 6, null],
  ['兜底', 6, null],
  ['医保', 7, null],
  ['医疗', 7, null],
  ['住房', 8, null],
  ['危房', 8, null],
];

/** A task number or item code: "8" → task 8; "5.2" → item 5.2; "5.9" → task 5, no item. */
export function choiceFromCode(code: string): { task: TaskNo; item: string | null } | null {
  const ref = findItem(code);
  if (ref) return { task: ref.task.no, item: ref.problem.code };
  const task = Number(code.split('.')[0]);
  return isTaskNo(task) ? { task, item: null } : null;
}

const LEADING_CODE = /^#(\d{1,2}(?:\.\d{1,2}){0,2})/;
const CATEGORY_LABEL = /(类别|分类|类型):/;

/** Reads `#8` / `#5.2` at the start and `类别：住房` / `类别:5.2` anywhere in a normalised report. */
export function parseExplicit(normalised: string): ExplicitChoice | null {
  const leading = LEADING_CODE.exec(normalised);
  if (leading?.[1]) {
    const choice = choiceFromCode(leading[1]);
    if (choice) return { ...choice, span: { start: 0, end: leading[0].length }, reason: `明确指定：#${leading[1]}` };
  }

  const label = CATEGORY_LABEL.exec(normalised);
  if (!label) return null;
  const valueStart = label.index + label[0].length;
  const value = normalised.slice(valueStart);
  const code = /^\d{1,2}(?:\.\d{1,2}){0,2}/.exec(value)?.[0];
  if (code) {
    const choice = choiceFromCode(code);
    if (choice) return { ...choice, span: { start: label.index, end: valueStart + code.length }, reason: `明确指定：类别“${code}”` };
    return null;
  }
  const named = CATEGORY_NAMES.find(([name]) => value.startsWith(name));
  if (!named) return null;
  const [name, task, item] = named;
  return { task, item, span: { start: label.index, end: valueStart + name.length }, reason: `明确指定：类别“${name}”→第${task}项` };
}

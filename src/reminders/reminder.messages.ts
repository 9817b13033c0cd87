import { formatDate, formatTime, summary } from '../findings/messages';
import { truncateMarkdown, utf8ByteLength } from '../wecom/limits';
import { inertText, type Markup } from '../wecom/markup';
import type { ReminderFinding, SlotDue } from './reminder.rules';

/** The words of reminders: one short message per recipient, each line a finding and the exact reply to send. */

export interface ReminderItem {
  due: SlotDue;
  finding: ReminderFinding & { text: string };
  /** Working hours past the deadline, when it has passed. */
  overdueHours: number | null;
  /** Reminders of this kind actually sent so far (this one included); shown to the leaders. */
  sent?: number;
}

/** How long something has waited: "3 个工作小时", "2 个工作日". */
export function workingDuration(hours: number, dayHours: number): string {
  if (hours < dayHours) return `${Math.max(1, Math.floor(hours))} 个工作小时`;
  return `${Math.floor(hours / dayHours)} 个工作日`;
}

/**
 * How far past a deadline (the end of a working day), in working days begun: the morning after
 * it is the 1st. At the end of a working day (the digest), that day counts as the last one.
 */
export function overdueDuration(hours: number, dayHours: number, at: 'working' | 'dayEnd' = 'working'): string {
  const days = at === 'working' ? Math.floor(hours / dayHours + 1e-9) + 1 : Math.max(1, Math.ceil(hours / dayHours - 1e-9));
  return `${days} 个工作日`;
}

/** Fits a message to WeCom's byte limit by listing fewer items; `build(n)` lists at most n. */
export function fitWithin(maxBytes: number, cap: number, build: (n: number) => string): string {
  for (let n = cap; n >= 0; n--) {
    const text = build(n);
    if (utf8ByteLength(text) <= maxBytes) return text;
  }
  return truncateMarkdown(build(0), maxBytes);
}

/** "东岭村 自来水一周没来水…": the village once, then the start of the report. */
export function villageAndSummary(village: string | null, text: string, max: number): string {
  const body = summary(text, max);
  return village && !body.startsWith(village) ? `${village} ${body}` : body;
}

/** "1. 第 12 号 东岭村王某某家吃水困难…", the report's words inert in the message's markup. */
function head(i: number, f: ReminderItem['finding'], markup: Markup): string {
  const no = markup !== 'text' ? `**第 ${f.no} 号**` : `第 ${f.no} 号`;
  return `${i}. ${no} ${inertText(villageAndSummary(f.village, f.text, 18), markup)}`;
}

function warn(text: string, markup: Markup): string {
  return markup !== 'text' ? `<font color="warning">${text}</font>` : text;
}

/** What the responsible unit (or 包村干部, reporter, leaders) is asked to do, with the reply to send. */
export function actLine(i: number, item: ReminderItem, dayHours: number, markup: Markup, unitOf: (f: ReminderItem['finding']) => string): string {
  const { due, finding: f } = item;
  const dur = (h: number): string => workingDuration(h, dayHours);
  let detail: string;
  switch (due.kind) {
    case 'accept': {
      const over = item.overdueHours !== null ? `，${warn(`已超期 ${overdueDuration(item.overdueHours, dayHours)}`, markup)}` : '';
      detail = `交办 ${dur(due.hours)}未签收${over}。回复“签收 ${f.no}”`;
      break;
    }
    case 'deadline':
      detail =
        due.slot === 'due'
          ? `今天 ${formatTime(f.deadline).split(' ')[1]} 到期。完成后回复“整改完成 ${f.no} 情况说明”`
          : due.slot.startsWith('stale')
            ? `${dur(due.hours)}没有新进展（时限 ${formatDate(f.deadline)}）。请回复“进展 ${f.no} 说明”，完成后回复“整改完成 ${f.no} 情况说明”`
            : `${warn(`已超期 ${overdueDuration(due.hours, dayHours)}`, markup)}（时限 ${formatDate(f.deadline)}）。完成后回复“整改完成 ${f.no} 情况说明”`;
      break;
    case 'confirm':
      detail = `${inertText(unitOf(f), markup)} ${formatTime(f.rectifiedAt)} 反馈整改完成，已等 ${dur(due.hours)}。属实回复“销号 ${f.no}”，未到位回复“驳回 ${f.no} 原因”`;
      break;
    case 'triage':
      detail = `待分派 ${dur(due.hours)}。回复“改派 ${f.no} 问题编号”（如 改派 ${f.no} 5.2）`;
      break;
    case 'progress': {
      if (due.slot === 'target') {
        detail = `持续整改${warn(`已过目标日期 ${formatDate(f.deadline)}`, markup)}。完成后回复“整改完成 ${f.no} 情况说明”；需要更多时间请回复“延期 ${f.no} 日期 原因”`;
        break;
      }
      const over = item.overdueHours !== null ? `，${warn(`已过目标日期 ${formatDate(f.deadline)}`, markup)}` : `（目标 ${formatDate(f.deadline)}）`;
      detail = `持续整改 ${dur(due.hours)}未报告进展${over}。请回复“进展 ${f.no} 说明”，完成后回复“整改完成 ${f.no} 情况说明”`;
      break;
    }
  }
  return `${head(i, f, markup)}：${detail}`;
}

/** What the leaders (or, for tasks 1-2, the 管区) are told when reminders went unheeded. */
export function escalationLine(i: number, item: ReminderItem, dayHours: number, markup: Markup, unitOf: (f: ReminderItem['finding']) => string, nameOf: (userid: string) => string): string {
  const { due, finding: f } = item;
  const dur = (h: number): string => workingDuration(h, dayHours);
  let state: string;
  switch (due.kind) {
    case 'accept':
      state = `交办 ${dur(due.hours)}未签收${item.overdueHours !== null ? `，已超期 ${overdueDuration(item.overdueHours, dayHours)}` : ''}`;
      break;
    case 'deadline':
      state = due.slot === 'due' ? '今天到期仍未整改完成' : `超期 ${overdueDuration(due.hours, dayHours)}未整改完成`;
      break;
    case 'confirm':
      state = `整改完成 ${dur(due.hours)}，待报告人 ${inertText(nameOf(f.reporter), markup)} 销号`;
      break;
    case 'triage':
      state = `待分派 ${dur(due.hours)}`;
      break;
    case 'progress':
      if (due.slot === 'target') return `${head(i, f, markup)}：${inertText(unitOf(f), markup)}，${warn(`持续整改已过目标日期 ${formatDate(f.deadline)}，仍未整改完成`, markup)}`;
      state = `持续整改已过目标日期 ${formatDate(f.deadline)}，${dur(due.hours)}未报告进展`;
      break;
  }
  return `${head(i, f, markup)}：${inertText(unitOf(f), markup)}，${warn(state, markup)}，已催办 ${item.sent ?? due.count} 次`;
}

/** A message lists at most this many findings per section, then "……另有 N 件". */
export const REMINDER_LIST_CAP = 10;

export interface ReminderSection {
  title: string;
  /** The first findings' lines (at most REMINDER_LIST_CAP). */
  lines: string[];
  /** How many findings the section holds. */
  total: number;
}

/** One message: sections of numbered lines, "……另有 N 件" when cut, the dashboard link and the @-mentions. */
export function composeReminder(
  sections: ReminderSection[],
  opts: { markdown: boolean; dashboard: string; mentions: string[]; maxBytes: number; cap?: number },
): string {
  const cap = opts.cap ?? REMINDER_LIST_CAP;
  const mentions = opts.mentions.length ? `\n${opts.mentions.map((m) => `<@${m}>`).join(' ')}` : '';
  const footer = opts.markdown ? `[进度看板](${opts.dashboard})` : `进度看板：${opts.dashboard}`;
  return fitWithin(opts.maxBytes - utf8ByteLength(mentions), cap, (n) => {
    const parts: string[] = [];
    for (const s of sections) {
      if (s.total === 0) continue;
      parts.push(opts.markdown ? `**${s.title}**` : s.title);
      parts.push(...s.lines.slice(0, n));
      if (s.total > Math.min(n, s.lines.length)) parts.push(`……另有 ${s.total - Math.min(n, s.lines.length)} 件，见进度看板`);
    }
    parts.push(footer);
    return parts.join('\n');
  }) + mentions;
}

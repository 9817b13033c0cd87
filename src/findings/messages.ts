import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import { DISTRICT_RESPONSIBILITY, findItem, getTask, isDistrictTask, isTaskNo } from '../../config/division-table';
import type { Directory } from '../org/directory';
import { withoutHouseholdName } from '../privacy/mask';
import { describeTarget } from '../routing/router';
import { inertText, type MarkdownDialect } from '../wecom/markup';
import { GRADE_LABEL, STATUS_LABEL, type FindingStatus, type Grade } from './finding.model';
import type { Finding } from './finding.repository';

dayjs.extend(utc);
dayjs.extend(timezone);

/** Every text people read, in one place: short, Chinese, the finding's number first. */

export const TZ = 'Asia/Shanghai';

export function formatTime(date: Date | null | undefined): string {
  return date ? dayjs(date).tz(TZ).format('M月D日 HH:mm') : '—';
}

export function formatDate(date: Date | null | undefined): string {
  return date ? dayjs(date).tz(TZ).format('M月D日') : '—';
}

/** "5.2 贫困群众安全饮水" — the key problem, or the task when no item is known. */
export function itemLabel(task: number | null, item: string | null): string {
  if (item) {
    const ref = findItem(item);
    if (ref) return `${item} ${ref.subArea.title ?? shortTitle(ref.task.title)}`;
  }
  if (task !== null && isTaskNo(task)) return `任务${task} ${shortTitle(getTask(task)!.title)}`;
  return '未分类';
}

function shortTitle(title: string): string {
  return title.replace(/^看/, '');
}

export function summary(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function unitsLine(f: Finding): string {
  if (f.departments.length === 0) return '待分派';
  const [lead, ...assist] = f.departments;
  return assist.length ? `${lead}（牵头），${assist.join('、')}（配合）` : `${lead}`;
}

export function receipt(f: Finding): string {
  if (f.status === 'triage') return triageQuestion(f);
  return [
    `已收到，编号 ${f.no}。`,
    `归类：${itemLabel(f.task, f.item)}`,
    `交办：${unitsLine(f)}`,
    `整改时限：${formatDate(f.deadline)}`,
    `办理进展会通知您；发“查询 ${f.no}”可随时查看。`,
  ].join('\n');
}

/** One receipt for a report that held several problems: every number, where each went. */
export function splitReceipt(findings: Finding[]): string {
  const lines = [`已收到，共 ${findings.length} 个问题，分别编号交办：`];
  for (const f of findings) {
    lines.push(`第 ${f.no} 号：${summary(f.text, 30)}`);
    if (f.linkedTo !== null) lines.push(`  已并入第 ${f.linkedTo} 号（同一农户同一问题），不再重复交办`);
    else if (f.status !== 'triage') lines.push(`  归类 ${itemLabel(f.task, f.item)}，交办 ${unitsLine(f)}，时限 ${formatDate(f.deadline)}`);
    else if (f.task !== null && isDistrictTask(f.task) && !f.village) lines.push(`  归类 ${itemLabel(f.task, f.item)}，由村所在管区办理：请回复“改派 ${f.no} 村名”`);
    else lines.push(`  暂不能确定归类：请回复“改派 ${f.no} 问题编号”（如 改派 ${f.no} 5.2），镇领导也会帮助分派`);
  }
  lines.push('办理进展会通知您；发“查询 编号”可随时查看。');
  return lines.join('\n');
}

/** The reporter of a report merged into an open finding of the same household and key problem. */
export function mergedReceipt(f: Finding): string {
  return [
    `已收到，编号 ${f.no}。农户 ${f.household?.code ?? ''} 的“${itemLabel(f.task, f.item)}”问题已在办理中，已并入第 ${f.linkedTo} 号，不再重复交办。`,
    `发“查询 ${f.linkedTo}”可查看办理进展；如确属不同问题，请镇领导回复“拆分 ${f.no}”。`,
  ].join('\n');
}

/** 问题来源 and 批次, one line: "巡察反馈 · 2026年回头看第一轮". */
export function sourceLine(f: Pick<Finding, 'source' | 'batch'>): string {
  return [f.source ?? '自查', f.batch].filter(Boolean).join(' · ');
}

/** Names counted, most first ("巡察反馈" -> 3): 问题来源, 批次 and the like in digests and reports. */
export function countsByName(names: string[]): { name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts.entries()].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, 'zh'));
}

/** How groups see the household: village and code only (东岭村 东岭-017), flagged 反弹 on a relapse. */
export function householdLabel(f: Pick<Finding, 'village' | 'household' | 'relapse'>): string | null {
  if (!f.household?.code) return null;
  return `${f.village ? `${f.village} ` : ''}${f.household.code}${f.relapse ? '（反弹）' : ''}`;
}

export function triageQuestion(f: Finding): string {
  if (f.task !== null && isDistrictTask(f.task) && !f.village) {
    return `已收到，编号 ${f.no}，归类：${itemLabel(f.task, f.item)}。此项由村所在管区办理，请回复“改派 ${f.no} 村名”（如 改派 ${f.no} 东岭村）说明是哪个村。`;
  }
  const options = f.routing.alternatives.slice(0, 4);
  const lines = [`已收到，编号 ${f.no}。暂不能确定归属哪项任务，请回复“改派 ${f.no} 序号”选择：`];
  options.forEach((o, i) => lines.push(`${i + 1}. ${itemLabel(o.task, o.item)}`));
  if (options.length === 0) lines.push(...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `#${n} ${itemLabel(n, null)}`));
  lines.push(`也可回复“改派 ${f.no} #任务号”（如 改派 ${f.no} #8）。镇领导也会帮助分派。`);
  return lines.join('\n');
}

/** The reporter's choice for a finding routing was unsure of: one button per likely key problem. */
export function triageCard(f: Finding, directory: Directory): Record<string, unknown> {
  return {
    card_type: 'button_interaction',
    source: { desc: `${directory.town}“回头看”问题交办` },
    main_title: { title: `第 ${f.no} 号问题 请选择归类`, desc: '暂不能确定属于哪项任务' },
    sub_title_text: `${summary(f.text, 100)}\n都不对请回复“改派 ${f.no} #任务号”，镇领导也会帮助分派。`,
    task_id: `f${f.no}v${f.version}route`,
    button_list: f.routing.alternatives.slice(0, 4).map((o, i) => ({ text: describeTarget(o.item), style: i === 0 ? 1 : 2, key: `route:${f.no}:${o.item}` })),
  };
}

/** The unit group's 【交办】/【配合】 message; what people wrote (the report, names, the village) made inert in `dialect`. */
export function dispatchMarkdown(f: Finding, unit: string, role: 'lead' | 'assist', directory: Directory, links: { finding: string }, dialect: MarkdownDialect): string {
  const inert = (s: string): string => inertText(s, dialect);
  const header = role === 'lead' ? `**【交办】第 ${f.no} 号问题**` : `**【配合】第 ${f.no} 号问题**（${f.departments[0]} 牵头）`;
  const household = householdLabel(f);
  const lines = [
    f.relapse ? `${header} <font color="warning">反弹</font>` : header,
    `> 归类：${itemLabel(f.task, f.item)}`,
    f.village ? `> 村：${inert(f.village)}${f.cadre ? `（包村干部 ${inert(directory.displayName(f.cadre))}）` : ''}` : null,
    household ? `> 农户：${inert(household)}` : null,
    `> 问题来源：${inert(sourceLine(f))}`,
    `> 报告人：${inert(directory.displayName(f.reporter))}`,
    `> 整改时限：<font color="warning">${formatDate(f.deadline)}</font>`,
    '',
    inert(summary(withoutHouseholdName(f.text, f.household), 300)),
    '',
    role === 'lead'
      ? `请 ${unit} 回复“签收 ${f.no}”（可加整改类型和措施，如“签收 ${f.no} 限期 日期 措施：…”“签收 ${f.no} 立行立改”）；整改后回复“整改完成 ${f.no} 情况说明”。不属于本单位请回复“退回 ${f.no} 原因”。`
      : `请配合牵头单位办理。`,
    `[查看详情](${links.finding})`,
  ];
  return lines.filter((l): l is string => l !== null).join('\n');
}

export function dispatchCard(f: Finding, directory: Directory): Record<string, unknown> {
  return {
    card_type: 'button_interaction',
    source: { desc: `${directory.town}“回头看”问题交办` },
    main_title: { title: `第 ${f.no} 号问题 待签收`, desc: itemLabel(f.task, f.item) },
    sub_title_text: f.task !== null && isDistrictTask(f.task) ? `${summary(f.text, 100)}（${DISTRICT_RESPONSIBILITY}）` : summary(f.text, 120),
    horizontal_content_list: [
      { keyname: '责任单位', value: unitsLine(f) },
      ...(f.village ? [{ keyname: '村', value: f.village }] : []),
      ...(f.task !== null && isDistrictTask(f.task) && f.cadre ? [{ keyname: '具体实施', value: `包村干部 ${directory.displayName(f.cadre)}` }] : []),
      { keyname: '整改时限', value: formatDate(f.deadline) },
    ],
    task_id: `f${f.no}v${f.version}`,
    // 签收 keeps the deadline above (限期整改); 立行立改 commits to 3 working days. A date or a
    // measure is typed: the choice is offered, never required.
    button_list: [
      { text: '签收', style: 1, key: `accept:${f.no}` },
      { text: '签收·立行立改', style: 2, key: `accept-now:${f.no}` },
      { text: '退回', style: 2, key: `return:${f.no}` },
    ],
  };
}

/**
 * What a button card about a finding is replaced with once its buttons no longer apply: where
 * the finding stands now and its latest step, no buttons (a text_notice card opens the page).
 */
export function settledCard(f: Finding, directory: Directory, link: string): Record<string, unknown> {
  const last = [...f.history].reverse().find((h) => h.to !== null);
  return {
    card_type: 'text_notice',
    source: { desc: `${directory.town}“回头看”问题交办` },
    main_title: { title: `第 ${f.no} 号问题 ${STATUS_LABEL[f.status as FindingStatus]}`, desc: itemLabel(f.task, f.item) },
    sub_title_text: summary(f.text, 100),
    horizontal_content_list: [
      ...(last ? [{ keyname: '最近办理', value: `${formatTime(last.at)} ${last.by === 'system' ? '系统' : directory.displayName(last.by)} ${last.action}` }] : []),
      { keyname: '责任单位', value: unitsLine(f) },
      ...(f.village ? [{ keyname: '村', value: f.village }] : []),
    ],
    card_action: { type: 1, url: link },
  };
}

/** The answer to a click on a button that no longer applies (its card could not be replaced in time). */
export function staleClickNotice(f: Finding, directory: Directory): string {
  const last = [...f.history].reverse().find((h) => h.to !== null);
  const step = last ? `已由 ${last.by === 'system' ? '系统' : directory.displayName(last.by)} 于 ${formatTime(last.at)} ${last.action}，` : '';
  return `这张卡片已过时：第 ${f.no} 号问题${step}当前为“${STATUS_LABEL[f.status as FindingStatus]}”，未做任何更改。发“查询 ${f.no}”查看详情。`;
}

export const ACTION_DONE: Record<string, (f: Finding) => string> = {
  accept: (f) =>
    f.kind === '持续整改'
      ? `已签收第 ${f.no} 号问题（持续整改，目标 ${formatDate(f.deadline)}）。请定期回复“进展 ${f.no} 说明”报告进展，完成后回复“整改完成 ${f.no} 情况说明”。`
      : `已签收第 ${f.no} 号问题（${f.kind ?? '限期整改'}），整改时限 ${formatDate(f.deadline)}。整改后请回复“整改完成 ${f.no} 情况说明”；需要延期请回复“延期 ${f.no} 日期 原因”。`,
  progress: (f) => `已记录第 ${f.no} 号问题的整改进展。`,
  extend: (f) => `已向镇领导申请将第 ${f.no} 号问题的整改时限延至 ${formatDate(f.extension?.deadline)}，审批前时限仍为 ${formatDate(f.deadline)}。`,
  approveExtension: (f) => `已同意第 ${f.no} 号问题延期，整改时限改为 ${formatDate(f.deadline)}。`,
  refuseExtension: (f) => `已不同意第 ${f.no} 号问题延期，整改时限仍为 ${formatDate(f.deadline)}。`,
  return: (f) => `已退回第 ${f.no} 号问题，等待镇领导重新分派。`,
  rectify: (f) => `已反馈第 ${f.no} 号问题整改完成，等待报告人核实销号。`,
  close: (f) => `第 ${f.no} 号问题已销号。`,
  reject: (f) => `已驳回第 ${f.no} 号问题的整改反馈，责任单位将继续整改。`,
  cancel: (f) => `第 ${f.no} 号问题已撤销。`,
};

/** Appended to the closer's reply: the same key problem still open in other villages (举一反三). */
export function alikeElsewhere(f: Pick<Finding, 'item' | 'task'>, open: { no: number; village: string | null }[]): string {
  if (open.length === 0) return '';
  const shown = open.slice(0, 10).map((o) => `第 ${o.no} 号（${o.village ?? '村未知'}）`).join('、');
  return `\n举一反三：其他村还有 ${open.length} 件“${itemLabel(f.task, f.item)}”问题未销号：${shown}${open.length > 10 ? ' 等' : ''}。`;
}

export function rectifiedNotice(f: Finding, directory: Directory): string {
  return [
    `第 ${f.no} 号问题（${summary(f.text, 40)}）${f.departments[0] ?? ''} 已反馈整改完成：`,
    f.rectifyNote ?? '',
    `请核实：属实回复“销号 ${f.no}”，未整改到位回复“驳回 ${f.no} 原因”。`,
  ].join('\n');
}

export function rectifiedCard(f: Finding, directory: Directory): Record<string, unknown> {
  return {
    card_type: 'button_interaction',
    source: { desc: `${directory.town}“回头看”问题交办` },
    main_title: { title: `第 ${f.no} 号问题 待销号`, desc: `${f.departments[0] ?? ''} 已反馈整改完成` },
    sub_title_text: `${summary(f.rectifyNote ?? '', 120)}\n属实请点“销号”；未整改到位请回复“驳回 ${f.no} 原因”。`,
    horizontal_content_list: [
      { keyname: '问题', value: summary(f.text, 40) },
      ...(f.village ? [{ keyname: '村', value: f.village }] : []),
    ],
    task_id: `f${f.no}v${f.version}close`,
    button_list: [{ text: '销号', style: 1, key: `close:${f.no}` }],
  };
}

/** To each leader: a unit asks for a later deadline. */
export function extensionRequest(f: Finding, directory: Directory): string {
  const ext = f.extension!;
  return [
    `第 ${f.no} 号问题（${summary(f.text, 40)}）${f.departments[0] ?? ''} ${directory.displayName(ext.by)} 申请延期：`,
    `整改时限 ${formatDate(f.deadline)} → ${formatDate(ext.deadline)}`,
    `原因：${ext.reason}`,
    `同意请回复“同意延期 ${f.no}”，不同意请回复“不同意延期 ${f.no} 原因”。`,
  ].join('\n');
}

export function extensionCard(f: Finding, directory: Directory): Record<string, unknown> {
  const ext = f.extension!;
  return {
    card_type: 'button_interaction',
    source: { desc: `${directory.town}“回头看”问题交办` },
    main_title: { title: `第 ${f.no} 号问题 申请延期`, desc: `${f.departments[0] ?? ''} ${directory.displayName(ext.by)}` },
    sub_title_text: `原因：${summary(ext.reason, 100)}\n不同意并说明原因请回复“不同意延期 ${f.no} 原因”。`,
    horizontal_content_list: [
      { keyname: '问题', value: summary(f.text, 40) },
      { keyname: '现时限', value: formatDate(f.deadline) },
      { keyname: '申请延至', value: formatDate(ext.deadline) },
    ],
    task_id: `f${f.no}v${f.version}extend`,
    button_list: [
      { text: '同意延期', style: 1, key: `extend-yes:${f.no}` },
      { text: '不同意', style: 2, key: `extend-no:${f.no}` },
    ],
  };
}

/** To the unit: what a leader decided about its 延期 (`dialect`: the markdown its group reads, null for plain text). */
export function extensionDecision(f: Finding, ext: { deadline: Date; reason: string }, approved: boolean, by: string, note: string, directory: Directory, dialect: MarkdownDialect | null): string {
  const inert = (s: string): string => (dialect ? inertText(s, dialect) : s);
  const name = inert(directory.displayName(by));
  return approved
    ? `第 ${f.no} 号问题延期申请已由 ${name} 同意，整改时限改为 ${formatDate(f.deadline)}。`
    : `第 ${f.no} 号问题延期申请（至 ${formatDate(ext.deadline)}）${name} 不同意${note ? `：${inert(note)}` : ''}。整改时限仍为 ${formatDate(f.deadline)}，请按期完成。`;
}

export function returnedNotice(f: Finding, by: string, reason: string, directory: Directory): string {
  return `第 ${f.no} 号问题被 ${directory.displayName(by)} 退回：${reason}\n原归类 ${itemLabel(f.task, f.item)}。请镇领导回复“改派 ${f.no} 问题编号”（如 改派 ${f.no} 5.2）或“改派 ${f.no} #任务号”重新分派。`;
}

/** What the unit's group is told when a finding is closed, rejected or cancelled; names and the reason made inert in `dialect`. */
export function groupStatusNotice(f: Finding, action: 'close' | 'reject' | 'cancel', by: string, note: string, directory: Directory, dialect: MarkdownDialect): string {
  const name = inertText(directory.displayName(by), dialect);
  switch (action) {
    case 'close':
      return `第 ${f.no} 号问题已由 ${name} 验收销号${note ? `，验收意见：${inertText(note, dialect)}` : ''}，感谢配合。`;
    case 'reject':
      return `**第 ${f.no} 号问题整改反馈被驳回**\n> ${inertText(note, dialect)}\n请继续整改，完成后再次回复“整改完成 ${f.no} 情况说明”。`;
    case 'cancel':
      return `第 ${f.no} 号问题已由 ${name} 撤销，无需再办理。`;
  }
}

export function findingDetail(f: Finding, directory: Directory, grade: Grade | null = null): string {
  const lines = [
    `第 ${f.no} 号问题：${STATUS_LABEL[f.status as FindingStatus]}${grade ? `（督办等级：${GRADE_LABEL[grade]}）` : ''}`,
    `归类：${itemLabel(f.task, f.item)}`,
    `责任单位：${unitsLine(f)}`,
    f.village ? `村：${f.village}` : null,
    `报告人：${directory.displayName(f.reporter)}，${formatTime(f.createdAt)}`,
    `整改时限：${formatDate(f.deadline)}`,
    f.kind ? `整改类型：${f.kind}` : null,
    f.measure ? `整改措施：${summary(f.measure, 120)}` : null,
    f.extension ? `延期申请：至 ${formatDate(f.extension.deadline)}，待镇领导审批` : null,
    f.checkedBy ? `验收：${directory.displayName(f.checkedBy)}${f.checkNote ? `，${summary(f.checkNote, 80)}` : ''}` : null,
    `内容：${summary(f.text, 200)}`,
    f.routing.reasons.length ? `归类依据：${f.routing.reasons.slice(0, 3).join('；')}` : null,
    '办理记录：',
    // The report's note is the routing reasons, shown once above as 归类依据.
    ...f.history.slice(-8).map((h) => `· ${formatTime(h.at)} ${h.by === 'system' ? '系统' : directory.displayName(h.by)} ${h.action}${h.note && h.action !== '报告' ? `：${summary(h.note, 60)}` : ''}`),
  ];
  return lines.filter((l): l is string => l !== null).join('\n');
}

export function helpText(): string {
  return [
    '直接发送问题描述即可上报（可写明村名；开头加 #8 可直接指定任务）。',
    '一条消息写了几个问题（一是…二是…，或 1. 2.）的，分别编号交办。',
    '命令（N 为问题编号）：',
    '签收 N —— 责任单位签收',
    '退回 N 原因 —— 不属于本单位，退回重新分派',
    '整改完成 N 说明 —— 反馈整改情况',
    '签收 N 立行立改 —— 签收，3 个工作日内完成',
    '签收 N 限期 12月20日 措施：… —— 签收，承诺完成日期和整改措施',
    '签收 N 持续 2027-03-31 措施：… —— 长期整改，定期报告进展',
    '进展 N 说明 —— 报告整改进展（可随后发照片）',
    '延期 N 日期 原因 —— 申请延期，领导同意后生效',
    '同意延期 N / 不同意延期 N 原因 —— 领导审批延期',
    '销号 N [验收意见] —— 报告人、领导或（任务3-8）村所在管区验收销号，责任单位不能自己销号',
    '驳回 N 原因 —— 整改不到位，退回继续整改',
    '撤销 N —— 报告人或领导撤销',
    '改派 N 类别 —— 选择或更改归类（如 改派 N 5.2）',
    '查询 N —— 查看状态和办理记录',
    '批次 名称 —— 镇领导设定当前批次（如 批次 2026年回头看第一轮）；只发“批次”查看当前批次',
    '拆分 N —— 镇领导把并入其他问题的第 N 号拆出来单独交办',
    '待办 —— 我的待办事项',
    '统计 —— 各状态、各单位数量，各群今日消息数',
    '帮助 —— 显示本说明',
  ].join('\n');
}

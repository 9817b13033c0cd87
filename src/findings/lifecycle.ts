import { isDistrictTask, isTaskNo } from '../../config/division-table';
import type { Directory } from '../org/directory';
import { STATUS_LABEL, type FindingStatus } from './finding.model';
import type { Finding } from './finding.repository';

/** The state changes people make by command or button. */
export type Action = 'accept' | 'return' | 'rectify' | 'close' | 'reject' | 'cancel' | 'progress' | 'extend' | 'approveExtension' | 'refuseExtension';

interface Rule {
  verb: string;
  from: FindingStatus[];
  to: FindingStatus;
  /** checker: 验收 by someone other than the responsible unit (reporter, leader, or for tasks 3-8 the village's 管区). */
  who: 'responsible' | 'reporter_or_leader' | 'checker' | 'leader';
  needsNote?: string;
}

export const RULES: Record<Action, Rule> = {
  accept: { verb: '签收', from: ['dispatched'], to: 'accepted', who: 'responsible' },
  return: { verb: '退回', from: ['dispatched', 'accepted'], to: 'triage', who: 'responsible', needsNote: '请写明退回原因，例如：退回 12 不属于本部门职责' },
  rectify: { verb: '整改完成', from: ['accepted'], to: 'rectified', who: 'responsible', needsNote: '请写明整改情况，例如：整改完成 12 已为该户更换自来水管' },
  close: { verb: '销号', from: ['rectified'], to: 'closed', who: 'checker' },
  reject: { verb: '驳回', from: ['rectified'], to: 'accepted', who: 'reporter_or_leader', needsNote: '请写明驳回原因，例如：驳回 12 屋顶仍漏雨' },
  cancel: { verb: '撤销', from: ['triage', 'dispatched', 'accepted', 'rectified'], to: 'cancelled', who: 'reporter_or_leader' },
  progress: { verb: '进展', from: ['accepted'], to: 'accepted', who: 'responsible', needsNote: '请写明整改进展，例如：进展 12 管道已采购，下周施工' },
  extend: { verb: '延期', from: ['accepted'], to: 'accepted', who: 'responsible', needsNote: '请写明日期和原因，例如：延期 12 12月30日 管材到货推迟' },
  approveExtension: { verb: '同意延期', from: ['accepted'], to: 'accepted', who: 'leader' },
  refuseExtension: { verb: '不同意延期', from: ['accepted'], to: 'accepted', who: 'leader', needsNote: '请写明不同意的原因，例如：不同意延期 12 群众急需，请按期完成' },
};

export const ACTION_BY_VERB: Record<string, Action> = Object.fromEntries(
  (Object.entries(RULES) as [Action, Rule][]).map(([action, rule]) => [rule.verb, action]),
);

/** Why `actor` may not do `action` to `finding` now, or null when they may. */
export function refusal(action: Action, finding: Finding, actor: string, directory: Directory, note: string): string | null {
  const rule = RULES[action];
  if (rule.who === 'responsible') {
    if (!directory.isResponsible(actor, finding.departments, finding.village)) {
      const units = finding.departments.length > 0 ? finding.departments.join('、') : '（尚未分派）';
      return `只有责任单位（${units}）的人员可以${rule.verb}第 ${finding.no} 号问题。`;
    }
  } else if (rule.who === 'leader') {
    if (!directory.isLeader(actor)) return `只有镇领导可以${rule.verb}。`;
  } else if (rule.who === 'checker') {
    // Closing is a check: whoever fixed it does not sign it off.
    if (directory.isResponsible(actor, finding.departments, finding.village)) {
      return `第 ${finding.no} 号问题须由责任单位以外的人验收销号（报告人、镇领导${isTaskNo(finding.task) && !isDistrictTask(finding.task) ? '或村所在管区' : ''}），责任单位不能自己销号。`;
    }
    if (!mayCheck(finding, actor, directory)) {
      return `只有报告人（${directory.displayName(finding.reporter)}）、镇领导${isTaskNo(finding.task) && !isDistrictTask(finding.task) ? '或村所在管区' : ''}可以${rule.verb}第 ${finding.no} 号问题。`;
    }
  } else if (actor !== finding.reporter && !directory.isLeader(actor)) {
    return `只有报告人（${directory.displayName(finding.reporter)}）或镇领导可以${rule.verb}第 ${finding.no} 号问题。`;
  }
  if (!rule.from.includes(finding.status)) {
    return `第 ${finding.no} 号问题当前为“${STATUS_LABEL[finding.status]}”，不能${rule.verb}${hint(action, finding.status)}`;
  }
  if (rule.needsNote && note.trim() === '') return rule.needsNote;
  return null;
}

/** 验收: the reporter, a leader, or for tasks 3-8 a member of the village's 管区 (tasks 1-2 are the 管区's own work). */
export function mayCheck(finding: Finding, actor: string, directory: Directory): boolean {
  if (actor === finding.reporter || directory.isLeader(actor)) return true;
  if (!isTaskNo(finding.task) || isDistrictTask(finding.task) || !finding.village) return false;
  const district = directory.village(finding.village)?.district;
  return district !== undefined && (directory.unit(district)?.members.includes(actor) ?? false);
}

function hint(action: Action, status: FindingStatus): string {
  if (action === 'rectify' && status === 'dispatched') return '，请先签收。';
  if (action === 'close' && status === 'accepted') return '，需责任单位先反馈整改完成。';
  if (status === 'closed' || status === 'cancelled') return '，该问题已办结。';
  return '。';
}

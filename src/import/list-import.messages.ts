import type { Links } from '../context';
import type { Finding } from '../findings/finding.repository';
import { formatDate, itemLabel, sourceLine, summary } from '../findings/messages';
import { withoutHouseholdName } from '../privacy/mask';
import { inertText, type MarkdownDialect } from '../wecom/markup';

/** How many findings one unit message lists before it points to the dashboard (WeCom markdown holds 4,096 bytes). */
export const LISTED_PER_MESSAGE = 15;

function line(f: Finding, unit: string, dialect: MarkdownDialect): string {
  const inert = (s: string): string => inertText(s, dialect);
  const where = [f.village, f.household?.code].filter(Boolean).join(' ');
  const role = f.departments[0] === unit ? '' : '（配合）';
  return `> 第 ${f.no} 号${role} ${where ? `${inert(where)} · ` : ''}${itemLabel(f.task, f.item)} · 时限 ${formatDate(f.deadline)}${f.relapse ? ' · 反弹' : ''}\n> ${inert(summary(withoutHouseholdName(f.text, f.household), 40))}`;
}

/** The one message a unit gets for an import: every new finding it leads or assists. */
export function unitImportMarkdown(unit: string, findings: Finding[], batch: string | null, links: Links, dialect: MarkdownDialect): string {
  const first = findings[0]!;
  const lines = [
    `**【交办】问题清单 ${findings.length} 件**`,
    `> 问题来源：${inertText(sourceLine({ source: first.source, batch }), dialect)}`,
    '',
    ...findings.slice(0, LISTED_PER_MESSAGE).map((f) => line(f, unit, dialect)),
    findings.length > LISTED_PER_MESSAGE ? `……另有 ${findings.length - LISTED_PER_MESSAGE} 件，见进度页。` : null,
    '',
    `请 ${unit} 逐件回复“签收 编号”；整改后回复“整改完成 编号 情况说明”。不属于本单位请回复“退回 编号 原因”。`,
    `[查看本单位问题](${links.dashboard()}?department=${encodeURIComponent(unit)})`,
  ];
  return lines.filter((l): l is string => l !== null).join('\n');
}

/** To each leader: the imported rows routing could not place. */
export function triageImportText(findings: Finding[]): string {
  const shown = findings.slice(0, 20).map((f) => `第 ${f.no} 号：${summary(withoutHouseholdName(f.text, f.household), 30)}`);
  return [
    `问题清单导入：${findings.length} 件未能自动归类，待分派：`,
    ...shown,
    findings.length > 20 ? `……另有 ${findings.length - 20} 件。` : null,
    `请回复“改派 编号 问题编号”（如 改派 ${findings[0]!.no} 5.2）分派。`,
  ]
    .filter((l): l is string => l !== null)
    .join('\n');
}

import { groupCountsLine, groupCountsToday } from '../src/dispatch/group-messages';
import type { OpenFinding } from '../src/findings/finding-views';
import { STATUS_LABEL, STATUSES, type FindingStatus } from '../src/findings/finding.model';
import { findingDetail, formatDate, helpText, summary } from '../src/findings/messages';
import { gradeOfFinding } from '../src/findings/grade';
import type { HandlerContext } from './context';

const TODO_LIMIT = 10;

/** 查询 N: status and history, with the reasons the finding was routed as it was. */
export async function handleQuery(no: number, ctx: HandlerContext): Promise<void> {
  const f = await ctx.findings.get(no);
  const grade = f ? gradeOfFinding(f, ctx.directory.org.reminders, ctx.calendar, ctx.clock.now()) : null;
  await ctx.reply(f ? findingDetail(f, ctx.directory, grade) : `没有第 ${no} 号问题，请核对编号。`);
}

/** 待办: open findings of the sender's units, and those the sender reported. */
export async function handleTodo(from: string, ctx: HandlerContext): Promise<void> {
  const units = ctx.directory.unitsOf(from);
  const now = ctx.clock.now();
  // From the open findings' view: a few thousand at most, where the findings are every one ever made.
  const open = await ctx.findings.open();
  const deadline = (f: OpenFinding): number => f.deadline?.getTime() ?? -Infinity;
  const mine = open
    .filter((f) => (f.status === 'dispatched' || f.status === 'accepted') && f.departments.some((d) => units.includes(d)))
    .sort((a, b) => deadline(a) - deadline(b) || a.no - b.no);
  const reported = open.filter((f) => f.reporter === from);
  const toConfirm = reported.filter((f) => f.status === 'rectified');
  const lines: string[] = [];
  if (mine.length) {
    lines.push(`本单位（${units.join('、')}）待办 ${mine.length} 件：`);
    for (const f of mine.slice(0, TODO_LIMIT)) {
      const overdue = f.deadline && f.deadline < now ? '【已超期】' : '';
      lines.push(`· ${f.no} ${STATUS_LABEL[f.status]}${overdue} 时限${formatDate(f.deadline)}：${summary(f.textStart, 24)}`);
    }
    if (mine.length > TODO_LIMIT) lines.push(`……另有 ${mine.length - TODO_LIMIT} 件，详见 ${ctx.links.dashboard()}`);
  }
  if (toConfirm.length) {
    lines.push(`待您核实销号 ${toConfirm.length} 件：`);
    for (const f of toConfirm.slice(0, TODO_LIMIT)) lines.push(`· ${f.no}：${summary(f.textStart, 24)}（回复“销号 ${f.no}”或“驳回 ${f.no} 原因”）`);
  }
  const waiting = reported.filter((f) => f.status !== 'rectified');
  if (waiting.length) lines.push(`您报告的问题办理中 ${waiting.length} 件：${waiting.slice(0, TODO_LIMIT).map((f) => `${f.no}（${STATUS_LABEL[f.status]}）`).join('、')}`);
  await ctx.reply(lines.length ? lines.join('\n') : '暂无待办事项。');
}

/** 统计: counts by status, and open items by unit. */
export async function handleStats(ctx: HandlerContext): Promise<void> {
  const now = ctx.clock.now();
  const [open, tallies] = await Promise.all([ctx.findings.open(), ctx.findings.tallies(now, now)]);
  const count: Record<FindingStatus, number> = { triage: 0, dispatched: 0, accepted: 0, rectified: 0, closed: tallies.closed, cancelled: tallies.cancelled };
  for (const f of open) count[f.status]++;
  const byStatus = STATUSES.map((s) => [s, count[s]] as const);
  const total = byStatus.reduce((n, [, c]) => n + c, 0);
  const lines = [`共 ${total} 件：${byStatus.filter(([, c]) => c > 0).map(([s, c]) => `${STATUS_LABEL[s]} ${c}`).join('，') || '暂无'}`];
  const busy = ctx.directory
    .units()
    .map((u) => [u.name, open.filter((f) => f.departments.includes(u.name)).length] as const)
    .filter(([, c]) => c > 0);
  if (busy.length) lines.push(`未办结：${busy.map(([n, c]) => `${n} ${c}`).join('，')}`);
  const groups = await groupCountsToday(ctx, now);
  if (groups.length) lines.push(`今日各群消息：${groupCountsLine(groups)}`);
  lines.push(`详情：${ctx.links.dashboard()}`);
  await ctx.reply(lines.join('\n'));
}

export async function handleHelp(ctx: HandlerContext): Promise<void> {
  await ctx.reply(helpText());
}

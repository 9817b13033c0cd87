import { OPEN_STATUSES, STATUS_LABEL, STATUSES } from '../src/findings/finding.model';
import { findingDetail, formatDate, helpText, summary } from '../src/findings/messages';
import type { HandlerContext } from './context';

const TODO_LIMIT = 10;

/** 查询 N: status and history, with the reasons the finding was routed as it was. */
export async function handleQuery(no: number, ctx: HandlerContext): Promise<void> {
  const f = await ctx.findings.get(no);
  await ctx.reply(f ? findingDetail(f, ctx.directory) : `没有第 ${no} 号问题，请核对编号。`);
}

/** 待办: open findings of the sender's units, and those the sender reported. */
export async function handleTodo(from: string, ctx: HandlerContext): Promise<void> {
  const units = ctx.directory.unitsOf(from);
  const now = ctx.clock.now();
  const mine = units.length ? await ctx.findings.list({ status: ['dispatched', 'accepted'], departments: units }, { sort: { deadline: 1 } }) : [];
  const reported = await ctx.findings.list({ status: OPEN_STATUSES, reporter: from }, { sort: { no: 1 } });
  const toConfirm = reported.filter((f) => f.status === 'rectified');
  const lines: string[] = [];
  if (mine.length) {
    lines.push(`本单位（${units.join('、')}）待办 ${mine.length} 件：`);
    for (const f of mine.slice(0, TODO_LIMIT)) {
      const overdue = f.deadline && f.deadline < now ? '【已超期】' : '';
      lines.push(`· ${f.no} ${STATUS_LABEL[f.status]}${overdue} 时限${formatDate(f.deadline)}：${summary(f.text, 24)}`);
    }
    if (mine.length > TODO_LIMIT) lines.push(`……另有 ${mine.length - TODO_LIMIT} 件，详见 ${ctx.links.dashboard()}`);
  }
  if (toConfirm.length) {
    lines.push(`待您核实销号 ${toConfirm.length} 件：`);
    for (const f of toConfirm.slice(0, TODO_LIMIT)) lines.push(`· ${f.no}：${summary(f.text, 24)}（回复“销号 ${f.no}”或“驳回 ${f.no} 原因”）`);
  }
  const waiting = reported.filter((f) => f.status !== 'rectified');
  if (waiting.length) lines.push(`您报告的问题办理中 ${waiting.length} 件：${waiting.slice(0, TODO_LIMIT).map((f) => `${f.no}（${STATUS_LABEL[f.status]}）`).join('、')}`);
  await ctx.reply(lines.length ? lines.join('\n') : '暂无待办事项。');
}

/** 统计: counts by status, and open items by unit. */
export async function handleStats(ctx: HandlerContext): Promise<void> {
  const byStatus = await Promise.all(STATUSES.map(async (s) => [s, await ctx.findings.count({ status: s })] as const));
  const total = byStatus.reduce((n, [, c]) => n + c, 0);
  const lines = [`共 ${total} 件：${byStatus.filter(([, c]) => c > 0).map(([s, c]) => `${STATUS_LABEL[s]} ${c}`).join('，') || '暂无'}`];
  const units = ctx.directory.units();
  const open = await Promise.all(units.map(async (u) => [u.name, await ctx.findings.count({ status: OPEN_STATUSES, department: u.name })] as const));
  const busy = open.filter(([, c]) => c > 0);
  if (busy.length) lines.push(`未办结：${busy.map(([n, c]) => `${n} ${c}`).join('，')}`);
  lines.push(`详情：${ctx.links.dashboard()}`);
  await ctx.reply(lines.join('\n'));
}

export async function handleHelp(ctx: HandlerContext): Promise<void> {
  await ctx.reply(helpText());
}

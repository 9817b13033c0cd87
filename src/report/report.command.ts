import { parseNowArg, runAt } from '../cli/domain';
import { AppError } from '../errors';
import { sendWeeklyReportNow, weeklyReport } from './weekly-report';

const USAGE = '用法：report --week [--now <ISO 时间>] [--send]，例如 report --week --now 2026-12-04T17:00:00+08:00 --send';

/**
 * `cli report --week [--now ISO] [--send]`: the weekly 通报 as of that time (default: now), as
 * Markdown on stdout; with --send it is also sent to the leaders and delivered before exiting.
 */
export async function reportCommand(args: string[]): Promise<string> {
  const rest = args.filter((a) => a !== '--week');
  if (rest.length === args.length) throw new AppError('bad_request', `请写明 --week\n${USAGE}`);
  const { now, flags } = parseNowArg(rest, USAGE, ['--send']);
  const send = flags.has('--send');
  const { result, delivery } = await runAt(
    now,
    async (domain) => {
      const { content } = await weeklyReport(domain, now);
      const sent = send ? await sendWeeklyReportNow(domain, now, content) : false;
      return { content, sent };
    },
    { deliver: send },
  );
  if (send) process.stderr.write(`${result.sent ? '已发送每周通报' : '未发送（没有领导的接收目标）'}；投递：成功 ${delivery.sent}，失败 ${delivery.failed}，待发 ${delivery.waiting}\n`);
  return `${result.content}\n`;
}

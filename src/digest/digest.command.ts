import { parseNowArg, runAt } from '../cli/domain';
import { leadersRecipient } from '../reminders/recipients';
import { ROBOT_MARKDOWN_MAX_BYTES } from '../wecom/limits';
import { markupOf } from '../wecom/markup';
import { leadersDigest } from './digest.messages';
import { collectDigest, sendDigestNow } from './digest.service';

const USAGE = '用法：digest --now <ISO 时间> [--send]，例如 digest --now 2026-10-09T17:30:00+08:00 --send';

/**
 * `cli digest --now <ISO time> [--send]`: the leaders' digest as of that time, as Markdown on
 * stdout; with --send it is also sent (with each unit's own digest) and delivered before exiting.
 */
export async function digestCommand(args: string[]): Promise<string> {
  const { now, flags } = parseNowArg(args, USAGE, ['--send']);
  const { result, delivery } = await runAt(now, async (domain) => {
    const data = await collectDigest(domain, now);
    const leaders = leadersRecipient(domain);
    const markdown = leadersDigest(data, leaders?.maxBytes ?? ROBOT_MARKDOWN_MAX_BYTES, leaders ? markupOf(leaders.destination.kind, 'markdown') : 'robot');
    const sent = flags.has('--send') ? await sendDigestNow(domain, now, data) : [];
    return { markdown, sent };
  }, { deliver: flags.has('--send') });
  if (flags.has('--send')) {
    process.stderr.write(`已发送 ${result.sent.length} 条简报（${result.sent.map((m) => m.to).join('、') || '无'}）；投递：成功 ${delivery.sent}，失败 ${delivery.failed}，待发 ${delivery.waiting}\n`);
  }
  return `${result.markdown}\n`;
}

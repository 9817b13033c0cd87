import { loadConfigFromProcess } from '../../config/env';
import { loadOrgFor } from '../cli/domain';
import { systemClock } from '../clock';
import { createLogger } from '../logger';
import { formatDoctorReport, runDoctor } from './doctor';

/**
 * `cli doctor`: the go-live checklist in Chinese on stdout; exits non-zero when a check failed
 * (something that would lose messages), so it can gate a deployment script.
 */
export async function doctorCommand(args: string[]): Promise<string> {
  if (args.length > 0) throw new Error('用法：doctor（无参数；按 .env 与组织文件检查）');
  const config = loadConfigFromProcess();
  const report = await runDoctor({ config, org: loadOrgFor(config), clock: systemClock, logger: createLogger({ level: 'silent' }) });
  const text = formatDoctorReport(report);
  if (report.ok) return text;
  process.stdout.write(text);
  throw new Error(`连接检查未通过（${report.checks.filter((c) => c.ok === false).map((c) => c.title).join('、')}）`);
}

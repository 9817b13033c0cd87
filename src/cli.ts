
/**
 * `npm run --silent cli -- <command>`: JSON (or Markdown where said) on stdout, a readable
 * message on stderr and a non-zero exit on failure.
 */
type Command = (args: string[]) => Promise<unknown>;

// Each command loads only what it uses: `route` answers without the database driver, the web
// framework or the spreadsheet library, which would be most of its time.
const commands: Record<string, Command> = {
  table: async () => (await import('../config/division-table')).divisionTableJson(),
  workday: async (args) => (await import('./calendar/workday.command')).workdayCommand(args),
  route: async (args) => (await import('./routing/route.command')).routeCommand(args),
  demo: async (args) => (await import('./simulator/demo.command')).demoCommand(args),
  remind: async (args) => (await import('./reminders/remind.command')).remindCommand(args),
  digest: async (args) => (await import('./digest/digest.command')).digestCommand(args),
  report: async (args) => (await import('./report/report.command')).reportCommand(args),
  groups: async (args) => (await import('./org/groups-create.command')).groupsCommand(args),
  doctor: async (args) => (await import('./doctor/doctor.command')).doctorCommand(args),
  import: async (args) => (await import('./import/import.command')).importCommand(args),
};

const usage = `用法 / usage: npm run --silent cli -- <命令>
  table                 打印任务分工表（JSON）
  remind --now <时间>   按该时间运行一次提醒任务并投递，打印发出的提醒（JSON）
  digest --now <时间> [--send]  打印该时间的每日简报（Markdown）；--send 同时发送
  report --week [--now <时间>] [--send]  打印本周的每周通报（Markdown）；--send 同时发给镇领导
  doctor                上线检查：凭据、可信IP、可见范围、群聊、回调、智能机器人，逐项打印（有未通过项时退出码非 0）
  groups create [--all] [--write 文件]  用应用创建组织文件中的群聊（appchat/create），打印各群 chatid（JSON）；--write 写出含新 chatid 的组织文件副本
  import <文件.xlsx> [--commit] [--source 来源] [--batch 批次] [--reporter userid]
                        导入问题清单：不带 --commit 只检查并列出每行的归类和问题（JSON），带 --commit 才导入
  demo [--force]        向空数据库写入演示数据（过去几周的问题及办理记录，消息进模拟器），打印数量（JSON）`;

async function run(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`${name ? `未知命令 / unknown command: ${name}\n` : ''}${usage}\n`);
    return 2;
  }
  try {
    const result = await command(args);
    process.stdout.write(typeof result === 'string' ? result : `${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`错误 / error: ${(err as Error).message}\n`);
    return 1;
  }
}

run(process.argv.slice(2)).then((code) => process.exit(code));

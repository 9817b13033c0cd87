import { spawnSync } from 'node:child_process';
import { expect } from 'chai';

/** Runs the real command line, as operators and scripts do. */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('node_modules/.bin/tsx', ['src/cli.ts', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('`cli workday <YYYY-MM-DD>`', function () {
  this.timeout(60_000);

  it('prints the contract JSON for a holiday', () => {
    const { status, stdout } = cli('workday', '2026-10-01');
    expect(status).to.equal(0);
    expect(stdout).to.equal('{"date":"2026-10-01","workday":false,"name":"国庆节"}\n');
  });

  it('prints a make-up Sunday as a workday with its festival, and an ordinary day with name null', () => {
    expect(JSON.parse(cli('workday', '2026-09-20').stdout)).to.deep.equal({ date: '2026-09-20', workday: true, name: '国庆节调休上班' });
    expect(JSON.parse(cli('workday', '2026-10-08').stdout)).to.deep.equal({ date: '2026-10-08', workday: true, name: null });
  });

  it('answers a year without an official arrangement and warns on stderr', () => {
    const { status, stdout, stderr } = cli('workday', '2031-01-22');
    expect(status).to.equal(0);
    expect(JSON.parse(stdout)).to.deep.equal({ date: '2031-01-22', workday: false, name: '春节' });
    expect(stderr).to.contain('2031 年的国务院办公厅节假日安排尚未录入');
  });

  it('refuses a bad or missing date with a Chinese message and a non-zero exit', () => {
    const bad = cli('workday', '2026-02-30');
    expect(bad.status).to.not.equal(0);
    expect(bad.stdout).to.equal('');
    expect(bad.stderr).to.contain('日期“2026-02-30”无效');
    const missing = cli('workday');
    expect(missing.status).to.not.equal(0);
    expect(missing.stderr).to.contain('用法：workday <YYYY-MM-DD>');
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { DEPARTMENTS } from '../../../config/division-table';
import { loadOrgConfig, OrgConfigError, parseOrgConfig } from '../../../config/org';

const example = path.resolve(import.meta.dirname, '../../../config/org.example.yaml');

function problemsOf(text: string): string[] {
  try {
    parseOrgConfig(text, 'org.yaml');
  } catch (err) {
    expect(err).to.be.instanceOf(OrgConfigError);
    expect((err as Error).message).to.contain('org.yaml');
    return (err as OrgConfigError).problems;
  }
  throw new Error('expected the file to be refused');
}

const minimal = {
  town: '姚村镇',
  leaders: [{ userid: 'zhang', name: '张三' }],
  departments: [{ name: '民政办', target: { webhook: 'K1' }, members: ['li'] }],
  districts: [{ name: '第一管区', target: { webhook: 'K2' }, members: ['wang'], villages: [{ name: '东岭村', cadre: 'wang' }] }],
};

describe('organisation file (config/org.ts)', () => {
  it('loads the shipped example: several 管区, villages and all nine departments', () => {
    const org = loadOrgConfig(example);
    expect(org.town).to.equal('姚村镇');
    expect(org.departments.map((d) => d.name)).to.have.members([...DEPARTMENTS]);
    expect(org.districts.length).to.be.greaterThan(2);
    expect(org.districts.flatMap((d) => d.villages).length).to.be.greaterThan(8);
    expect(readFileSync(example, 'utf8')).to.contain('示例').and.to.contain('EXAMPLE');
  });

  it('fills the reminder defaults of the contract', () => {
    const org = parseOrgConfig(stringify(minimal), 'org.yaml');
    expect(org.reminders).to.deep.equal({ acceptWithinHours: 4, deadlineDays: 7, repeatEveryHours: 4, escalateAfter: 3, maxDeadlineDays: 20, progressEveryDays: 10, staleDays: 5, workHours: '08:30-17:30' });
  });

  it('takes a group\'s daily ceiling under dispatch or at the top level, and refuses the two disagreeing', () => {
    expect(parseOrgConfig(stringify(minimal), 'org.yaml').dispatch).to.deep.equal({ collectMinutes: 10, groupDailyLimit: 20 });
    expect(parseOrgConfig(stringify({ ...minimal, dispatch: { groupDailyLimit: 8 } }), 'org.yaml').dispatch.groupDailyLimit).to.equal(8);
    expect(parseOrgConfig(stringify({ ...minimal, groupDailyLimit: 5 }), 'org.yaml').dispatch).to.deep.equal({ collectMinutes: 10, groupDailyLimit: 5 });
    expect(parseOrgConfig(stringify({ ...minimal, groupDailyLimit: 5, dispatch: { collectMinutes: 0, groupDailyLimit: 5 } }), 'org.yaml').dispatch).to.deep.equal({ collectMinutes: 0, groupDailyLimit: 5 });
    expect(problemsOf(stringify({ ...minimal, groupDailyLimit: 5, dispatch: { groupDailyLimit: 8 } }))).to.deep.equal(['groupDailyLimit: 与 dispatch.groupDailyLimit 的值不同，请只写一处 / given twice with different values']);
    expect(problemsOf(stringify({ ...minimal, groupDailyLimit: 0 }))[0]).to.match(/^dispatch\.groupDailyLimit: /);
  });

  it('names the path and the fault for a department that is not in the division table', () => {
    const bad = { ...minimal, departments: [...minimal.departments, { name: '水利站', target: { webhook: 'K' }, members: [] }] };
    const [problem] = problemsOf(stringify(bad));
    expect(problem).to.match(/^departments\[1\]\.name: /).and.to.contain('水利站').and.to.contain('不是分工表中的责任部门');
  });

  it('refuses a village in two districts', () => {
    const bad = {
      ...minimal,
      districts: [...minimal.districts, { name: '第二管区', target: { webhook: 'K3' }, villages: [{ name: '东岭村', cadre: 'zhao' }] }],
    };
    expect(problemsOf(stringify(bad))).to.deep.equal([
      'districts[1].villages[0].name: 村“东岭村”同时属于“第一管区”和“第二管区” / village in two districts',
    ]);
  });

  it('refuses a bad target and a bad work-hours string together', () => {
    const bad = { ...minimal, departments: [{ name: '民政办', target: { email: 'x' }, members: ['li'] }], reminders: { workHours: '17:30-08:30' } };
    const problems = problemsOf(stringify(bad));
    expect(problems.some((p) => p.startsWith('departments[0].target:') && p.includes('webhook'))).to.equal(true);
    expect(problems.some((p) => p.startsWith('reminders.workHours:') && p.includes('下班时间须晚于上班时间'))).to.equal(true);
  });

  it('refuses a chatid WeCom would refuse (only 1-32 letters and digits), naming the file and the place', () => {
    for (const chatid of ['wei-sheng-yuan', '卫生院群', 'a'.repeat(33), 'chat id']) {
      const bad = { ...minimal, districts: [{ ...minimal.districts[0], target: { chatid } }] };
      expect(problemsOf(stringify(bad)), chatid).to.deep.equal([
        'districts[0].target.chatid: chatid 只能由字母和数字组成，最长 32 个字符，企业微信不接受其他 chatid（可用 cli groups create 创建群聊并取得 chatid）/ chatid must be 1-32 letters or digits',
      ]);
    }
    const good = parseOrgConfig(stringify({ ...minimal, districts: [{ ...minimal.districts[0], target: { chatid: `wr${'A1'.repeat(15)}` } }] }), 'org.yaml');
    expect(good.districts[0]!.target).to.deep.equal({ chatid: `wr${'A1'.repeat(15)}` });
  });

  it('refuses a userid listed twice in one role, each place named', () => {
    const bad = {
      ...minimal,
      leaders: [...minimal.leaders, { userid: 'zhang', name: '张三' }],
      departments: [{ name: '民政办', target: { webhook: 'K1' }, members: ['li', 'li'] }],
    };
    expect(problemsOf(stringify(bad))).to.deep.equal([
      'leaders[1].userid: 领导 zhang 重复 / leader listed twice',
      'departments[0].members[1]: li 在“民政办”成员中重复 / member listed twice',
    ]);
  });

  it('reports YAML syntax errors with the line, and a missing file by name', () => {
    expect(problemsOf('town: 姚村镇\nleaders: [\n')[0]).to.contain('YAML');
    expect(() => loadOrgConfig('/nonexistent/org.yaml')).to.throw(OrgConfigError, '/nonexistent/org.yaml');
  });
});

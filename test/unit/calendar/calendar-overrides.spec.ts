import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CalendarOverridesError, createWorkCalendar, loadCalendarOverrides } from '../../../src/calendar/work-calendar';

describe('work calendar: town overrides (config/calendar-overrides.yaml)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'calendar-overrides-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const problemsOf = (fn: () => unknown): CalendarOverridesError => {
    try {
      fn();
    } catch (err) {
      expect(err).to.be.instanceOf(CalendarOverridesError);
      return err as CalendarOverridesError;
    }
    throw new Error('expected a CalendarOverridesError');
  };

  it('loads the shipped file: no overrides yet', () => {
    expect(loadCalendarOverrides('config/calendar-overrides.yaml')).to.deep.equal({ officialYears: [], holidays: [], workdays: [] });
  });

  it('reads a file of comments only, or with empty keys, as no overrides', () => {
    expect(loadCalendarOverrides(write('empty.yaml', '# nothing yet\n'))).to.deep.equal({ officialYears: [], holidays: [], workdays: [] });
    expect(loadCalendarOverrides(write('keys.yaml', 'holidays:\nworkdays:\n'))).to.deep.equal({ officialYears: [], holidays: [], workdays: [] });
  });

  it('wins over the package data, with single days and ranges, for an official year', () => {
    const file = write(
      'town.yaml',
      [
        'officialYears: [2027]',
        'holidays:',
        '  - { date: "2026-10-10", name: 全镇停电 }',
        '  - { from: "2027-02-05", to: "2027-02-11", name: 春节 }',
        'workdays:',
        '  - { date: "2026-10-03", name: 防汛值班 }',
        '  - { date: 2027-02-14, name: 春节调休上班 }',
      ].join('\n'),
    );
    const calendar = createWorkCalendar({ overrides: loadCalendarOverrides(file) });
    expect(calendar.day('2026-10-10')).to.deep.equal({ date: '2026-10-10', workday: false, name: '全镇停电', official: true });
    expect(calendar.day('2026-10-03')).to.deep.equal({ date: '2026-10-03', workday: true, name: '防汛值班', official: true });
    expect(calendar.day('2026-10-02').workday).to.equal(false);
    for (const date of ['2027-02-05', '2027-02-08', '2027-02-11']) {
      expect(calendar.day(date), date).to.deep.equal({ date, workday: false, name: '春节', official: true });
    }
    expect(calendar.day('2027-02-12').workday).to.equal(true);
    expect(calendar.day('2027-02-14')).to.deep.equal({ date: '2027-02-14', workday: true, name: '春节调休上班', official: true });
    expect(calendar.missingOfficialYears([2026, 2027, 2028])).to.deep.equal([2028]);
  });

  it('keeps a year with entries but not in officialYears on the statutory rules, and says so', () => {
    const calendar = createWorkCalendar({ overrides: { holidays: [{ date: '2031-10-06', name: '国庆节' }] } });
    expect(calendar.day('2031-10-06')).to.deep.equal({ date: '2031-10-06', workday: false, name: '国庆节', official: false });
    expect(calendar.day('2031-10-02')).to.deep.equal({ date: '2031-10-02', workday: false, name: '国庆节', official: false });
    expect(calendar.missingOfficialYears([2031])).to.deep.equal([2031]);
  });

  it('names the file and the place of every problem', () => {
    const file = write(
      'bad.yaml',
      [
        'officialYears: [twenty]',
        'holidays:',
        '  - { date: "2027-02-30", name: 春节 }',
        '  - { from: "2027-03-10", to: "2027-03-01", name: 倒序 }',
        '  - { date: "2027-05-06" }',
        '  - { day: "2027-05-07", name: 错键 }',
        'workdays:',
        '  - { date: "2027-03-05", name: 冲突 }',
        'extra: 1',
      ].join('\n'),
    );
    const error = problemsOf(() => loadCalendarOverrides(file));
    expect(error.file).to.equal(file);
    const text = error.problems.join('\n');
    expect(text).to.contain('officialYears[0]');
    expect(text).to.contain('holidays[0].date').and.contain('真实日期');
    expect(text).to.contain('holidays[1].to').and.contain('不能早于');
    expect(text).to.contain('holidays[2]');
    expect(text).to.contain('holidays[3]');
    expect(text).to.contain('extra');
    expect(error.message).to.contain(file);
  });

  it('refuses a day that is both off and worked, and a range longer than a month', () => {
    const clash = problemsOf(() =>
      createWorkCalendar({
        overrides: { holidays: [{ from: '2027-03-01', to: '2027-03-10', name: '甲' }], workdays: [{ date: '2027-03-05', name: '乙' }] },
      }),
    );
    expect(clash.problems.join('\n')).to.contain('workdays[0]').and.contain('2027-03-05 同时列为放假和上班');
    const long = problemsOf(() => createWorkCalendar({ overrides: { holidays: [{ from: '2027-01-01', to: '2027-12-31', name: '全年' }] } }));
    expect(long.problems.join('\n')).to.contain('holidays[0].to').and.contain('最长 31 天');
  });

  it('reports YAML syntax errors with the line, and a missing file by name', () => {
    const broken = write('broken.yaml', 'holidays:\n  - { date: "2027-01-01", name: 元旦\n');
    expect(problemsOf(() => loadCalendarOverrides(broken)).problems.join('\n')).to.match(/第 \d+ 行/);
    const missing = path.join(dir, 'nope.yaml');
    const error = problemsOf(() => loadCalendarOverrides(missing));
    expect(error.file).to.equal(missing);
    expect(error.problems.join('\n')).to.contain('ENOENT');
  });
});

import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEPARTMENTS, DIVISION_TABLE, DISTRICT_RESPONSIBILITY, findItem, taskDepartments } from '../../../config/division-table';

const root = path.resolve(import.meta.dirname, '../../..');
const seedCopy = path.join(root, 'config/division-table.seed.txt');
const sharedSeed = path.join(root, '../shared/seed/000_7bcc38ec678d38ff.txt');
const seed = readFileSync(seedCopy, 'utf8').replace(/\r\n/g, '\n');

/** The seed's row for a task: from its number and title to the next task's row. */
function segmentOf(no: number): string {
  const start = seed.indexOf(`\t${no}\n\t${DIVISION_TABLE[no - 1]!.title}`);
  expect(start, `task ${no} row in the seed`).to.be.greaterThan(-1);
  const next = no < 8 ? seed.indexOf(`\t${no + 1}\n\t${DIVISION_TABLE[no]!.title}`) : seed.length;
  return seed.slice(start, next);
}

function numberedProblems(segment: string): string[] {
  return [...segment.matchAll(/(?:^|[\n\t])\d+、([^\n]*)/g)].map((m) => m[1]!.trim());
}

describe('division table (config/division-table.ts) against the seed document', () => {
  it('keeps an identical copy of the seed beside it', function () {
    if (!existsSync(sharedSeed)) this.skip();
    expect(readFileSync(seedCopy, 'utf8')).to.equal(readFileSync(sharedSeed, 'utf8'));
  });

  it('has the 8 tasks of the seed, in order, with their titles', () => {
    expect(DIVISION_TABLE.map((t) => t.no)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const t of DIVISION_TABLE) segmentOf(t.no);
  });

  for (const t of DIVISION_TABLE) {
    it(`task ${t.no} ${t.title}: every key problem in full, sub-areas and departments`, () => {
      const segment = segmentOf(t.no);
      const numbered = t.subAreas.filter((s) => !(s.problems.length === 1 && t.subAreas.length > 1)).flatMap((s) => s.problems.map((p) => p.text));
      expect(numbered, 'numbered problems, problem by problem').to.deep.equal(numberedProblems(segment));
      for (const s of t.subAreas) {
        if (s.title) expect(segment).to.include(`\t${s.title}\n`);
        for (const p of s.problems) expect(segment).to.include(p.text);
      }
      if (t.responsibility) {
        expect(t.responsibility).to.equal(DISTRICT_RESPONSIBILITY);
        expect(segment).to.include(`\t${DISTRICT_RESPONSIBILITY}`);
        expect(taskDepartments(t)).to.deep.equal([]);
      } else {
        // merged cells: the department line appears once for sub-areas that share it
        const lines = [...new Set(t.subAreas.map((s) => s.departments.join('、')))];
        for (const line of lines) expect(segment).to.match(new RegExp(`\\t${line}\\s*(\\n|$)`));
      }
    });
  }

  it('task 4 has three sub-areas sharing 扶贫办、财政所、经管站; task 5 three with different departments', () => {
    const t4 = DIVISION_TABLE[3]!;
    const t5 = DIVISION_TABLE[4]!;
    expect(t4.subAreas.map((s) => s.departments.join('、'))).to.deep.equal(['扶贫办、财政所、经管站', '扶贫办、财政所、经管站', '扶贫办、财政所、经管站']);
    expect(t5.subAreas.map((s) => s.departments.join('、'))).to.deep.equal(['扶贫办', '农业服务站', '扶贫办、镇中心中学']);
    expect(findItem('5.2')?.subArea.departments).to.deep.equal(['农业服务站']);
    expect(findItem('4.3.2')?.problem.text).to.contain('挤占挪用');
  });

  it('names each of the nine departments somewhere in the seed', () => {
    expect(DEPARTMENTS).to.have.length(9);
    for (const d of DEPARTMENTS) expect(seed).to.include(d);
  });

  it('`cli table` prints the same table as JSON', () => {
    const out = execFileSync('npx', ['tsx', 'src/cli.ts', 'table'], { cwd: root, encoding: 'utf8' });
    const table = JSON.parse(out) as { tasks: { no: number; departments: string[]; subAreas: { items: { item: string; text: string }[] }[] }[] };
    expect(table.tasks).to.have.length(8);
    expect(table.tasks[0]!.departments).to.deep.equal(['管区']);
    expect(table.tasks[6]!.departments).to.deep.equal(['人社所', '卫生院']);
    const items = table.tasks.flatMap((t) => t.subAreas.flatMap((s) => s.items));
    expect(items).to.have.length(DIVISION_TABLE.flatMap((t) => t.subAreas.flatMap((s) => s.problems)).length);
    expect(items.find((i) => i.item === '5.2')?.text).to.equal('贫困户用水是否达到《农村饮水安全评价准则》的要求。');
  });
});

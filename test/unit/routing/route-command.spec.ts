import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseRouteArgs } from '../../../src/routing/route.command';

const root = path.resolve(import.meta.dirname, '../../..');
const CONTRACT_KEYS = ['task', 'item', 'departments', 'village', 'confidence', 'needsConfirmation'];

/** The CLI as operators run it, in its own process, with the shipped example organisation file. */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { MONGODB_URI: _unused, ...env } = process.env;
  const run = spawnSync('npx', ['tsx', 'src/cli.ts', 'route', ...args], {
    cwd: root,
    env: { ...env, ORG_CONFIG: 'config/org.example.yaml' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('cli route (spawned)', function () {
  this.timeout(120_000);

  it('prints exactly the contract’s shape on one line', () => {
    const run = cli('河东村李某某家吃水还得去村头挑，自来水一直没水');
    expect(run.status, run.stderr).to.equal(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).to.have.length(1);
    const out = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(out)).to.deep.equal(CONTRACT_KEYS);
    expect(out).to.include({ task: 5, item: '5.2', village: '河东村', needsConfirmation: false });
    expect(out.departments).to.deep.equal(['农业服务站']);
    expect(out.confidence).to.be.within(0, 1);
  });

  it('takes --village and gives tasks 1-2 that village’s 管区', () => {
    const out = JSON.parse(cli('老伴去年去世了，国家库里没减人', '--village', '东岭').stdout) as Record<string, unknown>;
    expect(out).to.include({ task: 1, item: '1.2', village: '东岭村' });
    expect(out.departments).to.deep.equal(['第一管区']);
  });

  it('adds parts when the report holds several problems, the top-level fields being the first part’s', () => {
    const run = cli('东岭村王某某家：一是房顶漏雨；二是医保今年没交');
    expect(run.status, run.stderr).to.equal(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown> & { parts: Array<Record<string, unknown>> };
    expect(Object.keys(out)).to.deep.equal([...CONTRACT_KEYS, 'parts']);
    expect(out).to.include({ task: 8, item: '8.1', village: '东岭村' });
    expect(out.parts.map((p) => [p.text, p.item, (p.departments as string[])[0]])).to.deep.equal([
      ['东岭村王某某家：房顶漏雨', '8.1', '镇建办'],
      ['东岭村王某某家：医保今年没交', '7.1', '人社所'],
    ]);
    expect(Object.keys(out.parts[0]!)).to.deep.equal(['text', 'task', 'item', 'departments', 'confidence', 'needsConfirmation']);
    expect(Object.keys(JSON.parse(cli('东岭村王某某家房顶漏雨').stdout) as object)).to.deep.equal(CONTRACT_KEYS);
  });

  it('answers a vague report with nulls and needsConfirmation', () => {
    const out = JSON.parse(cli('有问题').stdout) as Record<string, unknown>;
    expect(out).to.deep.equal({ task: null, item: null, departments: [], village: null, confidence: 0, needsConfirmation: true });
  });
});

describe('parseRouteArgs', () => {
  it('joins the words and reads --village in both spellings', () => {
    expect(parseRouteArgs(['房顶', '漏雨', '--village', '东岭村'])).to.deep.equal({ text: '房顶 漏雨', village: '东岭村' });
    expect(parseRouteArgs(['--village=北王', '房顶漏雨'])).to.deep.equal({ text: '房顶漏雨', village: '北王' });
    expect(parseRouteArgs([])).to.deep.equal({ text: '', village: null });
  });

  it('refuses --village without a name, in Chinese', () => {
    expect(() => parseRouteArgs(['房顶漏雨', '--village'])).to.throw(/需要村名/);
  });
});

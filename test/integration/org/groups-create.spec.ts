import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrgConfig } from '../../../config/org';
import { FixedClock } from '../../../src/clock';
import { createDirectory } from '../../../src/org/directory';
import { startFakeWeCom, type FakeWeCom } from '../../helpers/fake-wecom';
import { freshDatabaseUri } from '../../helpers/database';
import { cliEnv, spawnCli } from '../../helpers/spawn-cli';

// `cli groups create` against the strict fake: the chats it makes are the ones appchat/send
// then accepts (86008 before).
describe('cli groups create: app chats from the organisation file', function () {
  this.timeout(120_000); // spawned CLIs on a loaded machine
  const org = loadOrgConfig('config/org.example.yaml');
  const people = createDirectory(org).everyone();
  let wecom: FakeWeCom;
  let env: Record<string, string>;

  beforeEach(async () => {
    wecom = await startFakeWeCom({ clock: new FixedClock('2026-12-01T09:00:00+08:00'), users: people });
    env = cliEnv(freshDatabaseUri('groups'), wecom.base);
  });
  afterEach(() => wecom.close());

  type Result = { unit: string; chatid: string | null; status: string; members: string[]; error?: string };

  it('creates each { chatid } group with its unit\'s people, then finds it there; appchat/send works only after', async () => {
    const before = await fetch(`${wecom.base}/cgi-bin/gettoken?corpid=${env.WECOM_CORP_ID}&corpsecret=${env.WECOM_SECRET}`).then((r) => r.json() as Promise<{ access_token: string }>);
    const send = () =>
      fetch(`${wecom.base}/cgi-bin/appchat/send?access_token=${before.access_token}`, { method: 'POST', body: JSON.stringify({ chatid: 'EXAMPLEWEISHENGYUANCHAT', msgtype: 'text', text: { content: '第 1 号问题' } }) }).then((r) => r.json() as Promise<{ errcode: number }>);
    expect(await send()).to.include({ errcode: 86008 });

    const first = await spawnCli(['groups', 'create'], env);
    expect(first.status, first.stderr).to.equal(0);
    const results = JSON.parse(first.stdout) as Result[];
    // 卫生院 has one member; a chat needs two, so the first leader joins.
    expect(results).to.deep.equal([{ unit: '卫生院', members: ['shenyu', org.leaders[0]!.userid], chatid: 'EXAMPLEWEISHENGYUANCHAT', status: 'created' }]);
    expect(first.stderr).to.contain('群聊：新建 1，已存在 0，失败 0');
    expect(wecom.state.chat('EXAMPLEWEISHENGYUANCHAT')).to.deep.include({ owner: 'shenyu', name: '姚村镇卫生院“回头看”工作群' });
    expect(await send()).to.include({ errcode: 0 });

    const again = await spawnCli(['groups', 'create'], env);
    expect(again.status, again.stderr).to.equal(0);
    expect((JSON.parse(again.stdout) as Result[]).map((r) => r.status)).to.deep.equal(['exists']);
  });

  it('--all --write: an app chat for every unit and 管区, in a copy of the organisation file that loads', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'groups-')), 'org.new.yaml');
    const run = await spawnCli(['groups', 'create', '--all', '--write', out], env);
    expect(run.status, run.stderr).to.equal(0);
    const results = JSON.parse(run.stdout) as Result[];
    expect(results).to.have.length(org.departments.length + org.districts.length);
    expect(results.every((r) => r.status === 'created' && r.chatid && /^[0-9a-zA-Z]{1,32}$/.test(r.chatid))).to.equal(true);
    const copy = loadOrgConfig(out);
    const district1 = copy.districts.find((d) => d.name === '第一管区')!;
    expect(district1.target).to.deep.equal({ chatid: results.find((r) => r.unit === '第一管区')!.chatid });
    expect(wecom.state.chat((district1.target as { chatid: string }).chatid)!.userlist).to.have.members(['yangfan', 'zhuxia', 'qinfeng']);
    expect(readFileSync(out, 'utf8')).to.contain('# 管区：第一、二项任务');
    expect(readFileSync('config/org.example.yaml', 'utf8')).to.contain('EXAMPLE-DISTRICT1-ROBOT-KEY');

    const refuse = await spawnCli(['groups', 'create', '--write', 'config/org.example.yaml'], { ...env, ORG_CONFIG: 'config/org.example.yaml' });
    expect(refuse.status).to.equal(1);
    expect(refuse.stderr).to.contain('--write 不能覆盖正在使用的组织文件');
  });

  it('names the unit and WeCom\'s reason when a chat cannot be made, and exits non-zero', async () => {
    wecom.setVisible(people.filter((u) => u !== 'shenyu'));
    const run = await spawnCli(['groups', 'create'], env);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.contain('卫生院：企业微信拒绝（86007）');
    expect(wecom.state.chats()).to.deep.equal([]);
  });
});

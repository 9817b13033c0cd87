import { expect } from 'chai';
import { WebSocketServer } from 'ws';
import { loadConfig } from '../../../config/env';
import { loadOrgConfig } from '../../../config/org';
import { FixedClock } from '../../../src/clock';
import { formatDoctorReport, runDoctor, type DoctorReport } from '../../../src/doctor/doctor';
import { silentLogger } from '../../../src/logger';
import { createDirectory } from '../../../src/org/directory';
import { startFakeWeCom, TEST_SECRET, type FakeWeCom } from '../../helpers/fake-wecom';
import { createOrgChats } from '../../helpers/service';
import { cliEnv, spawnCli } from '../../helpers/spawn-cli';
import { freshDatabaseUri } from '../../helpers/database';
import { TEST_APP } from '../../helpers/wecom-signer';

// `cli doctor` against the strict fake: all green on a corp set up as the README says; each
// switch (and each slip an admin makes) turns its own line red.
describe('cli doctor: the go-live checklist', () => {
  const org = loadOrgConfig('config/org.example.yaml');
  const clock = new FixedClock('2026-12-01T09:00:00+08:00');
  /** The corp: the organisation file's people. */
  const people = createDirectory(org).everyone();
  let wecom: FakeWeCom;
  let bot: WebSocketServer;
  let botUrl: string;

  beforeEach(async () => {
    wecom = await startFakeWeCom({ clock, users: people });
    createOrgChats(wecom, org);
    bot = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => bot.once('listening', () => resolve()));
    const address = bot.address();
    botUrl = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterEach(async () => {
    await wecom.close();
    for (const c of bot.clients) c.terminate();
    await new Promise<void>((resolve) => bot.close(() => resolve()));
  });

  const env = (extra: Record<string, string> = {}) => ({
    PORT: '0',
    WECOM_API_BASE: wecom.base,
    WECOM_CORP_ID: TEST_APP.corpId,
    WECOM_AGENT_ID: '1000002',
    WECOM_SECRET: TEST_SECRET,
    WECOM_TOKEN: TEST_APP.token,
    WECOM_ENCODING_AES_KEY: TEST_APP.encodingAesKey,
    WECOM_BOT_ID: 'bot-yaocun',
    WECOM_BOT_SECRET: 'bot-secret',
    WECOM_BOT_WS_URL: botUrl,
    PUBLIC_BASE_URL: 'https://bot.example.gov.cn',
    ...extra,
  });
  const doctor = (extra: Record<string, string> = {}): Promise<DoctorReport> =>
    runDoctor({ config: loadConfig(env(extra)), org, clock, logger: silentLogger(), timeoutMs: 2_000 });
  const line = (report: DoctorReport, title: string) => {
    const found = report.checks.find((c) => c.title === title);
    expect(found, title).to.not.equal(undefined);
    return found!;
  };
  const reds = (report: DoctorReport): string[] => report.checks.filter((c) => c.ok === false).map((c) => c.title);

  it('prints all green for a corp set up as the README says, and sends nothing to anyone', async () => {
    const report = await doctor();
    expect(reds(report)).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    expect(report.checks.map((c) => [c.title, c.ok])).to.deep.equal([
      ['凭据（access_token）', true],
      ['企业可信IP', true],
      ['应用可见范围', true],
      ['账号许可', null],
      ['应用群聊', true],
      ['回调（接收消息）', true],
      ['智能机器人', true],
      ['群机器人', null],
    ]);
    const text = formatDoctorReport(report);
    expect(text).to.match(/✔ 应用可见范围：组织文件中的 \d+ 人都在应用可见范围内/).and.to.contain('结论：可以上线');
    expect(text).to.contain('－ 账号许可：企业微信未向自建应用提供查询成员许可的接口');
    expect(wecom.received).to.deep.equal([]);
  });

  it('"IP not trusted" turns the trusted-IP line red with the IP to add', async () => {
    wecom.setSwitches({ ipNotTrusted: true });
    const report = await doctor();
    expect(report.ok).to.equal(false);
    expect(line(report, '凭据（access_token）').ok).to.equal(true);
    const ip = line(report, '企业可信IP');
    expect(ip.ok).to.equal(false);
    expect(ip.fix).to.contain('企业可信IP').and.to.contain('127.0.0.1');
  });

  it('no callback URL turns the callback line red', async () => {
    wecom.setSwitches({ callbackConfigured: false });
    const report = await doctor();
    expect(reds(report)).to.deep.equal(['回调（接收消息）']);
    expect(line(report, '回调（接收消息）').fix).to.contain('https://bot.example.gov.cn/wecom/callback');
  });

  it('members outside the visible range are named', async () => {
    wecom.setVisible(people.filter((u) => u !== 'zhuxia' && u !== 'hanbing'));
    const report = await doctor();
    expect(reds(report)).to.deep.equal(['应用可见范围']);
    expect(line(report, '应用可见范围').detail).to.equal('不在可见范围：韩冰（hanbing）、朱霞（zhuxia）');
  });

  it('a chat the app did not create, a wrong secret, an unreachable smart bot: each its own red line', async () => {
    const other = await startFakeWeCom({ clock, users: people });
    try {
      const report = await runDoctor({ config: loadConfig({ ...env(), WECOM_API_BASE: other.base }), org, clock, logger: silentLogger(), timeoutMs: 2_000 });
      expect(reds(report)).to.deep.equal(['应用群聊']);
      expect(line(report, '应用群聊').detail).to.contain('卫生院（EXAMPLEWEISHENGYUANCHAT：不存在或不是本应用创建的）');
    } finally {
      await other.close();
    }
    expect(reds(await doctor({ WECOM_SECRET: 'wrong' }))).to.deep.equal(['凭据（access_token）']);
    expect(reds(await doctor({ WECOM_BOT_WS_URL: 'ws://127.0.0.1:9' }))).to.deep.equal(['智能机器人']);
  });

  it('as a command: exit 0 when green, non-zero with the checklist when not', async function () {
    this.timeout(120_000); // two spawned CLIs
    const base = { ...cliEnv(freshDatabaseUri('doctor'), wecom.base), ...env() };
    const green = await spawnCli(['doctor'], base);
    expect(green.status, green.stderr).to.equal(0);
    expect(green.stdout).to.contain('✔ 企业可信IP');
    wecom.setSwitches({ ipNotTrusted: true });
    const red = await spawnCli(['doctor'], base);
    expect(red.status).to.equal(1);
    expect(red.stdout).to.contain('✘ 企业可信IP').and.to.contain('处理：在管理后台「应用管理 → 本应用 → 企业可信IP」');
    expect(red.stderr).to.contain('连接检查未通过（企业可信IP）');
  });
});

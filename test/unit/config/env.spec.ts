import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../config/env';
import { entryArgs, projectRoot } from '../../helpers/spawn-cli';

describe('environment (config/env.ts)', () => {
  it('gives the contract defaults for an empty environment: simulator mode, embedded database', () => {
    const c = loadConfig({});
    expect(c.port).to.equal(3000);
    expect(c.mongodbUri).to.equal(undefined);
    expect(c.wecom.apiBase).to.equal('https://qyapi.weixin.qq.com');
    expect(c.orgConfigPath).to.equal('config/org.yaml');
    expect(c.adminToken).to.equal(undefined);
    expect(c.publicBaseUrl).to.equal('http://localhost:3000');
    expect(c.timeZone).to.equal('Asia/Shanghai');
    expect(c.simulator).to.equal(true);
  });

  it('reads a full self-built app configuration and leaves simulator mode', () => {
    const c = loadConfig({
      PORT: '8080',
      WECOM_API_BASE: 'https://wecom.example.gov.cn/',
      WECOM_CORP_ID: 'ww1234',
      WECOM_AGENT_ID: '1000002',
      WECOM_SECRET: 's3cret',
      WECOM_TOKEN: 'tok',
      WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
      PUBLIC_BASE_URL: 'https://bot.example.gov.cn/',
    });
    expect(c.simulator).to.equal(false);
    expect(c.wecom.apiBase).to.equal('https://wecom.example.gov.cn');
    expect(c.wecom.app).to.deep.equal({ corpId: 'ww1234', agentId: 1000002, secret: 's3cret' });
    expect(c.wecom.callback?.token).to.equal('tok');
    expect(c.publicBaseUrl).to.equal('https://bot.example.gov.cn');
    expect(c.port).to.equal(8080);
  });

  it('reports every problem at once, in Chinese and English', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', WECOM_CORP_ID: 'ww1', WECOM_ENCODING_AES_KEY: 'short', TZ: 'Mars/Olympus', ADMIN_TOKEN: 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    const fields = problems.map((p) => p.split(':')[0]);
    expect(fields).to.include.members(['PORT', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_ENCODING_AES_KEY', 'TZ', 'ADMIN_TOKEN', 'WECOM_TOKEN']);
    expect(message).to.contain('配置有误').and.to.contain('invalid configuration');
    expect(message).to.contain('43 位').and.to.contain('43 letters');
  });

  it('exits non-zero with the problems when the service is started with a bad environment', async function () {
    // A process loading the sources through tsx: slow on a busy machine.
    this.timeout(90_000);
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, entryArgs('main'), {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: 'not-a-port', WECOM_SECRET: 'x' },
      encoding: 'utf8',
      timeout: 80_000,
    });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain('PORT').and.to.contain('WECOM_CORP_ID').and.to.contain('配置有误');
    expect(r.stderr).not.to.match(/at .*\.ts:\d+/); // no stack trace
  });
});

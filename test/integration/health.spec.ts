import { expect } from 'chai';
import { loadConfig } from '../../config/env';
import { loadOrgConfig } from '../../config/org';
import { createService, type Service } from '../../src/main';
import { silentLogger } from '../../src/logger';
import { freshDatabaseUri } from '../helpers/database';

describe('GET /healthz (real service, real database)', () => {
  let service: Service;
  let base: string;

  beforeEach(async () => {
    const config = loadConfig({ PORT: '0', MONGODB_URI: freshDatabaseUri('health') });
    service = createService({ config, org: loadOrgConfig('config/org.example.yaml'), logger: silentLogger(), schedule: false });
    const { port } = await service.start();
    base = `http://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    await service.stop();
  });

  it('answers 200 {"ok":true} while the database answers', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ ok: true });
  });

  it('answers 503 when the database is gone', async () => {
    await service.connection.close();
    const res = await fetch(`${base}/healthz`);
    expect(res.status).to.equal(503);
    expect(((await res.json()) as { ok: boolean }).ok).to.equal(false);
  });

  it('answers an unknown route with 404 and no stack trace', async () => {
    const res = await fetch(`${base}/nowhere`);
    expect(res.status).to.equal(404);
    expect(await res.text()).not.to.contain('at ');
  });
});

import { expect } from 'chai';
import { ADMIN_TOKEN, AGENT_ID, startTestService, type TestService } from '../../helpers/service';
import { startSimService, type SimService } from '../../helpers/sim-service';
import { TEST_APP } from '../../helpers/wecom-signer';
import { cookiesOf, signIn } from '../../helpers/web-session';

// Who may open the form, the dashboard and the ledger: the admin token, or a member of the
// organisation file signed in through WeCom OAuth (snsapi_base). Everything else is sent to
// WeCom's OAuth page (pages) or refused (export).
describe('web sign-in: WeCom OAuth sessions, the admin token, and refusals', () => {
  let t: TestService;

  before(async () => {
    t = await startTestService({ env: { WECOM_OAUTH_BASE: 'https://oauth.example.gov.cn' } });
  });
  after(async () => {
    await t.stop();
  });

  for (const path of ['/form', '/dashboard', '/dashboard/findings/1']) {
    it(`GET ${path} without token or session redirects to the WeCom OAuth page with a state`, async () => {
      const res = await fetch(`${t.base}${path}`, { redirect: 'manual' });
      expect(res.status).to.equal(302);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).to.equal('https://oauth.example.gov.cn/connect/oauth2/authorize');
      expect(location.hash).to.equal('#wechat_redirect');
      const q = location.searchParams;
      expect([...q.keys()]).to.deep.equal(['appid', 'redirect_uri', 'response_type', 'scope', 'agentid', 'state']);
      expect(q.get('appid')).to.equal(TEST_APP.corpId);
      expect(q.get('agentid')).to.equal(AGENT_ID);
      expect(q.get('scope')).to.equal('snsapi_base');
      expect(q.get('response_type')).to.equal('code');
      expect(q.get('redirect_uri')).to.equal(`${t.base}/auth/wecom`);
      expect(q.get('state')).to.match(/^[A-Za-z0-9]{16,128}$/); // WeCom's rule for state
      // The state is remembered in a signed, HTTP-only cookie for the way back.
      const setCookie = res.headers.getSetCookie().join('\n');
      expect(setCookie).to.match(/hk_oauth=[^;]+;.*httponly/i).and.to.match(/samesite=lax/i);
    });
  }

  it('GET /export/ledger.xlsx without the token is 401, with a wrong one too; a session is not enough', async () => {
    expect((await fetch(`${t.base}/export/ledger.xlsx`)).status).to.equal(401);
    expect((await fetch(`${t.base}/export/ledger.xlsx`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).to.equal(401);
    const cookie = await signIn(t, 'wangzhen');
    expect((await fetch(`${t.base}/export/ledger.xlsx`, { headers: { cookie } })).status).to.equal(401);
  });

  it('the admin token opens the form and the dashboard; a wrong token is 401, not a redirect', async () => {
    const ok = await fetch(`${t.base}/dashboard`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).to.equal(200);
    expect(await ok.text()).to.contain('问题整改进度');
    const form = await fetch(`${t.base}/form`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(form.status).to.equal(200);
    expect(await form.text()).to.contain('管理员代报');
    const bad = await fetch(`${t.base}/dashboard`, { headers: { authorization: 'Bearer nope-nope-nope-nope' }, redirect: 'manual' });
    expect(bad.status).to.equal(401);
  });

  it('the OAuth round trip signs a member in and goes back to the page first asked for', async () => {
    const first = await fetch(`${t.base}/form`, { redirect: 'manual' });
    const state = new URL(first.headers.get('location')!).searchParams.get('state')!;
    const code = t.wecom.issueOAuthCode('zhuxia');
    const back = await fetch(`${t.base}/auth/wecom?code=${code}&state=${state}`, { redirect: 'manual', headers: { cookie: `hk_oauth=${cookiesOf(first).hk_oauth}` } });
    expect(back.status).to.equal(302);
    expect(back.headers.get('location')).to.equal('/form');
    const setCookie = back.headers.getSetCookie().find((c) => c.startsWith('hk_session='))!;
    expect(setCookie).to.match(/httponly/i).and.to.match(/samesite=lax/i).and.to.match(/path=\//i);
    const page = await fetch(`${t.base}/form`, { headers: { cookie: `hk_session=${cookiesOf(back).hk_session}` } });
    expect(page.status).to.equal(200);
    expect(await page.text()).to.contain('朱霞');
  });

  it('refuses a code that comes back with another state, or without the state cookie', async () => {
    const first = await fetch(`${t.base}/form`, { redirect: 'manual' });
    const oauthCookie = `hk_oauth=${cookiesOf(first).hk_oauth}`;
    const wrong = await fetch(`${t.base}/auth/wecom?code=${t.wecom.issueOAuthCode('zhuxia')}&state=forged-state-000000`, { redirect: 'manual', headers: { cookie: oauthCookie } });
    expect(wrong.status).to.equal(400);
    expect(wrong.headers.getSetCookie().some((c) => /^hk_session=[^;]+/.test(c))).to.equal(false);
    const state = new URL(first.headers.get('location')!).searchParams.get('state')!;
    const noCookie = await fetch(`${t.base}/auth/wecom?code=${t.wecom.issueOAuthCode('zhuxia')}&state=${state}`, { redirect: 'manual' });
    expect(noCookie.status).to.equal(400);
    expect(await noCookie.text()).to.contain('登录链接已失效');
  });

  it('refuses people WeCom knows but the organisation file does not, and codes WeCom rejects', async () => {
    for (const [code, status, text] of [
      [t.wecom.issueOAuthCode('stranger'), 403, '工作人员名单'],
      ['NOT-A-CODE', 401, '企业微信登录失败'],
    ] as const) {
      const first = await fetch(`${t.base}/dashboard`, { redirect: 'manual' });
      const state = new URL(first.headers.get('location')!).searchParams.get('state')!;
      const res = await fetch(`${t.base}/auth/wecom?code=${code}&state=${state}`, { redirect: 'manual', headers: { cookie: `hk_oauth=${cookiesOf(first).hk_oauth}` } });
      expect(res.status).to.equal(status);
      expect(await res.text()).to.contain(text);
    }
  });

  it('a forged, unsigned or tampered session cookie is refused (sent to sign in again)', async () => {
    const good = await signIn(t, 'zhuxia');
    const value = good.slice('hk_session='.length);
    const [body, sig] = value.split('.');
    const leaderBody = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), u: 'wangzhen' })).toString('base64url');
    for (const cookie of [
      `hk_session=${leaderBody}.${sig}`, // someone else's name under zhuxia's signature
      `hk_session=${leaderBody}`, // unsigned
      `hk_session=${body}.${'A'.repeat(sig!.length)}`, // wrong signature
      'hk_session=wangzhen', // not even the format
    ]) {
      const res = await fetch(`${t.base}/dashboard`, { headers: { cookie }, redirect: 'manual' });
      expect(res.status, cookie).to.equal(302);
      expect(res.headers.get('location')).to.contain('/connect/oauth2/authorize');
    }
    // The genuine one still works.
    expect((await fetch(`${t.base}/dashboard`, { headers: { cookie: good }, redirect: 'manual' })).status).to.equal(200);
  });

  it('a session expires with the clock (12 hours), and ends at /auth/logout', async () => {
    const cookie = await signIn(t, 'zhuxia');
    expect((await fetch(`${t.base}/dashboard`, { headers: { cookie }, redirect: 'manual' })).status).to.equal(200);
    const out = await fetch(`${t.base}/auth/logout`, { headers: { cookie } });
    expect(out.headers.getSetCookie().some((c) => /^hk_session=;/.test(c))).to.equal(true);
    t.clock.advance(12 * 3600_000 + 1000);
    try {
      expect((await fetch(`${t.base}/dashboard`, { headers: { cookie }, redirect: 'manual' })).status).to.equal(302);
    } finally {
      t.clock.advance(-(12 * 3600_000 + 1000));
    }
  });

  it('a form post without the session is 401 and changes nothing; JSON requests get JSON', async () => {
    const fd = new FormData();
    fd.set('text', '东岭村王某某家吃水困难');
    const res = await fetch(`${t.base}/form`, { method: 'POST', body: fd, headers: { accept: 'application/json' } });
    expect(res.status).to.equal(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).to.contain('登录');
    const list = (await (await t.api('/api/findings')).json()) as { items: unknown[] };
    expect(list.items).to.have.length(0);
  });
});

describe('web sign-in in simulator mode: the member picker stands in for WeCom’s OAuth page', () => {
  let s: SimService;

  before(async () => {
    s = await startSimService();
  });
  after(async () => {
    await s.stop();
  });

  it('sends /dashboard to the picker on this server, and the picked member comes back signed in', async () => {
    const first = await fetch(`${s.base}/dashboard`, { redirect: 'manual' });
    expect(first.status).to.equal(302);
    const picker = new URL(first.headers.get('location')!);
    expect(`${picker.origin}${picker.pathname}`).to.equal(`${s.base}/sim/connect/oauth2/authorize`);
    expect(picker.searchParams.get('state')).to.match(/^[A-Za-z0-9]{16,128}$/);
    const page = await (await fetch(picker)).text();
    expect(page).to.contain('王振');
    const pick = /href="([^"]*userid=wangzhen[^"]*)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    const back = await fetch(new URL(pick, s.base), { redirect: 'manual' });
    const callback = new URL(back.headers.get('location')!);
    expect(callback.pathname).to.equal('/auth/wecom');
    const signedIn = await fetch(callback, { redirect: 'manual', headers: { cookie: `hk_oauth=${cookiesOf(first).hk_oauth}` } });
    expect(signedIn.status).to.equal(302);
    expect(signedIn.headers.get('location')).to.equal('/dashboard');
    const dashboard = await fetch(`${s.base}/dashboard`, { headers: { cookie: `hk_session=${cookiesOf(signedIn).hk_session}` } });
    expect(dashboard.status).to.equal(200);
    expect(await dashboard.text()).to.contain('王振（领导）');
  });
});

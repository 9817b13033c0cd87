import { expect } from 'chai';
import { loadOrgConfig, type OrgConfig } from '../../../config/org';
import { createEvidenceRepository } from '../../../src/evidence/evidence.repository';
import { openDatabase } from '../../../src/db/connection';
import { freshDatabaseUri } from '../../helpers/database';
import { AGENT_ID, startTestService, type TestService } from '../../helpers/service';
import { signIn, TINY_JPEG, TINY_PNG } from '../../helpers/web-session';
import { appImageXml, signedAppCallback, TEST_APP } from '../../helpers/wecom-signer';

// The org file is config/org.example.yaml: 镇建办's member is hanbing; 东岭村's 包村干部 zhuxia;
// leaders wangzhen, liuhong; 农业服务站 zhengkai, fenglei.
const LEAKING_ROOF = '东岭村李某某家危房，屋顶漏雨，墙体裂缝';

describe('evidence photos in MongoDB GridFS (here: the FerretDB test database)', () => {
  it('stores, lists, counts and streams back a multi-chunk file; a key stores it once, even when raced', async () => {
    const connection = await openDatabase(freshDatabaseUri('evidence'));
    try {
      const repo = createEvidenceRepository(connection);
      const photo = Buffer.concat([TINY_JPEG, Buffer.alloc(700_000, 7)]); // three 255 KB chunks
      const at = new Date('2026-12-01T01:00:00Z');
      const input = { findingNo: 7, kind: 'rectification' as const, by: 'hanbing', source: 'chat' as const, at, buffer: photo, contentType: 'image/jpeg', filename: '7-a.jpg' };
      const results = await Promise.all([repo.add({ ...input, key: 'chat:1' }), repo.add({ ...input, key: 'chat:1' }), repo.add({ ...input, key: 'chat:1' })]);
      expect(results.filter((r) => r.created)).to.have.length(1);
      expect(new Set(results.map((r) => r.file.id)).size).to.equal(1);
      await repo.add({ ...input, kind: 'problem', by: 'zhuxia', key: 'form:x:0', buffer: TINY_PNG, contentType: 'image/png', at: new Date(at.getTime() + 1000) });

      const list = await repo.list(7);
      expect(list.map((f) => [f.kind, f.by, f.size])).to.deep.equal([
        ['rectification', 'hanbing', photo.length],
        ['problem', 'zhuxia', TINY_PNG.length],
      ]);
      expect(await repo.count(7)).to.equal(2);
      expect(await repo.count(7, { kind: 'rectification' })).to.equal(1);
      expect(await repo.count(7, { by: 'zhuxia', since: at })).to.equal(1);
      expect(await repo.count(8)).to.equal(0);
      // No chunks left behind by the raced uploads that lost.
      expect(await connection.db!.collection('evidence.chunks').countDocuments()).to.equal(3 + 1);

      const chunks: Buffer[] = [];
      for await (const c of repo.open(list[0]!.id)) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).equals(photo)).to.equal(true);
      expect(await repo.get(list[1]!.id)).to.include({ findingNo: 7, contentType: 'image/png' });
      expect(await repo.get('not-an-id')).to.equal(null);
      expect(await repo.get('0123456789abcdef01234567')).to.equal(null);
    } finally {
      await connection.close();
    }
  });
});

describe('evidence from chat: a photo right after a command is attached to that finding', () => {
  let t: TestService;
  let msgSeq = 7_400_000_000_000_000_000n;

  const start = async (org?: OrgConfig): Promise<void> => {
    t = await startTestService(org ? { org } : {});
  };
  afterEach(async () => {
    await t.stop();
  });

  async function sendImage(from: string, mediaId: string): Promise<void> {
    const xml = appImageXml({ from, mediaId, msgId: String(msgSeq++), createTime: t.clock.now(), agentId: AGENT_ID });
    const signed = signedAppCallback({ ...TEST_APP, xml, timestamp: String(Math.floor(t.clock.now().getTime() / 1000)) });
    const res = await fetch(`${t.base}/wecom/callback?${signed.query}`, { method: 'POST', body: signed.body });
    expect(res.status).to.equal(200);
    await t.settle();
  }
  const lastTo = (userid: string): string => t.wecom.toUser(userid).at(-1)?.content ?? '';
  const status = async (no: number): Promise<string> => ((await (await t.api(`/api/findings/${no}`)).json()) as { status: string }).status;

  it('整改完成 N then photos: rectification evidence for N, fetched with media/get, acknowledged once per burst', async () => {
    await start();
    t.wecom.putMedia('MEDIA-1', TINY_JPEG);
    t.wecom.putMedia('MEDIA-2', TINY_PNG, 'image/png');
    await t.say('zhuxia', LEAKING_ROOF);
    await t.settle();
    await t.say('hanbing', '签收 1');
    await t.say('hanbing', '整改完成 1 已为该户维修屋顶');
    await t.settle();
    t.clock.advance(3 * 60_000);
    await sendImage('hanbing', 'MEDIA-1');
    await sendImage('hanbing', 'MEDIA-2');

    const photos = await t.service.domain.evidence.list(1);
    expect(photos.map((p) => [p.kind, p.by, p.source, p.contentType])).to.deep.equal([
      ['rectification', 'hanbing', 'chat', 'image/jpeg'],
      ['rectification', 'hanbing', 'chat', 'image/png'],
    ]);
    const acks = t.wecom.toUser('hanbing').filter((r) => r.content.includes('附到第 1 号问题'));
    expect(acks).to.have.length(1);
    expect(acks[0]!.content).to.contain('整改照片').and.to.contain('https://bot.example.gov.cn/dashboard/findings/1');
  });

  it('the reporter’s photo right after a report is a problem photo of the new finding', async () => {
    await start();
    t.wecom.putMedia('MEDIA-R', TINY_JPEG);
    await t.say('zhuxia', LEAKING_ROOF);
    await t.settle();
    await sendImage('zhuxia', 'MEDIA-R');
    expect((await t.service.domain.evidence.list(1)).map((p) => p.kind)).to.deep.equal(['problem']);
    expect(lastTo('zhuxia')).to.contain('问题照片附到第 1 号问题');
  });

  it('a photo with no recent step, one WeCom will not give, or one that is no image, is answered and not stored', async () => {
    await start();
    t.wecom.putMedia('MEDIA-OLD', TINY_JPEG);
    t.wecom.putMedia('MEDIA-TXT', Buffer.from('just text'), 'image/jpeg');
    await t.say('zhuxia', LEAKING_ROOF);
    await t.settle();
    t.clock.advance(11 * 60_000);
    await sendImage('zhuxia', 'MEDIA-OLD');
    expect(lastTo('zhuxia')).to.contain('不知道属于哪个问题');
    await sendImage('wuyan', 'MEDIA-OLD'); // never did anything
    expect(lastTo('wuyan')).to.contain('不知道属于哪个问题');

    await t.say('hanbing', '签收 1');
    await t.settle();
    await sendImage('hanbing', 'NO-SUCH-MEDIA');
    expect(lastTo('hanbing')).to.contain('照片获取失败');
    await sendImage('hanbing', 'MEDIA-TXT');
    expect(lastTo('hanbing')).to.contain('不是图片');
    expect(await t.service.domain.evidence.count(1)).to.equal(0);
  });

  it('a unit asked for evidence cannot have its findings closed before a rectification photo arrives', async () => {
    const org = loadOrgConfig('config/org.example.yaml');
    org.departments.find((d) => d.name === '镇建办')!.evidenceBeforeClose = true;
    await start(org);
    t.wecom.putMedia('MEDIA-FIX', TINY_JPEG);
    await t.say('zhuxia', LEAKING_ROOF);
    await t.settle();
    await t.say('hanbing', '签收 1');
    await t.say('hanbing', '整改完成 1 已为该户维修屋顶');
    await t.settle();
    expect(lastTo('hanbing')).to.contain('销号前须有整改照片：请在 10 分钟内把照片发给我');

    await t.say('zhuxia', '销号 1');
    await t.settle();
    expect(lastTo('zhuxia')).to.contain('需先有整改照片才能销号');
    expect(await status(1)).to.equal('rectified');

    await sendImage('hanbing', 'MEDIA-FIX');
    await t.say('zhuxia', '销号 1');
    await t.settle();
    expect(lastTo('zhuxia')).to.contain('已销号');
    expect(await status(1)).to.equal('closed');
  });

  it('the town-wide setting asks every unit; the default asks none', async () => {
    const org = loadOrgConfig('config/org.example.yaml');
    expect(org.evidence.requiredBeforeClose).to.equal(false);
    org.evidence.requiredBeforeClose = true;
    await start(org);
    await t.say('zhuxia', '东岭村王某某家自来水一周没来水了，还在挑水吃');
    await t.settle();
    await t.say('zhengkai', '签收 1');
    await t.say('zhengkai', '整改完成 1 已修好水管');
    await t.say('wangzhen', '销号 1');
    await t.settle();
    expect(lastTo('wangzhen')).to.contain('需先有整改照片');
  });

  it('a finding’s page and photos: reporter, leaders and its units yes; others get a polite 403', async () => {
    await start();
    t.wecom.putMedia('MEDIA-1', TINY_JPEG);
    await t.say('zhuxia', LEAKING_ROOF);
    await t.settle();
    await sendImage('zhuxia', 'MEDIA-1');
    const [photo] = await t.service.domain.evidence.list(1);
    for (const [userid, allowed] of [
      ['zhuxia', true],
      ['wangzhen', true],
      ['hanbing', true],
      ['zhengkai', false],
    ] as const) {
      const cookie = await signIn(t, userid);
      const page = await fetch(`${t.base}/dashboard/findings/1`, { headers: { cookie } });
      const img = await fetch(`${t.base}/dashboard/findings/1/photos/${photo!.id}`, { headers: { cookie } });
      expect([page.status, img.status], userid).to.deep.equal(allowed ? [200, 200] : [403, 403]);
      if (!allowed) expect(await page.text()).to.contain('只有报告人、责任单位和镇领导可以查看');
    }
    const leader = await signIn(t, 'wangzhen');
    expect((await fetch(`${t.base}/dashboard/findings/2/photos/${photo!.id}`, { headers: { cookie: leader } })).status).to.equal(404);
    expect((await fetch(`${t.base}/dashboard/findings/1/photos/0123456789abcdef01234567`, { headers: { cookie: leader } })).status).to.equal(404);
  });

  it('the responsible unit can add rectification photos on the finding page', async () => {
    await start();
    await t.say('zhuxia', LEAKING_ROOF);
    await t.settle();
    await t.say('hanbing', '签收 1');
    await t.settle();
    const cookie = await signIn(t, 'hanbing');
    const page = await (await fetch(`${t.base}/dashboard/findings/1`, { headers: { cookie } })).text();
    expect(page).to.contain('上传整改照片');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const fd = new FormData();
    fd.set('csrf', csrf);
    fd.append('photos', new Blob([TINY_PNG], { type: 'image/png' }), 'fixed.png');
    const res = await fetch(`${t.base}/dashboard/findings/1/photos`, { method: 'POST', body: fd, headers: { cookie }, redirect: 'manual' });
    expect(res.status).to.equal(303);
    expect(res.headers.get('location')).to.equal('/dashboard/findings/1');
    expect((await t.service.domain.evidence.list(1)).map((p) => [p.kind, p.by, p.source])).to.deep.equal([['rectification', 'hanbing', 'page']]);

    const outsider = await signIn(t, 'zhengkai');
    const fd2 = new FormData();
    fd2.append('photos', new Blob([TINY_PNG], { type: 'image/png' }), 'x.png');
    expect((await fetch(`${t.base}/dashboard/findings/1/photos`, { method: 'POST', body: fd2, headers: { cookie: outsider } })).status).to.equal(403);
  });
});

import { expect } from 'chai';
import { ADMIN_TOKEN, startTestService, type TestService } from '../../helpers/service';
import { signIn, TINY_JPEG, TINY_PNG } from '../../helpers/web-session';
import type { FindingJson } from '../../helpers/finding-json';

// The org file is config/org.example.yaml: 农业服务站 has robot EXAMPLE-NONGYE-ROBOT-KEY; 东岭村's
// 包村干部 is zhuxia; 镇建办 EXAMPLE-ZHENJIAN-ROBOT-KEY.
const NONGYE = 'EXAMPLE-NONGYE-ROBOT-KEY';
const ZHENJIAN = 'EXAMPLE-ZHENJIAN-ROBOT-KEY';


describe('the report form: POST /form with photos, into the same intake as chat', () => {
  let t: TestService;
  let cookie: string;

  beforeEach(async () => {
    t = await startTestService();
    cookie = await signIn(t, 'zhuxia', '/form');
  });
  afterEach(async () => {
    await t.stop();
  });

  async function formPage(c = cookie): Promise<{ html: string; csrf: string; submission: string }> {
    const res = await fetch(`${t.base}/form`, { headers: { cookie: c } });
    expect(res.status).to.equal(200);
    const html = await res.text();
    return { html, csrf: /name="csrf" value="([^"]*)"/.exec(html)![1]!, submission: /name="submission" value="([^"]+)"/.exec(html)![1]! };
  }

  async function post(fields: Record<string, string>, photos: { name: string; bytes: Buffer; type?: string }[] = [], options: { json?: boolean; cookie?: string; auth?: string } = {}) {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.set(k, v);
    for (const p of photos) fd.append('photos', new Blob([p.bytes], { type: p.type ?? 'image/jpeg' }), p.name);
    return fetch(`${t.base}/form`, {
      method: 'POST',
      body: fd,
      redirect: 'manual',
      headers: {
        ...(options.json === false ? {} : { accept: 'application/json' }),
        ...(options.auth ? { authorization: options.auth } : { cookie: options.cookie ?? cookie }),
      },
    });
  }

  const finding = async (no: number): Promise<FindingJson> => (await (await t.api(`/api/findings/${no}`)).json()) as FindingJson;
  const count = async (): Promise<number> => ((await (await t.api('/api/findings')).json()) as { items: unknown[] }).items.length;

  it('shows villages by 管区, the tasks and key problems, photo and urgency fields, in Chinese', async () => {
    const { html, csrf } = await formPage();
    expect(csrf).to.match(/^[A-Za-z0-9_-]{20,}$/);
    expect(html).to.contain('<optgroup label="第一管区">').and.to.contain('<option value="东岭村">');
    expect(html).to.contain('value="5.2"').and.to.contain('value="#8"');
    expect(html).to.contain('type="file" class="visually-hidden" id="photos" name="photos" accept="image/*" multiple tabindex="-1" aria-hidden="true"');
    expect(html).to.contain('>选择照片</label>').and.to.contain('>未选择文件</span>');
    expect(html).to.contain('name="urgency" value="urgent"').and.to.contain('身份证号');
    expect(html).not.to.match(/<script[^>]+src=|<link[^>]+stylesheet|(src|href)="(https?:)?\/\//); // nothing from a CDN
  });

  it('creates a dispatched finding from the session user, attaches the photos, and the group is told', async () => {
    const { csrf, submission } = await formPage();
    const res = await post(
      { csrf, submission, village: '东岭村', text: '王某某家自来水一周没来水了，还在挑水吃', household_name: '王某某', id_number: '37142719650317123x', urgency: 'urgent' },
      [
        { name: '水管.png', bytes: TINY_PNG, type: 'image/png' },
        { name: 'IMG_0001.jpg', bytes: TINY_JPEG },
      ],
    );
    expect(res.status).to.equal(201);
    const body = (await res.json()) as { no: number; url: string; departments: string[]; photos: number };
    expect(body).to.include({ no: 1, url: '/dashboard/findings/1?sent=1', photos: 2 });
    expect(body.departments).to.deep.equal(['农业服务站']);
    await t.settle();

    const f = await finding(1);
    expect(f).to.include({ status: 'dispatched', task: 5, item: '5.2', village: '东岭村', reporter: 'zhuxia', channel: 'form', source: '自查', batch: null, linkedTo: null, urgency: 'urgent' });
    expect(f).to.include({ household: '东岭-001', householdName: '王某某', householdIdNumber: '371427**********3X' });
    expect(t.wecom.toWebhook(NONGYE)).to.have.length(1);
    expect(t.wecom.toWebhook(NONGYE)[0]!.content).to.contain('【交办】第 1 号问题').and.not.to.contain('19650317');
    expect(t.wecom.toUser('zhuxia').at(-1)!.content).to.contain('编号 1');

    const photos = await t.service.domain.evidence.list(1);
    expect(photos.map((p) => [p.kind, p.by, p.source, p.contentType])).to.deep.equal([
      ['problem', 'zhuxia', 'form', 'image/png'],
      ['problem', 'zhuxia', 'form', 'image/jpeg'],
    ]);
    const page = await (await fetch(`${t.base}/dashboard/findings/1?sent=1`, { headers: { cookie } })).text();
    expect(page).to.contain('已提交，编号 <b>1</b>').and.to.contain('农业服务站（牵头）');
    expect(page).to.contain('371427**********3X').and.not.to.contain('19650317');
    const img = await fetch(`${t.base}/dashboard/findings/1/photos/${photos[0]!.id}`, { headers: { cookie } });
    expect(img.status).to.equal(200);
    expect(img.headers.get('content-type')).to.equal('image/png');
    expect(img.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(Buffer.from(await img.arrayBuffer()).equals(TINY_PNG)).to.equal(true);
  });

  it('without script the post answers 303 to the finding page, which says the number and where it went', async () => {
    const { csrf, submission } = await formPage();
    const res = await post({ csrf, submission, text: '东岭村李某某家危房，屋顶漏雨，墙体裂缝' }, [], { json: false });
    expect(res.status).to.equal(303);
    expect(res.headers.get('location')).to.equal('/dashboard/findings/1?sent=1');
    const page = await (await fetch(`${t.base}${res.headers.get('location')}`, { headers: { cookie } })).text();
    expect(page).to.contain('已提交，编号 <b>1</b>').and.to.contain('镇建办');
    await t.settle();
    expect(t.wecom.toWebhook(ZHENJIAN)).to.have.length(1);
  });

  it('the task or key problem chosen on the form wins over the text', async () => {
    const { csrf, submission } = await formPage();
    await post({ csrf, submission, text: '王某某家的情况需要核实一下', category: '#8', village: '东岭村' });
    const second = await formPage();
    await post({ csrf: second.csrf, submission: second.submission, text: '王某某家的情况需要核实一下', category: '6.1' });
    expect(await finding(1)).to.include({ task: 8, status: 'dispatched' });
    expect(await finding(2)).to.include({ task: 6, item: '6.1', status: 'dispatched' });
    expect((await finding(2)).departments).to.deep.equal(['民政办']);
  });

  it('a double tap (same submission id) makes one finding and stores each photo once', async () => {
    const { csrf, submission } = await formPage();
    const fields = { csrf, submission, village: '东岭村', text: '王某某家吃水困难，自来水一周没来水' };
    const photos = [{ name: 'a.png', bytes: TINY_PNG, type: 'image/png' }];
    const [a, b] = await Promise.all([post(fields, photos), post(fields, photos)]);
    expect([a.status, b.status].sort()).to.deep.equal([200, 201]);
    expect(await count()).to.equal(1);
    expect(await t.service.domain.evidence.count(1)).to.equal(1);
  });

  it('refuses what is not an image by its bytes, whatever its name and type say, and creates nothing', async () => {
    const { csrf, submission } = await formPage();
    const res = await post({ csrf, submission, text: '王某某家吃水困难' }, [{ name: 'photo.jpg', bytes: Buffer.from('<script>alert(1)</script>'), type: 'image/jpeg' }]);
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).to.contain('“photo.jpg”不是图片');
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(20)]);
    const res2 = await post({ csrf, submission, text: '王某某家吃水困难' }, [{ name: 'IMG_1.HEIC', bytes: heic, type: 'image/heic' }]);
    expect(((await res2.json()) as { error: { message: string } }).error.message).to.contain('HEIC');
    expect(await count()).to.equal(0);
  });

  it('refuses a photo over 5 MB and more than 9 photos (413), and creates nothing', async () => {
    const { csrf, submission } = await formPage();
    const big = Buffer.concat([TINY_JPEG, Buffer.alloc(5 * 1024 * 1024)]);
    const res = await post({ csrf, submission, text: '王某某家吃水困难' }, [{ name: 'big.jpg', bytes: big }]);
    expect(res.status).to.equal(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).to.contain('超过 5 MB');
    const ten = Array.from({ length: 10 }, (_, i) => ({ name: `${i}.png`, bytes: TINY_PNG, type: 'image/png' }));
    const res2 = await post({ csrf, submission, text: '王某某家吃水困难' }, ten);
    expect(res2.status).to.equal(413);
    expect(((await res2.json()) as { error: { message: string } }).error.message).to.contain('最多上传 9 张');
    expect(await count()).to.equal(0);
  });

  it('refuses a post without the session’s CSRF token (403), bad input with a readable 400', async () => {
    const { submission, csrf } = await formPage();
    const forged = await post({ submission, text: '王某某家吃水困难', csrf: 'x'.repeat(43) });
    expect(forged.status).to.equal(403);
    const cases: [Record<string, string>, string][] = [
      [{ text: '  ' }, '请填写问题描述'],
      [{ text: '王某某家吃水困难', id_number: '12345' }, '身份证号应为 18 位'],
      [{ text: '王某某家吃水困难', village: '不存在村' }, '组织文件中没有“不存在村”'],
      [{ text: '王某某家吃水困难', category: '9.9' }, '任务或重点问题选择无效'],
      [{ text: '王某某家吃水困难', urgency: 'very' }, '紧急程度无效'],
    ];
    for (const [fields, message] of cases) {
      const res = await post({ csrf, submission, ...fields });
      expect(res.status, message).to.equal(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).to.contain(message);
    }
    expect(await count()).to.equal(0);
  });

  it('with the admin token the form names the reporter (no CSRF: browsers never send the token on their own)', async () => {
    const auth = `Bearer ${ADMIN_TOKEN}`;
    const res = await post({ text: '东岭村王某某家吃水困难', reporter: 'zhuxia' }, [], { auth });
    expect(res.status).to.equal(201);
    expect(await finding(1)).to.include({ reporter: 'zhuxia', channel: 'form' });
    const missing = await post({ text: '东岭村王某某家吃水困难' }, [], { auth });
    expect(missing.status).to.equal(400);
    const stranger = await post({ text: '东岭村王某某家吃水困难', reporter: 'nobody' }, [], { auth });
    expect(stranger.status).to.equal(400);
  });

  it('GET /form/suggest routes the text as chat would, for the live suggestion', async () => {
    const res = await fetch(`${t.base}/form/suggest?${new URLSearchParams({ text: '王某某家自来水一周没来水了，还在挑水吃', village: '东岭村' })}`, { headers: { cookie } });
    expect(res.status).to.equal(200);
    const s = (await res.json()) as { task: number; item: string; label: string; departments: string[]; village: string };
    expect(s).to.include({ task: 5, item: '5.2', village: '东岭村' });
    expect(s.label).to.contain('5.2');
    expect(s.departments).to.deep.equal(['农业服务站']);
    const district = (await (await fetch(`${t.base}/form/suggest?${new URLSearchParams({ text: '东岭村有户不符合条件被纳入建档立卡贫困户，群众意见大' })}`, { headers: { cookie } })).json()) as { task: number; departments: string[] };
    expect(district.task).to.equal(1);
    expect(district.departments).to.deep.equal(['第一管区']);
    expect((await fetch(`${t.base}/form/suggest?text=abc`)).status).to.equal(401);
  });
});

import { expect } from 'chai';
import path from 'node:path';
import { loadOrgConfig } from '../../../config/org';
import { createRouter } from '../../../src/routing/router';
import { corpusLines, expectedRoute } from '../../helpers/corpus';
import { FIRST_HELD_OUT_REPORTS, HELD_OUT_REPORTS, ROUTING_REPORTS, SECOND_HELD_OUT_REPORTS } from '../../fixtures/reports';

const org = loadOrgConfig(path.resolve(import.meta.dirname, '../../../config/org.example.yaml'));
const router = createRouter(org);

/**
 * Floors a little under what the held-out part of the several-problem reports measures (373 of
 * 452 right in number, 372 to the right units, on 2026-12-01; 347 with the splitter of the
 * morning, and 125 of the first 161 when that splitter came, against 87 before it).
 */
const FLOOR_COUNT = 0.79;
const FLOOR_UNITS = 0.79;

/** [text, item, lead department] of each part. */
function parts(text: string, village?: string): Array<[string, string | null, string | undefined]> {
  return router.routeReport({ text, village: village ?? null }).map((p) => [p.text, p.route.item, p.route.departments[0]]);
}

describe('a report that lists several problems becomes one part per problem', () => {
  it('splits 一是/二是/三是 after a preamble, each point routed on its own words', () => {
    expect(parts('入户走访发现三个问题：一是饮水不安全，井水浑浊；二是医保今年没交；三是低保该纳未纳')).to.deep.equal([
      ['饮水不安全，井水浑浊', '5.2', '农业服务站'],
      ['医保今年没交', '7.1', '人社所'],
      ['低保该纳未纳', '6.1', '民政办'],
    ]);
  });

  it('splits 1. 2. and ①② and carries the village and household of the preamble to every point', () => {
    expect(parts('东岭村王某某家有两个问题：1.房顶漏雨 2.孩子初中没念完就不上了')).to.deep.equal([
      ['东岭村王某某家：房顶漏雨', '8.1', '镇建办'],
      ['东岭村王某某家：孩子初中没念完就不上了', '5.3', '扶贫办'],
    ]);
    expect(parts('北王村李某某：①申请低保一直没批②医保卡用不了，说是断缴')).to.deep.equal([
      ['北王村李某某：申请低保一直没批', '6.1', '民政办'],
      ['北王村李某某：医保卡用不了，说是断缴', '7.1', '人社所'],
    ]);
  });

  it('splits a clause about another matter, even after a comma, keeping the household', () => {
    expect(parts('李某某家孩子初中辍学在家，他家房子也是危房')).to.deep.equal([
      ['李某某家孩子初中辍学在家', '5.3', '扶贫办'],
      ['李某某家：他家房子也是危房', '8.1', '镇建办'],
    ]);
  });

  it('splits ；-separated matters and 另外/还有/同时, carrying the village', () => {
    expect(parts('西岭村赵某某家房子漏雨；自来水停了半个月')).to.deep.equal([
      ['西岭村赵某某家房子漏雨', '8.1', '镇建办'],
      ['西岭村赵某某家：自来水停了半个月', '5.2', '农业服务站'],
    ]);
    expect(parts('南庄村孙某某住院报销只报了三成。另外他家闺女上高中的助学金还没发')).to.have.length(2);
    expect(parts('河东村扶贫大棚一直闲置，同时村里扶贫资金账上还剩十几万一年多没动').map((p) => p[1])).to.deep.equal(['3.7', '4.3.1']);
  });

  it('takes 再就是 and 顺便说一下 as saying another matter follows, and 也是错的 as adding one', () => {
    // The first sentence alone routes at 0.94, short of what a cut needs without the connector.
    expect(parts('北王村脱贫户名单公示一天就揭了。再就是村里有户低保户孩子在城里买了楼，低保还领着').map((p) => p[1])).to.deep.equal(['2.2', '6.1']);
    expect(parts('北王村脱贫户名单公示一天就揭了，顺便说一下村东头吴某某家厨房的房梁裂了').map((p) => p.slice(0, 2))).to.deep.equal([
      ['北王村脱贫户名单公示一天就揭了', '2.2'],
      ['北王村：村东头吴某某家厨房的房梁裂了', '8.1'],
    ]);
    expect(parts('南庄村姜某某家的扶贫手册丢了，系统里的帮扶人也是错的').map((p) => p[1])).to.deep.equal(['2.3', '5.1.2']);
    // 还有一大半 is what is left, not "and there is one more".
    expect(parts('后石村帮扶车间的账好久没记了。再就是李家洼的扶贫资金还有一大半没花出去').at(-1)?.[0]).to.match(/还有一大半没花出去$/);
  });

  it('cuts comma clauses that each say what is wrong, but not what someone said of the first, nor what follows a contrast', () => {
    // 发黄 and 冒领 say what is wrong as plainly as 没 and 漏.
    expect(parts('河西村贺某某家的危房改造款还没到位，他家井里打上来的水发黄').map((p) => p[1])).to.deep.equal(['8.1', '5.2']);
    expect(parts('北王村扶贫大棚没招标就定了施工队，村里还有人冒领了产业补贴').map((p) => p[1])).to.deep.equal(['3.3', '4.3.2']);
    expect(parts('南庄村扶贫资金支出进度到11月底才四成，按要求早该支完了，村里说项目还没定')).to.have.length(1);
    expect(parts('河东村脱贫户家啥都不缺，吃的自来水，房子也结实，可他家闺女在外地上学没赶上集中缴费，今年医保断了').map((p) => p[1])).to.deep.equal(['7.1']);
    // 系统里还算着 what is gone says something is wrong; 系统里写错了 is a fault, not the cadre taking words back.
    expect(parts('东岭村沈某某家孙子初二就不念了，他家系统里还算着早嫁出去的闺女').map((p) => p[1]?.split('.')[0])).to.deep.equal(['5', '1']);
    expect(parts('南庄村系统里户主名字写错了，他家房顶漏雨没人修').map((p) => p[1])).to.deep.equal(['1.3', '8.1']);
  });

  it('splits 第一 第二 typed with spaces, but not 第一书记 or 第二天', () => {
    expect(parts('柳沟村扶贫项目 第一 付款没经过村两委研究 第二 扶贫塘坝验收就是拍了几张照片').map((p) => p[1])).to.deep.equal(['4.2.3', '3.4']);
    expect(parts('南庄村第一书记说的 第二天就去看了 房子漏雨')).to.have.length(1);
  });

  it('splits a bracketed list that follows a word, and matters listed with 、', () => {
    const expected = [
      ['东岭村王某某家：房屋漏雨', '8.1', '镇建办'],
      ['东岭村王某某家：孩子辍学', '5.3', '扶贫办'],
    ];
    expect(parts('东岭村王某某家（1）房屋漏雨（2）孩子辍学')).to.deep.equal(expected);
    expect(parts('东岭村王某某家1）房屋漏雨2）孩子辍学')).to.deep.equal(expected);
    expect(parts('东岭村王某某家房屋漏雨、孩子辍学、医保没交').map((p) => p[1])).to.deep.equal(['8.1', '5.3', '7.1']);
    // Things listed with 、 are not matters.
    expect(parts('王某某家米、面、油都不缺，就是房子漏雨')).to.have.length(1);
    expect(parts('北王村李某某家（三口人）医保没交')).to.have.length(1);
  });

  it('splits at a bare 还有 after a comma or a space, and drops the connector from the part', () => {
    expect(parts('姚村吴某某家老人去世了系统里没删 还有他家屋顶漏雨')).to.deep.equal([
      ['姚村吴某某家老人去世了系统里没删', '1.2', '第一管区'],
      ['姚村吴某某家：他家屋顶漏雨', '8.1', '镇建办'],
    ]);
    expect(parts('西岭村张某某家低保没批下来，同时房子墙体开裂，还有帮扶干部一年没来过').map((p) => p[0])).to.deep.equal([
      '西岭村张某某家低保没批下来',
      '西岭村张某某家：房子墙体开裂',
      '西岭村张某某家：帮扶干部一年没来过',
    ]);
    // Inside a clause 还有 is "still": one problem.
    expect(parts('后石村郑某某老人去世三年了，系统里还有他')).to.have.length(1);
    expect(parts('房子塌了半边，还有人住在里面')).to.have.length(1);
  });

  it('judges a sentence whole, and takes a clause after 、, with 也 or about another of the household, or a new subject in run-on words, as another matter', () => {
    // The second sentence opens with who, not with what is wrong.
    expect(parts('南庄村赵某某家吃的井水发浑。老赵腿脚不好，住院报销比例太低').map((p) => p[1])).to.deep.equal(['5.2', '7.3']);
    expect(parts('东岭村钱某某家房子漏雨，他家孩子医保也没交')).to.deep.equal([
      ['东岭村钱某某家房子漏雨', '8.1', '镇建办'],
      ['东岭村钱某某家：他家孩子医保也没交', '7.1', '人社所'],
    ]);
    expect(parts('西岭村孙某某家墙裂了、孩子辍学在家、低保没批').map((p) => p[1])).to.deep.equal(['8.1', '5.3', '6.1']);
    // A clause that opens on another member of the household.
    expect(parts('今天走访了东岭村王某某家，房子后墙有裂缝，老伴的医保今年没交，孙子上初二说不想念了').map((p) => p[1])).to.deep.equal(['8.1', '7.1', '5.3']);
    // Voice input, no punctuation: cut where another member of the household comes in.
    expect(parts('北王村那个李某某家房子后墙裂了好宽的缝他家那个闺女初二就不念书了').map((p) => p[1])).to.deep.equal(['8.1', '5.3']);
  });

  it('keeps points of a list that are one key problem together, and reads a bare point under its heading', () => {
    expect(parts('河东村户档问题：①申请书是代签的 ②评议记录有涂改').map((p) => p[1])).to.deep.equal(['2.3']);
    expect(parts('前石村扶贫资金支出：1、没经过村两委研究 2、没有镇上审批').map((p) => p[1])).to.deep.equal(['4.2.3']);
  });

  it('does not split what the cadre takes back, nor 同时 meaning "at once"', () => {
    expect(parts('刚才说是吃水的事，说错了，是李某某家屋顶漏雨').map((p) => p[1])).to.deep.equal(['8.1']);
    expect(parts('河西村大棚项目同时申报了衔接资金和农业补贴，重复拿钱')).to.have.length(1);
  });

  it('keeps a clause that only adds detail to the one before in the same part', () => {
    const detail = [
      '东岭村低保户王某某家房顶漏雨，西屋墙上裂了一道大缝',
      '北王村李某某家儿子在外面开厂子，他还吃着低保，群众有意见',
      '王某某家房子没有漏雨，就是孩子初中没念完就不上了',
      '河西村王某某去年底就没交新农合，今年看病全自费',
      '杨家庄村孙某某去年报了脱贫，家里一个病人一个上学的，一年到头也落不下几个钱',
      '河西村今年低保户评的时候，村干部家亲戚也评上了',
      '东岭村王某某家已有稳定务工收入，仍在享受低保，应退未退',
      '东岭村王某某家脱贫后收入不稳定，老两口都有慢性病，“两不愁三保障”有短板',
    ];
    for (const text of detail) expect(parts(text), text).to.have.length(1);
  });

  it('keeps what is in order, told before the problem, with the problem', () => {
    expect(parts('河东村低保户周某某家，低保按月领着，吃水方便，孩子上学也有补助；可他家西屋房梁裂了，下雨就漏')).to.deep.equal([
      ['河东村低保户周某某家，低保按月领着，吃水方便，孩子上学也有补助；可他家西屋房梁裂了，下雨就漏', '8.1', '镇建办'],
    ]);
    expect(parts('西岭村吴某某家孩子上学补助都有，房子也结实；家里吃的井水发浑，烧开一层白碱').map((p) => p[1])).to.deep.equal(['5.2']);
    // 断缴了 is not 交了: two problems.
    expect(parts('柳沟村周某某户医保断缴了，住院自费，房子漏雨没人管').map((p) => p[1])).to.deep.equal(['7.1', '8.1']);
  });

  it('leaves the corpus’ reports, each about one problem, whole but for a few in a thousand', () => {
    const reports = ['train.tsv', 'held-out.tsv'].flatMap((file) => corpusLines(file).map(({ text }) => text));
    const split = reports.filter((text) => router.routeReport({ text }).length > 1);
    console.log(`      single-problem corpus reports split in parts: ${split.length}/${reports.length}`);
    for (const text of split) console.log(`        split: ${text}`);
    // 31 of 11,235 on 2026-12-01 (25 before a plain clause could be cut on the model's
    // confidence and words like 发黄, 冒领 or 照样, which cut 26 more of the held-out
    // several-problem reports right).
    expect(split.length / reports.length).to.be.below(0.0035);
    // "另外两个" is the other two, not "moreover"; a 危改户 is a household, not a fault.
    expect(parts('孔家峪 一户三口全是残疾人 只有一个吃低保 另外两个没纳入')).to.have.length(1);
    expect(parts('南庄村危房改造户新房盖好了，可水管子没接进来，还得去老院里提水')).to.have.length(1);
    // Pieces that read apart as two matters but, with the household, as one go back together.
    expect(parts('北王村阮某某家去年算的稳定脱贫，俺今年按两不愁三保障一项项对了，住的、吃水都不差，就是衣裳被褥都是捡别人的，收入也就够个油盐钱')).to.have.length(1);
  });

  it('leaves every single-problem report of the fixtures whole, routed exactly as route() routes it', () => {
    for (const c of [...ROUTING_REPORTS, ...FIRST_HELD_OUT_REPORTS, ...SECOND_HELD_OUT_REPORTS, ...HELD_OUT_REPORTS]) {
      const routed = router.routeReport({ text: c.text, village: c.village ?? null });
      expect(routed, c.text).to.have.length(1);
      expect(routed[0]!.route).to.deep.equal(router.route({ text: c.text, village: c.village ?? null }));
    }
  });

  it('does not split when the form names the category: the choice is about the whole report', () => {
    expect(router.routeReport({ text: '一是房顶漏雨；二是孩子辍学', task: 8 })).to.have.length(1);
  });

  it('does not take a lone 一是 or an amount like 3.5万 for a list', () => {
    expect(parts('柳沟村一是没人管的光伏板坏了半年了')).to.have.length(1);
    expect(parts('后石村扶贫资金3.5万，放了2.5年没动')).to.have.length(1);
  });
});

describe('reports written with several problems (test/fixtures/corpus/multi.*.tsv)', () => {
  /**
   * Visit reports that list two to four problems, each labelled with its items in order, and
   * reports about one problem that look like lists (detail, what is in order, a contrast). Split
   * by SHA-1 of the text: a first byte below 128 to the held-out part, which is only scored; the
   * other part may be studied when the splitter changes.
   */
  function measure(file: string) {
    const reports = corpusLines(file);
    let count = 0;
    let units = 0;
    let items = 0;
    const misses: string[] = [];
    for (const { items: expected, text } of reports) {
      const got = router.routeReport({ text });
      const unitsOk =
        got.length === expected.length &&
        got.every((p, i) => {
          const want = expectedRoute(org, expected[i]!, text);
          return p.route.task === want.task && JSON.stringify(p.route.departments) === JSON.stringify(want.departments);
        });
      count += Number(got.length === expected.length);
      units += Number(unitsOk);
      items += Number(unitsOk && got.every((p, i) => p.route.item === expected[i]));
      if (!unitsOk) misses.push(`${text} → ${got.map((p) => p.route.item ?? '无').join(',')}（应为 ${expected.join(',')}）`);
    }
    const pct = (n: number) => `${n}/${reports.length} (${((100 * n) / reports.length).toFixed(1)}%)`;
    const several = reports.filter((r) => r.items.length > 1).length;
    console.log(`      ${file} (${several} with several problems, ${reports.length - several} with one): right number of parts ${pct(count)}, every part to the right unit ${pct(units)}, and the right item ${pct(items)}`);
    if (process.env.ROUTING_MISSES) for (const miss of misses) console.log(`        ${miss}`);
    return { total: reports.length, count, units };
  }

  it('cuts them into the right number of problems and routes each to its unit', () => {
    measure('multi.dev.tsv');
    const held = measure('multi.held-out.tsv');
    expect(held.total).to.be.at.least(100);
    expect(held.count / held.total).to.be.at.least(FLOOR_COUNT);
    expect(held.units / held.total).to.be.at.least(FLOOR_UNITS);
  });
});

import { expect } from 'chai';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadOrgConfig, parseOrgConfig } from '../../../config/org';
import { createRouter, type LearnedCorrection } from '../../../src/routing/router';

const org = loadOrgConfig(path.resolve(import.meta.dirname, '../../../config/org.example.yaml'));
const router = createRouter(org);
const route = (text: string, extra: { village?: string; task?: number; item?: string } = {}, learned: LearnedCorrection[] = []) =>
  router.route({ text, ...extra }, learned);

describe('router (src/routing/router.ts)', () => {
  describe('asks instead of guessing', () => {
    for (const text of ['', '   ', '有问题', '情况不好', '王某某家情况不太好，麻烦看一下', '河东村走访结束 无异常']) {
      it(`“${text}” needs confirmation and routes nowhere`, () => {
        const r = route(text);
        expect(r.needsConfirmation).to.equal(true);
        expect(r.task).to.equal(null);
        expect(r.item).to.equal(null);
        expect(r.departments).to.deep.equal([]);
        expect(r.source).to.equal('none');
        expect(r.confidence).to.equal(0);
        expect(r.reasons.join('')).to.match(/请补充说明/);
      });
    }

    it('offers a report with none of the table’s words the model’s guess, as the first choice to confirm', () => {
      for (const [text, item] of [
        ['南庄村鲁某某说去年申请了两回政府那份钱，到现在没个信', '6.1'],
        // Its one clue is a household's status: that is the guess, and the reporter is asked.
        ['低保户王某某家有问题', '6.1'],
      ] as const) {
        const r = route(text);
        expect(r.item, text).to.equal(item);
        expect(r.needsConfirmation, text).to.equal(true);
        expect(r.alternatives[0]?.item, text).to.equal(item);
        expect(r.reasons.join(''), text).to.match(/未见明确的政策说法，按相近的说法归类，请确认/);
      }
    });

    it('a mixed report goes with the dominant problem, asks, and offers the other', () => {
      const mixed = route('王某某家房顶漏雨，孩子也辍学了');
      const clear = route('王某某家房顶漏雨，墙上裂了缝');
      expect(mixed.task).to.equal(8);
      expect(mixed.needsConfirmation).to.equal(true);
      expect(mixed.confidence).to.be.lessThan(clear.confidence);
      expect(mixed.alternatives.map((a) => a.item)).to.include.members(['8.1', '5.3']);
      expect(mixed.reasons.join('\n')).to.contain('接近，请确认');
      expect(clear.needsConfirmation).to.equal(false);
    });

    it('asks when two problems of task 5 that go to different departments are close', () => {
      const r = route('王某某家吃水难，孩子上学也远');
      expect(r.task).to.equal(5);
      expect(r.needsConfirmation).to.equal(true);
      expect(r.alternatives.map((a) => a.item)).to.include.members(['5.2', '5.3']);
    });
  });

  describe('the problem decides, not the kind of household', () => {
    it('a 低保户’s leaking roof is housing (task 8)', () => {
      const r = route('低保户王某某家房顶漏雨');
      expect(r).to.include({ task: 8, item: '8.1', needsConfirmation: false, source: 'lexicon' });
      expect(r.departments).to.deep.equal(['镇建办']);
      expect(r.reasons).to.include('关键词“漏雨”→8.1 住房安全');
    });

    it('a 贫困户’s child dropping out is education (5.3)', () => {
      const r = route('贫困户李某某家孩子初二辍学了');
      expect(r).to.include({ task: 5, item: '5.3' });
      expect(r.departments).to.deep.equal(['扶贫办', '镇中心中学']);
    });

    it('a household’s means count for 低保 when 低保 is in question, for 识别 otherwise', () => {
      expect(route('张某某家儿子开厂子，他还吃着低保')).to.include({ task: 6, item: '6.1' });
      expect(route('张某某家儿子开厂子，还是贫困户')).to.include({ task: 1, item: '1.1' });
    });

    it('“两口子” is a couple, not a crack in the wall', () => {
      const r = route('吴某某两口子都七十多了，吃水要去村口挑');
      expect(r).to.include({ task: 5, item: '5.2' });
      expect(r.reasons.join('\n')).not.to.contain('口子');
    });
  });

  describe('negations', () => {
    it('“没有漏雨” does not push task 8', () => {
      const r = route('王某某家房子没有漏雨，就是自来水老停');
      expect(r).to.include({ task: 5, item: '5.2' });
      expect(r.reasons.join('\n')).to.contain('“漏雨”为否定或已解决的说法');
    });

    it('a verdict after the word (“水质正常”) discounts it too', () => {
      expect(route('自来水水质正常，就是房顶漏雨')).to.include({ task: 8 });
    });

    it('a negation that is itself the problem still counts (没有先看病后付费)', () => {
      expect(route('卫生院说没有先看病后付费这回事')).to.include({ task: 7, item: '7.5' });
    });

    it('“漏交了” and “忘交了” name the problem; “交了” says it is settled', () => {
      for (const text of ['喻某某是脱贫户，今年医疗保险漏交了', '喻某某是脱贫户，今年医保忘交了']) {
        const r = route(text);
        expect(r, text).to.include({ task: 7, item: '7.1' });
        expect(r.reasons.join('\n'), text).to.match(/关键词“(漏交|医保)”/);
      }
      expect(route('医保也交了，就是房子漏雨')).to.include({ task: 8 });
    });

    it('“不太方便” is a problem, where “挺方便” is a verdict', () => {
      expect(route('张某某家吃水不太方便，要走二里地去挑')).to.include({ task: 5, item: '5.2', needsConfirmation: false });
      expect(route('吃水挺方便，就是房子裂了')).to.include({ task: 8 });
    });
  });

  describe('an explicit choice wins', () => {
    it('a leading #8 wins over the words', () => {
      const r = route('#8 王某某家孩子辍学了');
      expect(r).to.include({ task: 8, item: '8.1', confidence: 1, needsConfirmation: false, source: 'explicit' });
      expect(r.departments).to.deep.equal(['镇建办']);
      expect(r.reasons).to.include('明确指定：#8');
    });

    it('#5.2 picks the item; full-width ＃６ works', () => {
      expect(route('#5.2 王某某家的事')).to.include({ task: 5, item: '5.2' });
      expect(route('＃６ 张某某家的事')).to.include({ task: 6, item: '6.1', source: 'explicit' });
    });

    it('with only the task chosen, the item comes from the words within that task', () => {
      expect(route('#7 王某某住院押金交了两千')).to.include({ task: 7, item: '7.5' });
    });

    it('a number that is no task (#12) is not a choice', () => {
      expect(route('#12 房顶漏雨')).to.include({ task: 8, source: 'lexicon' });
    });

    const labels: Array<[string, number, string]> = [
      ['类别：住房 孩子辍学了', 8, '8.1'],
      ['类别:医保，王某某家房顶漏雨', 7, '7.3'],
      ['类别：饮水 王某某家', 5, '5.2'],
      ['分类：低保 房子漏雨', 6, '6.1'],
      ['王某某家的事，类别：产业', 3, '3.7'],
      ['类别：4.3.2 会计的事', 4, '4.3.2'],
    ];
    for (const [text, task, item] of labels) {
      it(`“${text}” → ${item}`, () => {
        expect(route(text)).to.include({ task, item, source: 'explicit', needsConfirmation: false });
      });
    }

    it('the form’s task and item win over the text, even over #8', () => {
      expect(route('#8 房顶漏雨', { task: 5, item: '5.2' })).to.include({ task: 5, item: '5.2', source: 'explicit' });
      expect(route('房顶漏雨', { item: '7.4' })).to.include({ task: 7, item: '7.4' });
      expect(route('房顶漏雨', { task: 6 })).to.include({ task: 6, item: '6.1' });
    });

    it('a form item that does not belong to the form task is ignored, with a reason', () => {
      const r = route('王某某住院押金', { task: 7, item: '8.1' });
      expect(r).to.include({ task: 7, item: '7.5' });
      expect(r.reasons.join('\n')).to.contain('不属于第7项');
    });
  });

  describe('villages, 管区 and 包村干部', () => {
    it('recognises a village by name and by short form', () => {
      expect(router.findVillage('东岭村王某某家漏雨')).to.deep.equal({ village: '东岭村', district: '第一管区', cadre: 'zhuxia' });
      expect(router.findVillage('东岭王某某家漏雨')).to.deep.equal({ village: '东岭村', district: '第一管区', cadre: 'zhuxia' });
      expect(router.findVillage('杨家庄有两户')?.village).to.equal('杨家庄村');
    });

    it('recognises configured aliases, and does not read the town’s name as a village', () => {
      expect(router.findVillage('姚村村王某某')?.village).to.equal('姚村');
      expect(router.findVillage('姚村镇的扶贫资金')).to.equal(null);
      expect(router.findVillage('姚村镇姚村王某某')?.village).to.equal('姚村');
    });

    it('takes the first village a report names', () => {
      expect(router.findVillage('河西村的人说河东村那边')?.village).to.equal('河西村');
    });

    it('sends tasks 1-2 to the village’s 管区, and names the 包村干部', () => {
      const r = route('柳沟赵某某老伴去年去世了，国家库里没减人');
      expect(r).to.include({ task: 1, village: '柳沟村', district: '第三管区', cadre: 'zhangmin' });
      // People read the reasons (查询, the finding page): the 包村干部 by name.
      expect(r.reasons).to.include('村庄：柳沟村（第三管区，包村干部 张敏）');
      expect(r.departments).to.deep.equal(['第三管区']);
    });

    it('sends tasks 1-2 to “管区” when the village is not known', () => {
      const r = route('刘某某老伴去年去世了，国家库里没减人');
      expect(r).to.include({ task: 1, village: null, district: null, cadre: null });
      expect(r.departments).to.deep.equal(['管区']);
    });

    it('an explicit village wins over the text, in any of its forms', () => {
      const r = route('东岭村那边说，民主评议走过场', { village: '北王' });
      expect(r).to.include({ task: 2, village: '北王村', district: '第二管区', cadre: 'youjun' });
      expect(r.departments).to.deep.equal(['第二管区']);
    });

    it('keeps an explicit village the organisation file does not know, without a 管区', () => {
      const r = route('民主评议走过场', { village: '外乡村' });
      expect(r).to.include({ task: 2, village: '外乡村', district: null, cadre: null });
      expect(r.departments).to.deep.equal(['管区']);
      expect(r.reasons.join('\n')).to.contain('不在组织文件中');
    });

    it('a village whose name holds a lexicon word is not read as the problem', () => {
      const own = parseOrgConfig(
        stringify({
          town: '姚村镇',
          leaders: [{ userid: 'z', name: '张' }],
          departments: [{ name: '镇建办', target: { webhook: 'K' } }],
          districts: [{ name: '第九管区', target: { webhook: 'K' }, villages: [{ name: '水井村', cadre: 'w', aliases: ['老水井'] }] }],
        }),
        'org.yaml',
      );
      const r = createRouter(own).route({ text: '水井村王某某家房顶漏雨' });
      expect(r).to.include({ task: 8, village: '水井村', district: '第九管区' });
      expect(r.needsConfirmation).to.equal(false);
      expect(createRouter(own).findVillage('老水井那边')?.village).to.equal('水井村');
    });
  });

  describe('departmentsFor', () => {
    it('gives the item’s sub-area departments, lead first', () => {
      expect(router.departmentsFor(5, '5.2', null)).to.deep.equal(['农业服务站']);
      expect(router.departmentsFor(5, '5.3', null)).to.deep.equal(['扶贫办', '镇中心中学']);
      expect(router.departmentsFor(4, '4.3.2', null)).to.deep.equal(['扶贫办', '财政所', '经管站']);
      expect(router.departmentsFor(7, null, null)).to.deep.equal(['人社所', '卫生院']);
    });

    it('gives tasks 1-2 the village’s 管区, else “管区”', () => {
      expect(router.departmentsFor(1, '1.2', '河东村')).to.deep.equal(['第三管区']);
      expect(router.departmentsFor(2, null, '河东')).to.deep.equal(['第三管区']);
      expect(router.departmentsFor(2, '2.1', null)).to.deep.equal(['管区']);
    });
  });

  describe('learning from corrections', () => {
    const correction: LearnedCorrection = { text: '北王村刘某某家水管冻裂了，屋里到处是水', task: 8, item: '8.1', findingNo: 12, by: 'liuhong', at: new Date('2025-01-10T02:00:00Z') };

    it('a similar report routes the corrected way and says why', () => {
      const before = route('后石村赵某某家水管冻裂了，屋里全是水');
      expect(before).to.include({ task: 5, item: '5.2' });
      const after = route('后石村赵某某家水管冻裂了，屋里全是水', {}, [correction]);
      expect(after).to.include({ task: 8, item: '8.1', source: 'learned', needsConfirmation: false });
      expect(after.departments).to.deep.equal(['镇建办']);
      expect(after.reasons.join('\n')).to.match(/参照此前纠正：#12 改派至 8\.1（相似度 0\.\d+）/);
      expect(after.alternatives[0]).to.include({ task: 8, item: '8.1' });
    });

    it('a report that is not similar is not affected', () => {
      expect(route('河东村自来水一个礼拜停了三回', {}, [correction])).to.include({ task: 5, item: '5.2', source: 'lexicon' });
    });

    it('the most recent of equally similar corrections wins', () => {
      const later: LearnedCorrection = { ...correction, task: 5, item: '5.2', findingNo: 30, at: new Date('2025-02-01T02:00:00Z') };
      expect(route(correction.text, {}, [later, correction])).to.include({ item: '5.2', source: 'learned' });
    });

    it('an explicit choice still beats a learned correction', () => {
      expect(route('#5 后石村赵某某家水管冻裂了，屋里全是水', {}, [correction])).to.include({ task: 5, source: 'explicit' });
    });
  });

  it('reports its confidence in [0,1] and offers alternatives best first', () => {
    const r = route('南庄村扶贫资金账上还剩十几万，放了一年多没动');
    expect(r.confidence).to.be.within(0, 1);
    expect(r.alternatives[0]).to.include({ task: r.task, item: r.item });
    const scores = r.alternatives.map((a) => a.score);
    expect(scores).to.deep.equal([...scores].sort((a, b) => b - a));
  });
});

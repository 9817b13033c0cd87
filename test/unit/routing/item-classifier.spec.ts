import { expect } from 'chai';
import { createItemClassifier, featuresOf, NO_PROBLEM, softmax, type ItemModel, type LexiconEvidence } from '../../../src/routing/item.classifier';
import { ITEM_MODEL } from '../../../src/routing/item-model.data';
import { corpusLines } from '../../helpers/corpus';

const classifier = createItemClassifier(ITEM_MODEL);

const reports = corpusLines('train.tsv').map(({ text }) => text.replace(/[^\p{Script=Han}a-z]/gu, ''));

describe('item model (src/routing/item.classifier.ts)', () => {
  it('reads a report straight from its words exactly as from its named features', () => {
    const evidence: LexiconEvidence[] = [
      { items: new Map(), tasks: new Map() },
      { items: new Map([['8.1', 5], ['6.1', 0.5], ['9.9', 3]]), tasks: new Map([[8, 5], [6, 0.5], [0, 2]]) },
    ];
    // Repeated n-grams count once; characters outside the model and the BMP are read, not matched.
    const keys = [...reports, '漏雨漏雨漏雨', '房子漏雨𠀀漏雨', '𠀀', 'd级危房', ''];
    for (const [n, key] of keys.entries()) {
      const ev = evidence[n % evidence.length]!;
      const named = [...classifier.probabilities(featuresOf(key, ev))];
      expect([...classifier.read(key, ev)], key).to.deep.equal(named);
    }
  });

  it('gives a probability for every key problem and for naming none, summing to 1', () => {
    const p = classifier.read('房顶漏雨', { items: new Map([['8.1', 5]]), tasks: new Map([[8, 5]]) });
    expect(p).to.have.length(ITEM_MODEL.items.length);
    expect([...p].reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-9);
    expect(ITEM_MODEL.items[p.indexOf(Math.max(...p))]).to.equal('8.1');
  });

  it("blends each task's share with the task head's, keeping the order of the task's items", () => {
    // The item head leans to 2.1; the task head is sure of task 1, whose items it splits 3 : 1.
    const small: ItemModel = {
      items: ['1.1', '1.2', '2.1', NO_PROBLEM],
      tasks: [0, 1, 2],
      bias: [0, 0, 0, 0, 0, 0, 0],
      weights: `u甲\t0:${Math.log(3)},2:${Math.log(8)},5:4`,
      taskWeight: 0.5,
      confirmBelow: 0.9,
      offerWithoutWords: 0.65,
    };
    const itemHead = [...softmax(Float64Array.from([Math.log(3), 0, Math.log(8), 0]))];
    const taskHead = [...softmax(Float64Array.from([0, 4, 0]))];
    const p = [...createItemClassifier(small).read('甲', { items: new Map(), tasks: new Map() })];

    expect(p.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-9);
    expect(p[0]! + p[1]!).to.be.closeTo(0.5 * (itemHead[0]! + itemHead[1]!) + 0.5 * taskHead[1]!, 1e-9);
    expect(p[2]).to.be.closeTo(0.5 * itemHead[2]! + 0.5 * taskHead[2]!, 1e-9);
    expect(p[0]! / p[1]!).to.be.closeTo(3, 1e-9);
    // The task head turns the route: task 1 is now likelier than 2.1.
    expect(itemHead[2]).to.be.greaterThan(itemHead[0]! + itemHead[1]!);
    expect(p[0]! + p[1]!).to.be.greaterThan(p[2]!);
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createItemClassifier, featuresOf, type LexiconEvidence } from '../../../src/routing/item.classifier';
import { ITEM_MODEL } from '../../../src/routing/item-model.data';

const classifier = createItemClassifier(ITEM_MODEL);

const reports = readFileSync(path.resolve(import.meta.dirname, '../../fixtures/corpus/train.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => l.split('\t')[1]!.replace(/[^\p{Script=Han}a-z]/gu, ''));

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
});

import { expect } from 'chai';
import { maskIdNumber, maskPersonalNumbers } from '../../../src/privacy/mask';

describe('masking personal numbers', () => {
  it('masks 18-digit ID numbers and mobile numbers inside text', () => {
    const text = '王某某（身份证370983198807120315，电话13905381234）家漏雨；户主证件37098319880712031X';
    expect(maskPersonalNumbers(text)).to.equal('王某某（身份证370983**********15，电话139****1234）家漏雨；户主证件370983**********1X');
  });

  it('leaves finding numbers, dates, money and phone-like longer numbers alone', () => {
    const text = '第 12 号问题，2026年12月1日拨付资金 150000 元，编号 7300000000000000001';
    expect(maskPersonalNumbers(text)).to.equal(text);
  });

  it('masks an ID number field', () => {
    expect(maskIdNumber('370983198807120315')).to.equal('370983**********15');
  });
});

import { expect } from 'chai';
import {
  APP_TEXT_MAX_BYTES,
  ROBOT_MARKDOWN_MAX_BYTES,
  TRUNCATION_NOTICE,
  truncateMarkdown,
  truncateText,
  utf8ByteLength,
} from '../../../src/wecom/limits';

describe('WeCom size limits (src/wecom/limits.ts)', () => {
  it('counts UTF-8 bytes: ASCII 1, Chinese 3, emoji 4', () => {
    expect(utf8ByteLength('abc')).to.equal(3);
    expect(utf8ByteLength('姚村镇')).to.equal(9);
    expect(utf8ByteLength('😀')).to.equal(4);
    expect(utf8ByteLength('')).to.equal(0);
  });

  it('leaves text that fits alone, to the byte', () => {
    const exact = '问'.repeat(682) + 'ab'; // 2046 + 2 = 2048
    expect(truncateText(exact, APP_TEXT_MAX_BYTES)).to.equal(exact);
    expect(truncateMarkdown(exact, APP_TEXT_MAX_BYTES)).to.equal(exact);
  });

  it('cuts Chinese text to the limit with the notice, never splitting a character', () => {
    const long = '整改情况说明'.repeat(200); // 3600 bytes
    const cut = truncateText(long, APP_TEXT_MAX_BYTES);
    expect(utf8ByteLength(cut)).to.be.at.most(APP_TEXT_MAX_BYTES);
    expect(utf8ByteLength(cut)).to.be.above(APP_TEXT_MAX_BYTES - 3);
    expect(cut.endsWith(TRUNCATION_NOTICE)).to.equal(true);
    expect(cut).not.to.contain('\uFFFD');
    expect(long.startsWith(cut.slice(0, -TRUNCATION_NOTICE.length))).to.equal(true);
  });

  it('keeps emoji and combined emoji whole', () => {
    const family = '👨‍👩‍👧'; // one character, 18 bytes
    const text = `${'a'.repeat(20)}${family}${'b'.repeat(50)}`;
    const cut = truncateText(text, 20 + 10 + utf8ByteLength(TRUNCATION_NOTICE));
    expect(cut).to.equal(`${'a'.repeat(20)}${TRUNCATION_NOTICE}`);
    const withPair = truncateText(`${'a'.repeat(9)}😀😀${'b'.repeat(50)}`, 15 + utf8ByteLength(TRUNCATION_NOTICE));
    expect(withPair).to.equal(`${'a'.repeat(9)}😀${TRUNCATION_NOTICE}`);
    expect(withPair.isWellFormed()).to.equal(true);
  });

  it('cuts markdown at a line end when that keeps most of it', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `- 第${i + 1}条：[东岭村危房](https://example.gov.cn/f/${i})`);
    const cut = truncateMarkdown(lines.join('\n'), ROBOT_MARKDOWN_MAX_BYTES);
    expect(utf8ByteLength(cut)).to.be.at.most(ROBOT_MARKDOWN_MAX_BYTES);
    expect(cut.endsWith(`)\n${TRUNCATION_NOTICE}`)).to.equal(true);
    expect(cut.split('\n').slice(0, -1).every((line) => lines.includes(line))).to.equal(true);
  });

  it('cuts markdown mid-line when the only line end is far back', () => {
    const text = `标题\n${'正文'.repeat(2000)}`;
    const cut = truncateMarkdown(text, ROBOT_MARKDOWN_MAX_BYTES);
    expect(utf8ByteLength(cut)).to.be.at.most(ROBOT_MARKDOWN_MAX_BYTES);
    expect(utf8ByteLength(cut)).to.be.above(ROBOT_MARKDOWN_MAX_BYTES - 6);
    expect(cut.endsWith(TRUNCATION_NOTICE)).to.equal(true);
  });

  it('copes with a limit smaller than the notice', () => {
    const cut = truncateText('很长很长的内容'.repeat(10), 10);
    expect(utf8ByteLength(cut)).to.be.at.most(10);
  });

  it('does not slow down on a huge input', () => {
    const started = performance.now();
    truncateText('长'.repeat(2_000_000), 4096);
    expect(performance.now() - started).to.be.below(200);
  });
});

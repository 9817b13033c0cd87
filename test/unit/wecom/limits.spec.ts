import { expect } from 'chai';
import { classifyErrcode, configurationAdvice, isAppWide } from '../../../src/wecom/errcodes';
import {
  APP_TEXT_MAX_BYTES,
  markdownToText,
  safeTaskId,
  TASK_ID_MAX_BYTES,
  toMarkdownV2,
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

describe('WeCom rules for task_id and the dialects (src/wecom/limits.ts)', () => {
  it('makes a task_id of 0-9a-zA-Z_-@ only, at most 128 bytes', () => {
    expect(safeTaskId('Ab3x-f12v3route')).to.equal('Ab3x-f12v3route');
    expect(safeTaskId('a b/c.d@e_f-第')).to.equal('a_b_c_d@e_f-_');
    const long = safeTaskId('x'.repeat(300));
    expect(long).to.have.length(TASK_ID_MAX_BYTES);
    expect(utf8ByteLength(long)).to.equal(128);
  });

  it('reads app markdown as plain text for 微工作台: no bold, quotes, colour tags or link syntax, nothing lost', () => {
    const md = '**【交办】第 7 号问题**\n> 整改时限：<font color="warning">12月8日</font>\n\n东岭村王某某家\n[查看详情](https://bot.example.gov.cn/dashboard/findings/7)';
    expect(markdownToText(md)).to.equal('【交办】第 7 号问题\n整改时限：12月8日\n\n东岭村王某某家\n查看详情：https://bot.example.gov.cn/dashboard/findings/7');
  });

  it("drops <font> colours for the smart bot's markdown_v2 and keeps the rest", () => {
    expect(toMarkdownV2('**第 7 号** 时限 <font color="warning">12月8日</font>\n> 归类')).to.equal('**第 7 号** 时限 12月8日\n> 归类');
  });
});

describe('what each WeCom errcode means for a message (src/wecom/errcodes.ts)', () => {
  it('sorts the codes the bot meets into their kinds, and says in Chinese what the admin must fix', () => {
    expect([-1, 45009, 45033].map(classifyErrcode)).to.deep.equal(['transient', 'transient', 'transient']);
    expect([60020, 48002, 40001, 40013, 40056, 41001, 60011, 86008, 301002].map(classifyErrcode)).to.deep.equal(Array(9).fill('configuration'));
    expect([45002, 42014, 43012].map(classifyErrcode)).to.deep.equal(['content', 'content', 'content']);
    expect([82001, 81013].map(classifyErrcode)).to.deep.equal(['recipient', 'recipient']);
    expect(classifyErrcode(60140)).to.equal('final');
    expect(configurationAdvice(60020)).to.contain('企业可信IP');
    expect(configurationAdvice(86008)).to.contain('cli groups create');
    expect(isAppWide(60020)).to.equal(true);
    expect(isAppWide(86008)).to.equal(false);
  });
});

import { expect } from 'chai';
import { inertText, markupOf, type MarkdownDialect } from '../../../src/wecom/markup';

/**
 * What each dialect would render, as patterns over the content WeCom receives (from WeCom's docs:
 * app markdown, group robot markdown, smart bot markdown_v2). A match is markup left active.
 */
const V1: Record<string, RegExp> = {
  heading: /^[ \t]{0,3}#{1,6}(\s|$)/m,
  bold: /\*\*[^*\n]+\*\*/,
  link: /\[[^\]\n]*\]\([^)\n]*\)/,
  code: /`[^`\n]+`/,
  quote: /^[ \t]{0,3}>/m,
  font: /<font\b/i,
  'html tag': /<\/?[a-z][^>\n]*>/i,
  autolink: /<https?:/i,
  entity: /&(lt|gt|amp|#\d+|#x[0-9a-f]+);/i,
};
const DETECTORS: Record<MarkdownDialect, Record<string, RegExp>> = {
  app: V1,
  robot: { ...V1, mention: /<@[^>\n]+>/ },
  bot: {
    ...V1,
    italic: /(^|[^*\p{L}\p{N}])\*[^*\s][^*\n]*\*/u,
    'underscore emphasis': /(^|[^\p{L}\p{N}])_{1,2}[^_\n]+_{1,2}(?![\p{L}\p{N}])/u,
    list: /^[ \t]*([-+*]|\d{1,9}[.)])([ \t]|$)/m,
    image: /!\[[^\]\n]*\]\(/,
    rule: /^[ \t]{0,3}([-*_])([ \t]*\1){2,}[ \t]*$/m,
    setext: /\n[ \t]{0,3}(=+|-+)[ \t]*$/m,
    table: /\|/,
    strikethrough: /~~?[^~\n]+~~?/,
    'code block': /^(```|~~~| {4}\S)/m,
  },
};

const MARKUP: [string, string][] = [
  ['mention', '<@zhangsan> 请马上处理，<@all>'],
  ['link', '[点这里](http://evil.example/x) 查看'],
  ['image', '![图](http://evil.example/a.png)'],
  ['font tag', '<font color="warning">【督办】紧急</font>'],
  ['heading', '# 【督办】第 3 号问题\n## 二级标题'],
  ['unordered list', '- 一项\n+ 二项\n* 三项'],
  ['ordered list', '1. 房屋漏雨\n2) 饮水困难'],
  ['quote', '> 镇领导批示：立即办理\n>> 再引一层'],
  ['bold', '**【督办】**第 12 号问题'],
  ['italic', '*斜体* 和 _斜体_ 和 __粗体__'],
  ['inline code', '`code` 片段'],
  ['code fence', '```\n代码\n```\n~~~\n又一段\n~~~'],
  ['indented code', '    缩进四格的一行'],
  ['HTML tags', '东岭村贫困户家房子漏雨<script>alert(2)</script><b>粗</b><a href="http://x">链</a>'],
  ['autolink', '<http://evil.example>'],
  ['entities', '&lt;@zhangsan&gt; &#60;font&#62;'],
  ['table', '| 户主 | 问题 |\n|---|---|\n| 王某 | 漏雨 |'],
  ['rule', '上文\n\n---\n***\n___'],
  ['setext heading', '冒充标题\n===\n又一个\n---'],
  ['strikethrough', '~~删除~~'],
  ['escapes', '\\*不是粗体\\* \\[x\\](y)'],
];

const CHINESE = '东岭村王某某家房子漏雨，屋顶需维修（约 3 处）！是否“两不愁三保障”？按 5.2 饮水；电话：13905381234……——、【】《》·zhang_san 12:30 第3号';

const fold = (s: string): string => s.normalize('NFKC');

describe('inertText: person-written text in WeCom markdown', () => {
  for (const dialect of ['app', 'robot', 'bot'] as const) {
    describe(`${dialect} dialect`, () => {
      for (const [name, input] of MARKUP) {
        it(`${name}: nothing active, every character still there`, () => {
          const out = inertText(input, dialect);
          for (const [construct, pattern] of Object.entries(DETECTORS[dialect])) {
            expect(out, `${construct} left active in ${JSON.stringify(out)}`).not.to.match(pattern);
          }
          expect(fold(out)).to.equal(fold(input));
        });
      }

      it('the same markup all in one report stays inert', () => {
        const all = MARKUP.map(([, t]) => t).join('\n');
        const out = inertText(all, dialect);
        for (const [construct, pattern] of Object.entries(DETECTORS[dialect])) expect(out, construct).not.to.match(pattern);
        expect(fold(out)).to.equal(fold(all));
      });

      it('ordinary Chinese text and punctuation come through unchanged', () => {
        expect(inertText(CHINESE, dialect)).to.equal(CHINESE);
      });
    });
  }

  it('the robot dialect turns a mention into look-alike text, the bot dialect a table into full-width bars', () => {
    expect(inertText('<@zhangsan>', 'robot')).to.equal('＜@zhangsan＞');
    expect(inertText('| a |', 'bot')).to.equal('｜ a ｜');
    expect(inertText('| a |', 'app')).to.equal('| a |');
  });

  it('plain text messages are left as written', () => {
    for (const [, input] of MARKUP) expect(inertText(input, 'text')).to.equal(input);
  });

  it('knows which dialect each destination reads', () => {
    expect(markupOf('webhook', 'markdown')).to.equal('robot');
    expect(markupOf('appchat', 'markdown')).to.equal('app');
    expect(markupOf('app', 'markdown')).to.equal('app');
    expect(markupOf('bot_chat', 'text')).to.equal('bot');
    expect(markupOf('bot_response', 'markdown')).to.equal('bot');
    expect(markupOf('webhook', 'text')).to.equal('text');
    expect(markupOf('app', 'card')).to.equal('text');
  });
});

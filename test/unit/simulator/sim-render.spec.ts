import { expect } from 'chai';
import { effectiveCard, renderMarkdown, renderText } from '../../../src/simulator/sim-render';

describe('simulator: rendering WeCom markdown safely', () => {
  const names = (userid: string): string => ({ zhengkai: '郑凯' })[userid] ?? userid;

  it('escapes HTML and turns only WeCom markdown into markup', () => {
    const html = renderMarkdown('**【交办】第 1 号问题**\n> 归类：5.2\n> 时限：<font color="warning">12月10日</font>\n<script>alert(1)</script> <img src=x onerror=alert(1)>\n[查看详情](https://bot.example.gov.cn/d/1?a=1&b=2)\n<@zhengkai>', names);
    expect(html).to.contain('<strong>【交办】第 1 号问题</strong>');
    expect(html).to.contain('<blockquote>归类：5.2<br>时限：<span class="font-warning">12月10日</span></blockquote>');
    expect(html).to.contain('&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;');
    expect(html).to.not.contain('<script').and.not.contain('<img');
    expect(html).to.contain('<a href="https://bot.example.gov.cn/d/1?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">查看详情</a>');
    expect(html).to.contain('<span class="mention">@郑凯</span>');
  });

  it('opens no javascript: links and no unknown font colours, and keeps quotes inside attributes escaped', () => {
    const html = renderMarkdown('[x](javascript:alert(1)) <font color="red" onclick="x">y</font> [a](https://e.com/"onmouseover="x)');
    expect(html).to.not.contain('href="javascript');
    expect(html).to.contain('&lt;font color=&quot;red&quot;');
    expect(html).to.not.contain('"onmouseover');
  });

  it('renders text with line breaks and @mentions from mentioned_list', () => {
    expect(renderText('a<b\nc', ['zhengkai', '@all'], names)).to.equal('a&lt;b<br>c<br><span class="mention">@郑凯</span> <span class="mention">@所有人</span>');
  });

  it('shows a card as each person sees it after update_template_card', () => {
    const message = {
      card: { button_list: [{ text: '签收', key: 'accept:1' }] },
      updates: [{ users: ['a'], replaceName: '已签收（甲）', at: new Date() }],
    };
    expect(effectiveCard(message, 'a').replaceName).to.equal('已签收（甲）');
    expect(effectiveCard(message, 'b').replaceName).to.equal(undefined);
    expect(effectiveCard({ ...message, updates: [{ users: null, replaceName: '已签收', at: new Date() }] }, 'b').replaceName).to.equal('已签收');
  });
});

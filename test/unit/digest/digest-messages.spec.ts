import { expect } from 'chai';
import { leadersDigest, onTimeRate, unitDigest, type DigestData, type DigestItem } from '../../../src/digest/digest.messages';
import { ROBOT_MARKDOWN_MAX_BYTES, utf8ByteLength } from '../../../src/wecom/limits';

const item = (no: number): DigestItem => ({
  no,
  status: 'accepted',
  unit: '农业服务站',
  village: '孔家峪村',
  text: '孔家峪村某某家自来水管道年久失修，冬季经常冻裂，全家需要到两公里外挑水吃，多次反映未解决'.repeat(3),
  deadline: new Date('2026-10-09T09:30:00Z'),
  overdueHours: 40 + no,
  hoursLeft: null,
});

function data(over: Partial<DigestData> = {}): DigestData {
  const byStatus = { triage: 3, dispatched: 40, accepted: 150, rectified: 7, closed: 800, cancelled: 12 };
  return {
    town: '姚村镇',
    date: '2026-10-16',
    now: new Date('2026-10-16T09:30:00Z'),
    since: new Date('2026-10-15T09:30:00Z'),
    dayHours: 9,
    total: 1012,
    byStatus,
    open: 200,
    newSince: 12,
    closedSince: 9,
    closed: 800,
    closedOnTime: 731,
    byUnit: Array.from({ length: 9 }, (_, i) => ({ name: `部门名称很长的单位${i}`, open: 20 + i, overdue: i })),
    byDistrict: Array.from({ length: 40 }, (_, i) => ({ name: `第${i}管区`, open: 5, overdue: 1 })),
    overdueCount: 120,
    overdue: Array.from({ length: 10 }, (_, i) => item(i + 1)),
    units: [{ name: '农业服务站', count: 60, overdue: 30, items: Array.from({ length: 10 }, (_, i) => item(i + 1)) }],
    notice: '2027 年的国务院办公厅节假日安排尚未录入日历……',
    dashboard: 'https://bot.example.gov.cn/dashboard',
    groups: [
      { unit: '民政办', sent: 21, limitHit: true },
      { unit: '扶贫办', sent: 4, limitHit: false },
    ],
    ...over,
  };
}

describe('digest messages', () => {
  it('shows the messages each group got today and names the groups that hit the ceiling', () => {
    const text = leadersDigest(data(), ROBOT_MARKDOWN_MAX_BYTES, 'robot');
    expect(text).to.contain('**各群今日消息**：民政办 21（达上限），扶贫办 4');
    expect(text).to.match(/达到每日消息上限：民政办</);
    expect(leadersDigest(data({ groups: [] }), ROBOT_MARKDOWN_MAX_BYTES, 'robot')).not.to.contain('各群今日消息');
  });

  it('shows a report\'s markup as inert text in the digests', () => {
    const hostile = { ...item(1), village: '<@all>', text: '**【督办】**[点这里](http://evil.example)' };
    const d = data({ overdue: [hostile], overdueCount: 1, units: [{ name: '农业服务站', count: 1, overdue: 1, items: [hostile] }] });
    for (const text of [leadersDigest(d, ROBOT_MARKDOWN_MAX_BYTES, 'robot'), unitDigest(d, d.units[0]!, 2048, 'app')]) {
      expect(text).not.to.match(/<@all>|\*\*【督办】|\]\(http:\/\/evil/);
      expect(text.normalize('NFKC')).to.contain('<@all> **【督办】**[点');
    }
  });

  it('keeps the leaders\' digest within a robot\'s 4096 bytes by listing fewer overdue findings', () => {
    const text = leadersDigest(data(), ROBOT_MARKDOWN_MAX_BYTES, 'robot');
    expect(utf8ByteLength(text)).to.be.at.most(ROBOT_MARKDOWN_MAX_BYTES);
    expect(text).to.contain('按期办结率 **79.5%（731/920）**').and.to.contain('……另有').and.to.contain('注意：2027 年').and.to.contain('第39管区');
    // The same digest to a person through the app gets half the room, and still fits.
    expect(utf8ByteLength(leadersDigest(data(), 2048, 'app'))).to.be.at.most(2048);
  });

  it('lists all overdue findings when they fit', () => {
    const text = leadersDigest(data({ byDistrict: [], overdueCount: 3, overdue: [item(1), item(2), item(3)] }), ROBOT_MARKDOWN_MAX_BYTES, 'robot');
    expect(text).to.contain('**超期问题**（按时限先后）').and.to.contain('3. 第 3 号').and.not.to.contain('另有');
  });

  it('keeps a unit\'s digest within its limit and says how many more there are', () => {
    const d = data();
    const text = unitDigest(d, d.units[0]!, 2048, 'app');
    expect(utf8ByteLength(text)).to.be.at.most(2048);
    expect(text).to.contain('【今日待办】农业服务站 60 件未办结').and.to.match(/……另有 \d+ 件/);
  });

  it('gives 按期办结率 as the ledger and the reports do: closed on time of those due', () => {
    expect(onTimeRate({ closed: 0, closedOnTime: 0, overdueCount: 0 })).to.equal('暂无到期问题');
    expect(onTimeRate({ closed: 3, closedOnTime: 2, overdueCount: 1 })).to.equal('50.0%（2/4）');
    expect(onTimeRate({ closed: 0, closedOnTime: 0, overdueCount: 2 })).to.equal('0.0%（0/2）');
  });
});

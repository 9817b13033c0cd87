import { expect } from 'chai';
import { composeReminder, overdueDuration, villageAndSummary, workingDuration } from '../../../src/reminders/reminder.messages';
import { utf8ByteLength } from '../../../src/wecom/limits';

describe('reminder messages', () => {
  const line = (i: number) => `${i}. **第 ${i} 号** 孔家峪村某某家自来水管道年久失修冬季经常冻裂…：交办 2 个工作日未签收，<font color="warning">已超期 3 个工作日</font>。回复“签收 ${i}”`;

  it('lists at most ten findings and says how many more, within the byte limit of the destination', () => {
    const sections = [{ title: '【催办】农业服务站 25 件待办', lines: Array.from({ length: 10 }, (_, i) => line(i + 1)), total: 25 }];
    const robot = composeReminder(sections, { markdown: true, dashboard: 'https://x/dashboard', mentions: ['zhengkai'], maxBytes: 4096 });
    expect(robot).to.contain('10. **第 10 号**').and.to.contain('……另有 15 件，见进度看板').and.to.match(/<@zhengkai>$/);
    const app = composeReminder(sections, { markdown: true, dashboard: 'https://x/dashboard', mentions: [], maxBytes: 1024 });
    expect(utf8ByteLength(app)).to.be.at.most(1024);
    expect(app).to.match(/……另有 (1[6-9]|2\d) 件/);
  });

  it('skips empty sections and writes plain text for a person', () => {
    const text = composeReminder(
      [
        { title: '【待销号】您报告的 1 件问题已反馈整改完成，请核实', lines: ['1. 第 3 号 …'], total: 1 },
        { title: '【督办】0 件', lines: [], total: 0 },
      ],
      { markdown: false, dashboard: 'https://x/dashboard', mentions: [], maxBytes: 2048 },
    );
    expect(text).to.equal('【待销号】您报告的 1 件问题已反馈整改完成，请核实\n1. 第 3 号 …\n进度看板：https://x/dashboard');
  });

  it('says how long in working hours or days, and overdue days as the digest and the reminders count them', () => {
    expect(workingDuration(0.2, 9)).to.equal('1 个工作小时');
    expect(workingDuration(8.9, 9)).to.equal('8 个工作小时');
    expect(workingDuration(19, 9)).to.equal('2 个工作日');
    expect(overdueDuration(0, 9)).to.equal('1 个工作日'); // the morning after the deadline
    expect(overdueDuration(18, 9)).to.equal('3 个工作日'); // the third morning
    expect(overdueDuration(18, 9, 'dayEnd')).to.equal('2 个工作日'); // the end of the second day
  });

  it('names the village once', () => {
    expect(villageAndSummary('东岭村', '东岭村王某某家吃水困难', 20)).to.equal('东岭村王某某家吃水困难');
    expect(villageAndSummary('东岭村', '王某某家吃水困难', 20)).to.equal('东岭村 王某某家吃水困难');
    expect(villageAndSummary(null, '王某某家吃水困难', 4)).to.equal('王某某家…');
  });
});

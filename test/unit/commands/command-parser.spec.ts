import { expect } from 'chai';
import { parseCommand } from '../../../src/commands/command-parser';

describe('chat command parser', () => {
  it('reads each contract command with its number and note', () => {
    expect(parseCommand('签收 12')).to.deep.equal({ kind: 'action', action: 'accept', no: 12, note: '' });
    expect(parseCommand('退回 12 不属于本部门')).to.deep.equal({ kind: 'action', action: 'return', no: 12, note: '不属于本部门' });
    expect(parseCommand('整改完成 3 已更换水管，恢复供水')).to.deep.equal({ kind: 'action', action: 'rectify', no: 3, note: '已更换水管，恢复供水' });
    expect(parseCommand('销号 7')).to.deep.equal({ kind: 'action', action: 'close', no: 7, note: '' });
    expect(parseCommand('驳回 7 仍漏雨')).to.deep.equal({ kind: 'action', action: 'reject', no: 7, note: '仍漏雨' });
    expect(parseCommand('撤销 7')).to.deep.equal({ kind: 'action', action: 'cancel', no: 7, note: '' });
    expect(parseCommand('查询 7')).to.deep.equal({ kind: 'query', no: 7 });
    expect(parseCommand('待办')).to.deep.equal({ kind: 'todo' });
    expect(parseCommand('统计')).to.deep.equal({ kind: 'stats' });
    expect(parseCommand('帮助')).to.deep.equal({ kind: 'help' });
    expect(parseCommand('改派 7 5.2')).to.deep.equal({ kind: 'reroute', no: 7, choice: '5.2' });
  });

  it('accepts how phones type: full-width digits, no space, 第N号, a leading @mention, punctuation', () => {
    expect(parseCommand('签收１２')).to.deep.equal({ kind: 'action', action: 'accept', no: 12, note: '' });
    expect(parseCommand('签收第12号')).to.deep.equal({ kind: 'action', action: 'accept', no: 12, note: '' });
    expect(parseCommand('@回头看助手 签收 12')).to.deep.equal({ kind: 'action', action: 'accept', no: 12, note: '' });
    expect(parseCommand('驳回 #5，屋顶还漏')).to.deep.equal({ kind: 'action', action: 'reject', no: 5, note: '屋顶还漏' });
    expect(parseCommand('整改完成12：已修好')).to.deep.equal({ kind: 'action', action: 'rectify', no: 12, note: '已修好' });
  });

  it('treats everything else as a report, and a bare command word as a mistake to ask about', () => {
    expect(parseCommand('东岭村王某某家屋顶漏雨')).to.deep.equal({ kind: 'report', text: '东岭村王某某家屋顶漏雨' });
    expect(parseCommand('签收')).to.deep.equal({ kind: 'malformed', verb: '签收' });
    expect(parseCommand('查询一下东岭村低保户名单是否有不符合条件的')).to.deep.include({ kind: 'report' });
  });
});

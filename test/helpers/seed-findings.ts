import { act } from '../../src/findings/finding.service';
import type { Action } from '../../src/findings/lifecycle';
import type { TestService } from './service';

/**
 * Six findings over three weeks, in every state, for the dashboard and ledger specs (org file
 * config/org.example.yaml). At the end the clock stands at 2026-12-01 09:00 in 姚村镇:
 *   1  11-10 西岭村 roof → 镇建办, dispatched, overdue (household ID number given)
 *   2  11-12 东岭村 water → 农业服务站, accepted by zhengkai, overdue
 *   3  11-27 北王村 医保 → 人社所 (牵头), 卫生院 (配合); 签收 jiangtao, 整改完成 11-28 "已补缴", 销号 11-30
 *   4  11-30 前石村, nothing to route by → triage
 *   5  12-01 东岭村 识别不准 → 第一管区, dispatched
 *   6  12-01 东岭村 roof → 镇建办, cancelled by the reporter
 */
export const SEED_NOW = '2026-12-01T09:00:00+08:00';

export async function seedFindings(t: TestService): Promise<void> {
  const report = async (at: string, body: Record<string, unknown>): Promise<number> => {
    t.clock.set(at);
    const res = await t.api('/api/findings', { method: 'POST', body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`seed report failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { no: number }).no;
  };
  const step = async (at: string, no: number, action: Action, actor: string, note = ''): Promise<void> => {
    t.clock.set(at);
    const r = await act(t.service.domain, no, action, actor, note, `${action} ${no} ${note}`);
    if (!r.ok) throw new Error(`seed ${action} ${no} refused: ${r.message}`);
  };

  await report('2026-11-10T10:00:00+08:00', { text: '西岭村李某某家危房，屋顶漏雨，墙体裂缝', reporter: 'zhuxia', village: '西岭村', household: { name: '李某某', idNumber: '371427196503171234' } });
  await report('2026-11-12T10:00:00+08:00', { text: '东岭村王某某家自来水一周没来水了，还在挑水吃', reporter: 'zhuxia' });
  await step('2026-11-12T11:00:00+08:00', 2, 'accept', 'zhengkai');
  await report('2026-11-27T10:00:00+08:00', { text: '北王村张某某居民医保个人缴费补助没有到位，联系电话13812345678', reporter: 'youjun', task: 7, village: '北王村' });
  await step('2026-11-27T14:00:00+08:00', 3, 'accept', 'jiangtao');
  await step('2026-11-28T10:00:00+08:00', 3, 'rectify', 'jiangtao', '已补缴');
  await step('2026-11-30T16:00:00+08:00', 3, 'close', 'youjun');
  await report('2026-11-30T15:00:00+08:00', { text: '前石村有户情况需要再了解一下', reporter: 'xuli', village: '前石村' });
  await report('2026-12-01T08:30:00+08:00', { text: '东岭村有户不符合条件被纳入建档立卡贫困户，群众意见大', reporter: 'zhuxia' });
  await report('2026-12-01T08:40:00+08:00', { text: '东岭村赵某某家屋顶漏雨', reporter: 'zhuxia' });
  await step('2026-12-01T08:50:00+08:00', 6, 'cancel', 'zhuxia');
  t.clock.set(SEED_NOW);
  await t.settle();
}

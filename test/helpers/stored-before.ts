import { ObjectId } from 'mongodb';

/**
 * A finding as an earlier version stored it, written straight into the database: keyed by a
 * generated `_id`, its channel in `source` (before 问题来源), the household as reported with no
 * code (before household records), no batch. A start of this version brings it up to date.
 */
export function storedBefore(no: number, status: string, at: Date, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _id: new ObjectId(),
    no,
    status,
    version: 0,
    task: 8,
    item: '8.1',
    departments: ['镇建办'],
    village: '东岭村',
    district: '第一管区',
    cadre: 'zhuxia',
    reporter: 'zhuxia',
    text: `东岭村第${no}户屋顶漏雨`,
    household: null,
    urgency: 'normal',
    source: 'chat',
    sourceKey: `old:${no}`,
    routing: { confidence: 1, source: 'explicit', reasons: [], alternatives: [] },
    deadline: new Date(at.getTime() + 13 * 86_400_000),
    dispatchedAt: at,
    acceptedAt: null,
    rectifiedAt: null,
    closedAt: status === 'closed' ? at : null,
    cancelledAt: null,
    rectifyNote: null,
    replyTo: null,
    history: [{ at, by: 'zhuxia', action: '报告', from: null, to: status, note: null, text: null }],
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}

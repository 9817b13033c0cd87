import { Schema, type Connection, type Model } from 'mongoose';
import type { TaskNo } from '../../config/division-table';

export const STATUSES = ['triage', 'dispatched', 'accepted', 'rectified', 'closed', 'cancelled'] as const;
export type FindingStatus = (typeof STATUSES)[number];
export const OPEN_STATUSES: FindingStatus[] = ['triage', 'dispatched', 'accepted', 'rectified'];

/** How a report reached the bot. */
export const CHANNELS = ['chat', 'bot', 'form', 'api', 'import'] as const;
export type Channel = (typeof CHANNELS)[number];

/** 问题来源: the round or body that found it (自查 unless a list or a person says otherwise). */
export const SOURCES = ['自查', '巡察反馈', '督查', '审计', '暗访', '上级交办', '群众反映'] as const;
export type FindingSource = (typeof SOURCES)[number];
export const DEFAULT_SOURCE: FindingSource = '自查';

/** 整改类型, chosen at 签收: on the spot, by a committed date, or long-term with progress reports. */
export const KINDS = ['立行立改', '限期整改', '持续整改'] as const;
export type RectifyKind = (typeof KINDS)[number];

/** 三色督办: on time, needs attention (deadline near or no progress), overdue. */
export const GRADES = ['green', 'yellow', 'red'] as const;
export type Grade = (typeof GRADES)[number];
export const GRADE_LABEL: Record<Grade, string> = { green: '绿', yellow: '黄', red: '红' };

export const STATUS_LABEL: Record<FindingStatus, string> = {
  triage: '待分派',
  dispatched: '待签收',
  accepted: '整改中',
  rectified: '待销号',
  closed: '已销号',
  cancelled: '已撤销',
};

const historySchema = new Schema(
  {
    at: { type: Date, required: true },
    /** userid, or "system" */
    by: { type: String, required: true },
    action: { type: String, required: true },
    from: { type: String, default: null },
    to: { type: String, default: null },
    note: { type: String, default: null },
    /** The message text that caused it, as sent. */
    text: { type: String, default: null },
  },
  { _id: false },
);

const findingSchema = new Schema(
  {
    /** The number as a string (see finding-views.ts `findingId`): a lookup by `_id` is the one every server answers from an index. */
    _id: { type: String, required: true },
    no: { type: Number, required: true, unique: true },
    status: { type: String, enum: STATUSES, required: true, index: true },
    /** Bumped by every change; a change first claims `finding:<no>:v<version>` (see db/claims.ts). */
    version: { type: Number, required: true, default: 0 },
    task: { type: Number, default: null, index: true },
    item: { type: String, default: null },
    /** Lead first; for tasks 1-2 the village's 管区. */
    departments: { type: [String], default: [], index: true },
    village: { type: String, default: null, index: true },
    district: { type: String, default: null },
    cadre: { type: String, default: null },
    reporter: { type: String, required: true, index: true },
    text: { type: String, required: true },
    /** As reported (name and ID number both optional), with the household record's code once matched. */
    household: {
      type: new Schema(
        { code: { type: String, default: null }, name: { type: String, default: null }, idNumber: { type: String, default: null } },
        { _id: false },
      ),
      default: null,
    },
    urgency: { type: String, enum: ['normal', 'urgent'], default: 'normal' },
    channel: { type: String, enum: CHANNELS, required: true },
    source: { type: String, enum: SOURCES, required: true, default: DEFAULT_SOURCE },
    /** The named round it belongs to (e.g. 2026年回头看第一轮), or none. */
    batch: { type: String, default: null },
    /** The open finding of the same household and key problem this one was merged into. */
    linkedTo: { type: Number, default: null },
    /** 反弹: the household had a finding of the same key problem closed before. */
    relapse: { type: Boolean, default: false },
    /** An imported list's row: who imported it (a leader's userid, or 系统导入 for the admin token and the CLI). */
    importedBy: { type: String, default: null },
    /** The delivery that created it: a retried callback finds it and creates nothing. */
    sourceKey: { type: String, required: true, unique: true },
    routing: {
      type: new Schema(
        {
          confidence: { type: Number, default: 0 },
          source: { type: String, default: 'none' },
          reasons: { type: [String], default: [] },
          alternatives: { type: [{ task: Number, item: String, score: Number, _id: false }], default: [] },
        },
        { _id: false },
      ),
      default: () => ({}),
    },
    deadline: { type: Date, default: null, index: true },
    dispatchedAt: { type: Date, default: null },
    acceptedAt: { type: Date, default: null },
    rectifiedAt: { type: Date, default: null },
    closedAt: { type: Date, default: null },
    cancelledAt: { type: Date, default: null },
    rectifyNote: { type: String, default: null },
    kind: { type: String, enum: [...KINDS, null], default: null },
    /** 整改措施: what the unit plans to do, stated at 签收. */
    measure: { type: String, default: null },
    /** The last 进展 report (持续整改 is asked for one every few working days). */
    lastProgressAt: { type: Date, default: null },
    /** A 延期 request waiting for a leader; the deadline changes only when one approves it. */
    extension: {
      type: new Schema(
        { deadline: { type: Date, required: true }, reason: { type: String, required: true }, by: { type: String, required: true }, at: { type: Date, required: true } },
        { _id: false },
      ),
      default: null,
    },
    /** 验收人 and 验收意见 of the 销号. */
    checkedBy: { type: String, default: null },
    checkNote: { type: String, default: null },
    /** Where the reporter can be answered (a smart-bot chat), as given by the channel. */
    replyTo: { type: Schema.Types.Mixed, default: null },
    history: { type: [historySchema], default: [] },
  },
  { timestamps: true, collection: 'findings', minimize: false },
);
findingSchema.index({ status: 1, deadline: 1 });
findingSchema.index({ createdAt: 1 });
// The dashboard's trend: findings closed per day in a window.
findingSchema.index({ status: 1, closedAt: 1 });

export interface HistoryEntry {
  at: Date;
  by: string;
  action: string;
  from: string | null;
  to: string | null;
  note: string | null;
  text: string | null;
}

export interface RoutingInfo {
  confidence: number;
  source: string;
  reasons: string[];
  alternatives: { task: TaskNo; item: string; score: number }[];
}

export interface HouseholdRef {
  /** The household record's short code (东岭-017); null until matched. */
  code: string | null;
  name: string | null;
  idNumber: string | null;
}

export interface ExtensionRequest {
  deadline: Date;
  reason: string;
  by: string;
  at: Date;
}

/** A finding as stored (lean). */
export interface FindingDoc {
  /** `String(no)`. */
  _id: string;
  no: number;
  status: FindingStatus;
  version: number;
  task: TaskNo | null;
  item: string | null;
  departments: string[];
  village: string | null;
  district: string | null;
  cadre: string | null;
  reporter: string;
  text: string;
  household: HouseholdRef | null;
  urgency: 'normal' | 'urgent';
  channel: Channel;
  source: FindingSource;
  batch: string | null;
  linkedTo: number | null;
  relapse: boolean;
  sourceKey: string;
  routing: RoutingInfo;
  deadline: Date | null;
  dispatchedAt: Date | null;
  acceptedAt: Date | null;
  rectifiedAt: Date | null;
  closedAt: Date | null;
  cancelledAt: Date | null;
  rectifyNote: string | null;
  // Absent on findings stored before rectification practice was kept (lean reads apply no defaults).
  kind?: RectifyKind | null;
  measure?: string | null;
  lastProgressAt?: Date | null;
  extension?: ExtensionRequest | null;
  checkedBy?: string | null;
  checkNote?: string | null;
  importedBy?: string | null;
  replyTo: unknown;
  history: HistoryEntry[];
}

export function findingModel(connection: Connection): Model<FindingDoc> {
  return (connection.models.Finding as Model<FindingDoc> | undefined) ?? connection.model<FindingDoc>('Finding', findingSchema);
}

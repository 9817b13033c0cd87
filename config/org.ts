import '../src/validation';
import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { DEPARTMENTS } from './division-table';

/** The organisation file (ORG_CONFIG): who is who in the town, and where messages go. */

const userid = z
  .string({ error: '需要企业微信 userid / a WeCom userid is required' })
  .trim()
  .min(1, 'userid 不能为空 / userid must not be empty')
  .max(64, 'userid 过长 / userid too long');

/** What WeCom accepts as an app chat's chatid (appchat/create): 1-32 of 0-9a-zA-Z. */
export const CHATID_PATTERN = /^[0-9a-zA-Z]{1,32}$/;

const targetSchema = z.union(
  [
    z.object({ webhook: z.string().trim().min(1, '机器人 key 不能为空 / webhook key must not be empty') }).strict(),
    z
      .object({
        chatid: z
          .string()
          .trim()
          .min(1, 'chatid 不能为空 / chatid must not be empty')
          .regex(CHATID_PATTERN, 'chatid 只能由字母和数字组成，最长 32 个字符，企业微信不接受其他 chatid（可用 cli groups create 创建群聊并取得 chatid）/ chatid must be 1-32 letters or digits'),
      })
      .strict(),
    z.object({ users: z.array(userid).min(1, '至少一个成员 / at least one user') }).strict(),
  ],
  { error: '目标须为 { webhook: KEY }、{ chatid: ID } 或 { users: [userid, ...] } / target must be one of { webhook }, { chatid }, { users }' },
);
export type Target = z.infer<typeof targetSchema>;

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 HH:mm / time must be HH:mm');

const departmentSchema = z
  .object({
    name: z.enum(DEPARTMENTS, {
      error: (issue) => `“${String(issue.input)}”不是分工表中的责任部门，应为：${DEPARTMENTS.join('、')} / not a department of the division table`,
    }),
    target: targetSchema,
    members: z.array(userid).default([]),
    /** This unit's findings are closed (销号) only once a rectification photo is attached. */
    evidenceBeforeClose: z.boolean().optional(),
    /** The unit reads WeCom on 微工作台 (inside WeChat), which shows neither cards nor markdown: plain text only. */
    textOnly: z.boolean().optional(),
  })
  .strict();

const villageSchema = z
  .object({
    name: z.string().trim().min(1, '村名不能为空 / village name must not be empty'),
    cadre: userid.optional(),
    aliases: z.array(z.string().trim().min(1)).default([]),
  })
  .strict();

const districtSchema = z
  .object({
    name: z.string().trim().min(1, '管区名不能为空 / district name must not be empty'),
    target: targetSchema,
    members: z.array(userid).default([]),
    villages: z.array(villageSchema).default([]),
    evidenceBeforeClose: z.boolean().optional(),
    textOnly: z.boolean().optional(),
  })
  .strict();

/** Evidence photos; off unless the town asks for them. */
const evidenceSchema = z
  .object({
    /** Every finding needs a rectification photo before 销号 (a unit can also ask for it alone). */
    requiredBeforeClose: z.boolean().default(false),
  })
  .strict()
  .prefault({});

const reminderSchema = z
  .object({
    acceptWithinHours: z.number().positive().default(4),
    deadlineDays: z.number().int().positive().default(7),
    repeatEveryHours: z.number().positive().default(4),
    escalateAfter: z.number().int().positive().default(3),
    /** The latest date a unit may commit to at 签收 (限期整改), in working days from then. */
    maxDeadlineDays: z.number().int().positive().default(20),
    /** 持续整改: a progress report (进展) is asked for every this many working days. */
    progressEveryDays: z.number().int().positive().default(10),
    /** An open finding with no step for this many working days turns 黄 (三色督办). */
    staleDays: z.number().int().positive().default(5),
    workHours: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, '格式应为 HH:mm-HH:mm / must be HH:mm-HH:mm')
      .refine((v) => v.slice(0, 5) < v.slice(6), { message: '下班时间须晚于上班时间 / end must be after start' })
      .default('08:30-17:30'),
  })
  .strict()
  .prefault({});

/** `textOnly`: this person reads WeCom on 微工作台 (inside WeChat): plain text, no cards or markdown. */
/** How many messages a unit's group gets: new findings collected per window, a ceiling per day. */
const dispatchSchema = z
  .object({
    /** New findings for a unit within this many minutes go to its group in one 【交办】 message (0: each at once). */
    collectMinutes: z.number().int().min(0).max(240).default(10),
    /** Messages a unit's group gets a day; past it, what would go waits for the next collection. */
    groupDailyLimit: z.number().int().positive().default(20),
  })
  .strict()
  .prefault({});

const personSchema = z.object({ userid, name: z.string().trim().min(1), textOnly: z.boolean().optional() }).strict();

export const orgSchema = z
  .object({
    town: z.string().trim().min(1),
    leaders: z.array(personSchema).min(1, '至少需要一位领导 / at least one leader'),
    /** Display names for members; optional, userids are shown where a name is missing. */
    people: z.array(personSchema).default([]),
    digest: z
      .object({ target: targetSchema, at: timeOfDay.default('17:30') })
      .strict()
      .optional(),
    departments: z.array(departmentSchema).min(1, '至少需要一个部门 / at least one department'),
    districts: z.array(districtSchema).default([]),
    reminders: reminderSchema,
    dispatch: dispatchSchema,
    evidence: evidenceSchema,
    /** The weekly 通报 to the leaders: on the last working day of each week, at this time. */
    weeklyReport: z
      .object({ at: timeOfDay.default('17:00') })
      .strict()
      .prefault({}),
    /** The current batch (批次) new findings belong to, until a leader names another in chat. */
    batch: z.string().trim().min(1, '批次名称不能为空 / batch must not be empty').max(50, '批次名称过长 / batch name too long').optional(),
  })
  .strict()
  .superRefine((org, ctx) => {
    const seen = <T>(items: T[], key: (t: T) => string, path: (i: number) => (string | number)[], what: (k: string) => string) => {
      const first = new Map<string, number>();
      items.forEach((item, i) => {
        const k = key(item);
        if (first.has(k)) ctx.addIssue({ code: 'custom', path: path(i), message: what(k) });
        else first.set(k, i);
      });
    };
    seen(org.departments, (d) => d.name, (i) => ['departments', i, 'name'], (k) => `部门“${k}”重复 / department listed twice`);
    seen(org.districts, (d) => d.name, (i) => ['districts', i, 'name'], (k) => `管区“${k}”重复 / district listed twice`);
    seen(org.leaders, (l) => l.userid, (i) => ['leaders', i, 'userid'], (k) => `领导 ${k} 重复 / leader listed twice`);
    org.departments.forEach((d, di) =>
      seen(d.members, (m) => m, (i) => ['departments', di, 'members', i], (k) => `${k} 在“${d.name}”成员中重复 / member listed twice`),
    );
    org.districts.forEach((d, di) =>
      seen(d.members, (m) => m, (i) => ['districts', di, 'members', i], (k) => `${k} 在“${d.name}”成员中重复 / member listed twice`),
    );
    const villageHome = new Map<string, string>();
    org.districts.forEach((d, di) =>
      d.villages.forEach((v, vi) => {
        for (const name of [v.name, ...v.aliases]) {
          const home = villageHome.get(name);
          if (home !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['districts', di, 'villages', vi, 'name'],
              message:
                home === d.name
                  ? `村“${name}”在“${d.name}”中重复 / village listed twice`
                  : `村“${name}”同时属于“${home}”和“${d.name}” / village in two districts`,
            });
          } else villageHome.set(name, d.name);
        }
      }),
    );
  });

export type OrgConfig = z.infer<typeof orgSchema>;
export type OrgDepartment = OrgConfig['departments'][number];
export type OrgDistrict = OrgConfig['districts'][number];
export type OrgVillage = OrgDistrict['villages'][number];
export type ReminderSettings = OrgConfig['reminders'];

export class OrgConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`组织文件 ${file} 有误 / invalid organisation file:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'OrgConfigError';
  }
}

/** Parses and validates the organisation file's text; errors name the file, the path inside it and the fault. */
export function parseOrgConfig(text: string, file: string): OrgConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new OrgConfigError(
      file,
      doc.errors.map((e) => `YAML ${e.linePos?.[0] ? `第 ${e.linePos[0].line} 行 / line ${e.linePos[0].line}` : ''}: ${e.message.split('\n')[0]}`),
    );
  }
  const raw = doc.toJS() as unknown;
  const clash = aliasClash(raw);
  if (clash) throw new OrgConfigError(file, [clash]);
  const parsed = orgSchema.safeParse(withTopLevelAliases(raw));
  if (!parsed.success) {
    throw new OrgConfigError(
      file,
      parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
    );
  }
  return parsed.data;
}

const isRecord = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/** `groupDailyLimit` both at the top level and under `dispatch`, with different values. */
function aliasClash(raw: unknown): string | null {
  if (!isRecord(raw) || !('groupDailyLimit' in raw) || !isRecord(raw['dispatch'])) return null;
  const inner = raw['dispatch']['groupDailyLimit'];
  return inner !== undefined && inner !== raw['groupDailyLimit']
    ? 'groupDailyLimit: 与 dispatch.groupDailyLimit 的值不同，请只写一处 / given twice with different values'
    : null;
}

/**
 * `groupDailyLimit` may also be written at the top level of the file (a per-group setting an
 * operator looks for there); it means `dispatch.groupDailyLimit`.
 */
function withTopLevelAliases(raw: unknown): unknown {
  if (!isRecord(raw) || !('groupDailyLimit' in raw)) return raw;
  const { groupDailyLimit, ...rest } = raw;
  const dispatch = rest['dispatch'];
  if (dispatch === undefined || dispatch === null) return { ...rest, dispatch: { groupDailyLimit } };
  return isRecord(dispatch) ? { ...rest, dispatch: { ...dispatch, groupDailyLimit } } : raw;
}

export function loadOrgConfig(file: string): OrgConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new OrgConfigError(file, [`无法读取文件 / cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseOrgConfig(text, file);
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(文件顶层 / top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

export const EXAMPLE_ORG_CONFIG = 'config/org.example.yaml';

/**
 * The file to load: the configured one, or the shipped example when ORG_CONFIG was not set and
 * config/org.yaml does not exist yet (a first `npm start`).
 */
export function resolveOrgConfigPath(configured: string, explicit: boolean): { file: string; example: boolean } {
  if (!explicit && !existsSync(configured) && existsSync(EXAMPLE_ORG_CONFIG)) return { file: EXAMPLE_ORG_CONFIG, example: true };
  return { file: configured, example: false };
}

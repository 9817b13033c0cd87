import { ACTION_BY_VERB, type Action } from '../findings/lifecycle';

/** A chat message is a command, or else a new report. */
export type Command =
  | { kind: 'action'; action: Action; no: number; note: string }
  | { kind: 'reroute'; no: number; choice: string }
  | { kind: 'query'; no: number }
  | { kind: 'todo' }
  | { kind: 'stats' }
  | { kind: 'help' }
  /** 拆分 N (a leader undoes a merge). */
  | { kind: 'split'; no: number }
  /** 批次 名称 (a leader sets the current batch); empty name: which it is. */
  | { kind: 'batch'; name: string }
  /** A command word without a number: ask again rather than file it as a report. */
  | { kind: 'malformed'; verb: string }
  | { kind: 'report'; text: string };

/** Full-width digits, letters, # and spaces, as phones type them, made plain (Chinese punctuation stays). */
export function normalise(input: string): string {
  return input
    .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\uFF03]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .replace(/^\s*@\S+\s+/, '') // "@回头看机器人 签收 12" in a group
    .trim();
}

const VERBS = [...Object.keys(ACTION_BY_VERB), '改派', '查询', '拆分'].sort((a, b) => b.length - a.length).join('|');
const NUMBERED = new RegExp(`^(${VERBS})\\s*(?:第\\s*)?[#＃]?\\s*(\\d{1,9})\\s*号?(?:[\\s,，:：、]+([\\s\\S]*))?$`);

export function parseCommand(raw: string): Command {
  const s = normalise(raw);
  if (/^(帮助|help|\?|？)$/i.test(s)) return { kind: 'help' };
  if (/^(待办|我的待办)$/.test(s)) return { kind: 'todo' };
  if (/^统计$/.test(s)) return { kind: 'stats' };
  const batch = /^批次(?:\s+([\s\S]*))?$/.exec(s);
  if (batch) return { kind: 'batch', name: (batch[1] ?? '').trim() };
  const m = NUMBERED.exec(s);
  if (m) {
    const verb = m[1]!;
    const no = Number(m[2]);
    const rest = (m[3] ?? '').trim();
    if (verb === '查询') return { kind: 'query', no };
    if (verb === '改派') return { kind: 'reroute', no, choice: rest };
    if (verb === '拆分') return { kind: 'split', no };
    return { kind: 'action', action: ACTION_BY_VERB[verb]!, no, note: rest };
  }
  const bare = new RegExp(`^(${VERBS})(\\s|$)`).exec(s);
  if (bare && s.length <= 12) return { kind: 'malformed', verb: bare[1]! };
  return { kind: 'report', text: s };
}

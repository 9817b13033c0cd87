import { isDistrictTask, isTaskNo } from '../../config/division-table';
import type { DomainContext } from '../context';
import { unitDestination } from '../dispatch/group-messages';
import type { Destination } from '../outbox/outbox.model';
import { APP_MARKDOWN_MAX_BYTES, APP_TEXT_MAX_BYTES, ROBOT_MARKDOWN_MAX_BYTES } from '../wecom/limits';

/** Who a reminder or digest goes to: a unit's group, one person, or the leaders. */
export interface Recipient {
  /** "unit:农业服务站", "user:zhuxia", "leaders": one message per key per run. */
  key: string;
  /** How messages name it ("农业服务站", "朱霞"). */
  name: string;
  destination: Destination;
  /** A unit's group: its messages count toward the group's daily ceiling (and wait past it). */
  unit?: string;
  /** Group robots only: people @-mentioned under the message. */
  mentions: string[];
  /** Personal messages are plain text; groups get markdown. */
  format: 'markdown' | 'text';
  /** What WeCom accepts for this destination and format, in UTF-8 bytes. */
  maxBytes: number;
}

function maxBytes(destination: Destination, format: 'markdown' | 'text'): number {
  if (destination.kind === 'webhook' && format === 'markdown') return ROBOT_MARKDOWN_MAX_BYTES;
  return format === 'markdown' ? APP_MARKDOWN_MAX_BYTES : APP_TEXT_MAX_BYTES;
}

/** The leaders: the digest's group when the org file names one, else each leader through the app. */
export function leadersRecipient(ctx: DomainContext): Recipient | null {
  const target = ctx.directory.org.digest?.target;
  const leaders = ctx.directory.leaders();
  let destination: Destination | null = null;
  if (target) destination = unitDestination(target);
  else if (ctx.appMessaging && leaders.length > 0) destination = { kind: 'app', users: leaders };
  if (!destination) return null;
  return { key: 'leaders', name: '镇领导', destination, mentions: [], format: 'markdown', maxBytes: maxBytes(destination, 'markdown') };
}

/** A unit's group (a department, or a 管区 for tasks 1-2); for a 管区 the village's 包村干部 is mentioned too. */
export function unitRecipient(ctx: DomainContext, unitName: string, village: string | null = null): Recipient | null {
  const unit = ctx.directory.unit(unitName);
  if (!unit) return null;
  const destination = unitDestination(unit.target);
  const cadre = unit.kind === 'district' && village ? ctx.directory.village(village)?.cadre : null;
  const mentions = destination.kind === 'webhook' ? [...new Set([...unit.members, ...(cadre ? [cadre] : [])])] : [];
  return { key: `unit:${unit.name}`, name: unit.name, unit: unit.name, destination, mentions, format: 'markdown', maxBytes: maxBytes(destination, 'markdown') };
}

/** One person through the self-built app; null when the bot cannot write to people. */
export function personRecipient(ctx: DomainContext, userid: string): Recipient | null {
  if (!ctx.appMessaging) return null;
  const destination: Destination = { kind: 'app', users: [userid] };
  return { key: `user:${userid}`, name: ctx.directory.displayName(userid), destination, mentions: [], format: 'text', maxBytes: maxBytes(destination, 'text') };
}

/**
 * Who answers for a finding's work: its lead unit's group; for tasks 1-2 (管区 lead, 包村干部
 * carries it out) the village's 包村干部 personally, so that the 管区 group hears of it only when it
 * is escalated. Falls back to the unit's group, then to the leaders.
 */
export function responsibleRecipient(
  ctx: DomainContext,
  f: { task: number | null; departments: string[]; village: string | null; cadre: string | null },
): Recipient | null {
  const lead = f.departments[0];
  if (isTaskNo(f.task) && isDistrictTask(f.task) && f.cadre) {
    const cadre = personRecipient(ctx, f.cadre);
    if (cadre) return cadre;
  }
  return (lead ? unitRecipient(ctx, lead, f.village) : null) ?? leadersRecipient(ctx);
}

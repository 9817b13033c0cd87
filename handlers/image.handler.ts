import { CHAT_EVIDENCE_WINDOW_MS, checkPhoto, evidenceKindFor, MAX_PHOTOS_PER_FINDING } from '../src/evidence/evidence.policy';
import { isAppError } from '../src/errors';
import type { FindingDoc, HistoryEntry } from '../src/findings/finding.model';
import type { InboundEvent } from '../src/wecom/events';
import { WeComApiError } from '../src/wecom/wecom.client';
import type { HandlerContext } from './context';

type ImageEvent = Extract<InboundEvent, { kind: 'image' }>;

/** The sender's own steps that a photo sent right after belongs to. */
const ATTACH_AFTER = new Set(['报告', '签收', '整改完成', '驳回', '进展']);

/**
 * A photo in the 1:1 chat with the app is evidence for the finding the sender just acted on:
 * `整改完成 N …` (or 签收, 进展, 驳回, or a report) and then, within 10 minutes, photos. They are fetched
 * with media/get and kept with the finding; the first of a burst is acknowledged, the rest quietly.
 */
export async function handleImage(event: ImageEvent, ctx: HandlerContext): Promise<void> {
  if (!event.mediaId) {
    // Smart-bot images arrive encrypted by URL; evidence is taken in the app's 1:1 chat.
    ctx.logger.info('图片消息没有 media id，已忽略');
    await ctx.reply('请在与“回头看”应用的单聊中发送照片（先发“整改完成 编号 说明”，再发照片），或在问题页面上传。');
    return;
  }
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - CHAT_EVIDENCE_WINDOW_MS);
  const target = await recentStep(ctx, event.from, since);
  if (!target) {
    await ctx.reply('收到图片，但不知道属于哪个问题。请先发送“整改完成 编号 说明”（或上报问题），再在 10 分钟内发送照片；也可在问题页面上传。');
    return;
  }
  const { finding } = target;
  if ((await ctx.evidence.count(finding.no)) >= MAX_PHOTOS_PER_FINDING) {
    await ctx.reply(`第 ${finding.no} 号问题的照片已达 ${MAX_PHOTOS_PER_FINDING} 张，不再添加。`);
    return;
  }

  let media;
  try {
    media = await ctx.media.getMedia(event.mediaId);
  } catch (err) {
    // A media id WeCom does not know (expired after 3 days, wrong) will not get better by retrying.
    if (err instanceof WeComApiError && !err.retryable) {
      ctx.logger.warn({ errcode: err.errcode }, '企业微信拒绝下载图片（media/get）');
      await ctx.reply('照片获取失败，请重新发送。');
      return;
    }
    throw err;
  }
  let type;
  try {
    type = checkPhoto(media.buffer, '');
  } catch (err) {
    if (isAppError(err) && err.status < 500) {
      await ctx.reply(`${err.message}，未附到第 ${finding.no} 号问题。`);
      return;
    }
    throw err;
  }

  const kind = evidenceKindFor(ctx.directory, finding, event.from);
  const { created } = await ctx.evidence.add({
    findingNo: finding.no,
    kind,
    by: event.from,
    source: 'chat',
    at: now,
    buffer: media.buffer,
    contentType: type.contentType,
    filename: `${finding.no}-${event.deliveryKey.slice(-12)}.${type.extension}`,
    key: `chat:${event.deliveryKey}`,
  });
  if (!created) return;
  // One answer per burst: only the first photo of this sender on this finding in the window.
  if ((await ctx.evidence.count(finding.no, { by: event.from, since })) <= 1) {
    await ctx.reply(
      `已将照片作为${kind === 'rectification' ? '整改' : '问题'}照片附到第 ${finding.no} 号问题。10 分钟内继续发送的照片也会附上。查看：${ctx.links.finding(finding.no)}`,
    );
  }
}

type Candidate = Pick<FindingDoc, 'no' | 'status' | 'departments' | 'village' | 'history'>;

/** The finding of the sender's latest attachable step since `since`, if any. */
async function recentStep(ctx: HandlerContext, userid: string, since: Date): Promise<{ finding: Candidate; entry: HistoryEntry } | null> {
  const candidates = await ctx.findings.model
    .find({ updatedAt: { $gte: since }, 'history.by': userid, status: { $ne: 'cancelled' } }, { _id: 0, no: 1, status: 1, departments: 1, village: 1, history: 1 })
    .limit(50)
    .lean<Candidate[]>()
    .exec();
  let best: { finding: Candidate; entry: HistoryEntry } | null = null;
  for (const finding of candidates) {
    for (const entry of finding.history) {
      if (entry.by !== userid || !ATTACH_AFTER.has(entry.action) || new Date(entry.at) < since) continue;
      if (!best || new Date(entry.at) >= new Date(best.entry.at)) best = { finding, entry };
    }
  }
  return best;
}

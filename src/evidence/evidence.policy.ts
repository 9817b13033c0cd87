import type { OrgConfig } from '../../config/org';
import type { Directory } from '../org/directory';
import type { FindingDoc, FindingStatus } from '../findings/finding.model';
import { AppError } from '../errors';
import type { EvidenceKind, EvidenceRepository } from './evidence.repository';
import { looksLikeHeic, sniffImage, type ImageType } from './image-type';

/** Limits for photos, wherever they come from. */
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const MAX_PHOTOS_PER_UPLOAD = 9;
export const MAX_PHOTOS_PER_FINDING = 60;
/** A photo sent in chat this soon after the sender's command or report belongs to that finding. */
export const CHAT_EVIDENCE_WINDOW_MS = 10 * 60_000;

/** Whether `销号` waits for a rectification photo: for the whole town, or for the finding's lead unit. */
export function evidenceRequiredBeforeClose(org: OrgConfig, departments: string[]): boolean {
  if (org.evidence.requiredBeforeClose) return true;
  const lead = departments[0];
  if (!lead) return false;
  const unit = org.departments.find((d) => d.name === lead) ?? org.districts.find((d) => d.name === lead);
  return unit?.evidenceBeforeClose === true;
}

/** Why the finding may not be closed yet for want of evidence, or null. */
export async function missingEvidence(
  org: OrgConfig,
  evidence: EvidenceRepository,
  f: Pick<FindingDoc, 'no' | 'departments'>,
): Promise<string | null> {
  if (!evidenceRequiredBeforeClose(org, f.departments)) return null;
  if ((await evidence.count(f.no, { kind: 'rectification' })) > 0) return null;
  return (
    `第 ${f.no} 号问题需先有整改照片才能销号。请责任单位（${f.departments[0] ?? ''}）发送“整改完成 ${f.no} 说明”后 10 分钟内把照片发给应用，` +
    `或在问题页面上传整改照片。`
  );
}

/** A photo is what its bytes say, of limited size; anything else is refused with a reason people understand. */
export function checkPhoto(buffer: Buffer, name: string): ImageType {
  const label = name ? `“${name}”` : '照片';
  if (buffer.length === 0) throw new AppError('bad_request', `${label}是空文件`);
  if (buffer.length > MAX_PHOTO_BYTES) throw new AppError('payload_too_large', `${label}超过 ${MAX_PHOTO_BYTES / 1024 / 1024} MB，请压缩后再传`);
  const type = sniffImage(buffer);
  if (type) return type;
  if (looksLikeHeic(buffer)) throw new AppError('bad_request', `${label}是 HEIC 格式，请在手机设置中改为“兼容性最佳”或截图后再传`);
  throw new AppError('bad_request', `${label}不是图片（只收 JPG、PNG、GIF、WebP）`);
}

/**
 * What a photo shows, by who sends it: the responsible unit's people, once the finding is theirs,
 * send proof of rectification; everyone else (the reporter, a leader) shows the problem.
 */
export function evidenceKindFor(directory: Directory, f: Pick<FindingDoc, 'departments' | 'village' | 'status'>, userid: string): EvidenceKind {
  const theirs: FindingStatus[] = ['dispatched', 'accepted', 'rectified'];
  return theirs.includes(f.status) && directory.isResponsible(userid, f.departments, f.village) ? 'rectification' : 'problem';
}

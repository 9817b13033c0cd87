import type { TaskNo } from '../../../config/division-table';
import { rebuildFindingViews } from '../../../src/digest/tallies';
import type { FindingDoc } from '../../../src/findings/finding.model';
import type { Finding } from '../../../src/findings/finding.repository';
import type { TestService } from '../../helpers/service';

const sh = (local: string): Date => new Date(`${local}+08:00`);

export interface SeedFinding {
  no: number;
  status: FindingDoc['status'];
  task?: number;
  departments?: string[];
  village?: string | null;
  district?: string | null;
  text?: string;
  /** Shanghai wall-clock times. */
  createdAt: string;
  deadline?: string | null;
  closedAt?: string | null;
}

/**
 * Findings written straight into the collection, with exactly the times a test needs; then the
 * views are rebuilt from them, as the service does on a database that holds findings without them.
 */
export async function seedFindings(t: TestService, findings: SeedFinding[]): Promise<void> {
  await t.service.domain.findings.model.db.collection<Finding>('findings').insertMany(
    findings.map((f) => ({
      _id: String(f.no),
      no: f.no,
      status: f.status,
      version: 1,
      task: (f.task ?? 5) as TaskNo,
      item: null,
      departments: f.departments ?? [],
      village: f.village ?? null,
      district: f.district ?? null,
      cadre: null,
      reporter: 'zhuxia',
      text: f.text ?? `第${f.no}户反映的问题`,
      household: null,
      urgency: 'normal',
      channel: 'api',
      source: '自查',
      batch: null,
      linkedTo: null,
      relapse: false,
      sourceKey: `seed:${f.no}`,
      routing: { confidence: 1, source: 'explicit', reasons: [], alternatives: [] },
      deadline: f.deadline ? sh(f.deadline) : null,
      dispatchedAt: f.status === 'triage' ? null : sh(f.createdAt),
      acceptedAt: null,
      rectifiedAt: f.status === 'rectified' ? sh(f.createdAt) : null,
      closedAt: f.closedAt ? sh(f.closedAt) : null,
      cancelledAt: f.status === 'cancelled' ? sh(f.createdAt) : null,
      rectifyNote: null,
      replyTo: null,
      history: [{ at: sh(f.createdAt), by: 'zhuxia', action: '报告', from: null, to: f.status, note: null, text: null }],
      createdAt: sh(f.createdAt),
      updatedAt: sh(f.createdAt),
    })),
  );
  await rebuildFindingViews(t.service.domain, t.clock.now());
}

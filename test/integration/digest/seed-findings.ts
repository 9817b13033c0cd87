import type { FindingDoc } from '../../../src/findings/finding.model';
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

/** Findings written straight into the collection, with exactly the times a test needs. */
export async function seedFindings(t: TestService, findings: SeedFinding[]): Promise<void> {
  await t.service.domain.findings.model.collection.insertMany(
    findings.map((f) => ({
      no: f.no,
      status: f.status,
      version: 1,
      task: f.task ?? 5,
      item: null,
      departments: f.departments ?? [],
      village: f.village ?? null,
      district: f.district ?? null,
      cadre: null,
      reporter: 'zhuxia',
      text: f.text ?? `第${f.no}户反映的问题`,
      household: null,
      urgency: 'normal',
      source: 'api',
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
}

import { maskIdNumber } from '../privacy/mask';
import type { Grade } from './finding.model';
import type { Finding } from './finding.repository';

/** A finding as the API shows it (docs/interface.md); ID numbers masked. */
export function findingJson(f: Finding, options: { history?: boolean; grade?: Grade | null } = {}): Record<string, unknown> {
  const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);
  return {
    no: f.no,
    status: f.status,
    task: f.task,
    item: f.item,
    departments: f.departments,
    village: f.village,
    district: f.district,
    cadre: f.cadre,
    reporter: f.reporter,
    text: f.text,
    // The household by its code; the name and (masked) ID number as reported sit beside it.
    household: f.household?.code ?? null,
    householdName: f.household?.name ?? null,
    householdIdNumber: f.household?.idNumber ? maskIdNumber(f.household.idNumber) : null,
    urgency: f.urgency,
    channel: f.channel,
    source: f.source,
    batch: f.batch ?? null,
    linkedTo: f.linkedTo ?? null,
    relapse: f.relapse ?? false,
    importedBy: f.importedBy ?? null,
    deadline: iso(f.deadline),
    createdAt: iso(f.createdAt),
    updatedAt: iso(f.updatedAt),
    dispatchedAt: iso(f.dispatchedAt),
    acceptedAt: iso(f.acceptedAt),
    rectifiedAt: iso(f.rectifiedAt),
    closedAt: iso(f.closedAt),
    cancelledAt: iso(f.cancelledAt),
    rectifyNote: f.rectifyNote,
    kind: f.kind ?? null,
    measure: f.measure ?? null,
    grade: options.grade ?? null,
    lastProgressAt: iso(f.lastProgressAt),
    extension: f.extension ? { deadline: iso(f.extension.deadline), reason: f.extension.reason, by: f.extension.by, at: iso(f.extension.at) } : null,
    checkedBy: f.checkedBy ?? null,
    checkNote: f.checkNote ?? null,
    routing: { confidence: f.routing.confidence, source: f.routing.source, reasons: f.routing.reasons },
    ...(options.history
      ? { history: f.history.map((h) => ({ at: iso(h.at), by: h.by, action: h.action, from: h.from, to: h.to, note: h.note, text: h.text })) }
      : {}),
  };
}

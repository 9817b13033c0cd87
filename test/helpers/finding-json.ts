/** A Finding as /api/findings returns it (CONTRACT.md), as far as tests read it. */
export interface FindingJson {
  no: number;
  status: string;
  task: number;
  item: string;
  departments: string[];
  village: string | null;
  reporter: string;
  channel: string;
  source: string;
  batch: string | null;
  linkedTo: number | null;
  importedBy: string | null;
  urgency: string;
  household: string | null;
  householdName: string | null;
  householdIdNumber: string | null;
  deadline: string | null;
  history: { by: string; action: string; text: string | null }[];
}

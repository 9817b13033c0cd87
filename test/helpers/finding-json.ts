/** A Finding as /api/findings returns it (CONTRACT.md), as far as tests read it. */
export interface FindingJson {
  no: number;
  status: string;
  task: number;
  item: string;
  departments: string[];
  village: string | null;
  reporter: string;
  source: string;
  urgency: string;
  household: { name: string | null; idNumber: string | null } | null;
  deadline: string | null;
  history: { by: string; action: string; text: string | null }[];
}

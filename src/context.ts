import type { WorkCalendar } from './calendar/work-calendar';
import type { Clock } from './clock';
import type { ClaimRepository } from './db/claims';
import type { EvidenceRepository } from './evidence/evidence.repository';
import type { BatchSetting } from './findings/batch.setting';
import type { CardRegistry } from './findings/finding-cards';
import type { FindingRepository } from './findings/finding.repository';
import type { GroupWaitingStore } from './dispatch/group-messages';
import type { HouseholdRepository } from './households/household.repository';
import type { Housekeeping } from './housekeeping/housekeeping.service';
import type { Logger } from './logger';
import type { Directory } from './org/directory';
import type { Outbox } from './outbox/outbox';
import type { WeComHealth } from './outbox/wecom-health';
import type { createCorrectionRepository } from './routing/correction.repository';
import type { createRouter } from './routing/router';
import type { WeComClient } from './wecom/wecom.client';

/**
 * What handlers, the domain and jobs are given: repositories, the outbound port, the clock, the
 * organisation. Built once in main.ts; tests build it the same way against their own database.
 */
export interface DomainContext {
  logger: Logger;
  clock: Clock;
  directory: Directory;
  findings: FindingRepository;
  claims: ClaimRepository;
  outbox: Outbox;
  /** What waits for a unit group's next collection (new findings; anything past the group's daily ceiling). */
  groupWaiting: GroupWaitingStore;
  router: ReturnType<typeof createRouter>;
  corrections: ReturnType<typeof createCorrectionRepository>;
  calendar: WorkCalendar;
  links: Links;
  /** Nightly clean-up of finished inbox events, delivered messages and old claims. */
  housekeeping: Housekeeping;
  /** Whether the self-built app can send to people (real app or simulator); without it only groups get messages. */
  appMessaging: boolean;
  /** What WeCom currently refuses (configuration faults, unreachable members), for /healthz and the dashboard. */
  wecomHealth: WeComHealth;
  /** Household records (one per household of a village, across rounds). */
  households: HouseholdRepository;
  /** The current batch (批次) of new findings. */
  batches: BatchSetting;
  /** Evidence photos of findings (GridFS). */
  evidence: EvidenceRepository;
  /** Button cards sent about findings and the codes that can still replace them. */
  cards: CardRegistry;
  /** Where photos sent in chat are fetched (media/get). */
  media: Pick<WeComClient, 'getMedia'>;
}

export interface Links {
  finding(no: number): string;
  dashboard(): string;
  household(code: string): string;
  form(): string;
}

export function createLinks(publicBaseUrl: string): Links {
  return {
    finding: (no) => `${publicBaseUrl}/dashboard/findings/${no}`,
    dashboard: () => `${publicBaseUrl}/dashboard`,
    household: (code) => `${publicBaseUrl}/dashboard/households/${encodeURIComponent(code)}`,
    form: () => `${publicBaseUrl}/form`,
  };
}

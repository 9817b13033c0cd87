import { expect } from 'chai';
import { loadConfig } from '../../config/env';
import { loadOrgConfig, type OrgConfig } from '../../config/org';
import { FixedClock } from '../../src/clock';
import { silentLogger } from '../../src/logger';
import { createService, type Service } from '../../src/main';
import type { RenderedMessage } from '../../src/simulator/sim-render';
import type { SimGroup, SimMember } from '../../src/simulator/sim-org';
import { freshDatabaseUri } from './database';

export const SIM_ADMIN_TOKEN = 'sim-admin-token-0123456789';

/** The real service in simulator mode (no WeCom credentials) on port 0, driven through the simulator's own HTTP API. */
export interface SimService {
  service: Service;
  base: string;
  clock: FixedClock;
  org: OrgConfig;
  /** A member writes to the app, as the /sim page does. */
  say(from: string, text: string): Promise<{ ok: boolean; seq: number; callbackStatus: number | null }>;
  /** A member writes in a group, @-mentioning the bot unless `bot` is false. */
  sayInGroup(from: string, conv: string, text: string, bot?: boolean): Promise<{ ok: boolean; seq: number; callbackStatus: number | null }>;
  /** A member clicks a card button; resolves with the HTTP status and body of /sim/click. */
  click(from: string, seq: number, key: string): Promise<{ status: number; body: { ok?: boolean; error?: { message: string } } }>;
  /** Everything every conversation holds now, as the page shows it. */
  messages(conv?: string): Promise<RenderedMessage[]>;
  /** The last message a conversation received from the bot. */
  last(conv: string): Promise<RenderedMessage | undefined>;
  simOrg(): Promise<{ groups: SimGroup[]; members: SimMember[] }>;
  settle(): Promise<void>;
  api(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export async function startSimService(options: { now?: string; org?: OrgConfig; databaseUri?: string } = {}): Promise<SimService> {
  const clock = new FixedClock(options.now ?? '2026-12-01T09:00:00+08:00');
  const org = options.org ?? loadOrgConfig('config/org.example.yaml');
  // No WECOM_* at all: simulator mode.
  const config = loadConfig({ PORT: '0', MONGODB_URI: options.databaseUri ?? freshDatabaseUri('sim'), ADMIN_TOKEN: SIM_ADMIN_TOKEN, LOG_LEVEL: 'silent' });
  expect(config.simulator).to.equal(true);
  const service = createService({ config, org, logger: silentLogger(), clock, schedule: false });
  const { port } = await service.start();
  const base = `http://127.0.0.1:${port}`;

  const state = async (): Promise<{ items: RenderedMessage[]; org: { groups: SimGroup[]; members: SimMember[] } }> =>
    (await (await fetch(`${base}/sim/state`)).json()) as { items: RenderedMessage[]; org: { groups: SimGroup[]; members: SimMember[] } };
  const messages = async (conv?: string): Promise<RenderedMessage[]> =>
    (await state()).items.filter((m) => conv === undefined || m.conv === conv).sort((a, b) => a.seq - b.seq);

  const said = async (body: unknown) => {
    const { status, json } = await postJson(`${base}/sim/say`, body);
    expect(status, JSON.stringify(json)).to.equal(200);
    return json as { ok: boolean; seq: number; callbackStatus: number | null };
  };

  return {
    service,
    base,
    clock,
    org,
    say: (from, text) => said({ from, text }),
    sayInGroup: (from, conv, text, bot = true) => said({ from, text, conv, bot }),
    async click(from, seq, key) {
      const { status, json } = await postJson(`${base}/sim/click`, { from, seq, key });
      return { status, body: json };
    },
    messages,
    last: async (conv) => (await messages(conv)).filter((m) => m.direction === 'out').at(-1),
    simOrg: async () => (await state()).org,
    settle: () => service.idle(),
    api: (path, init) => fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${SIM_ADMIN_TOKEN}`, 'content-type': 'application/json', ...(init?.headers ?? {}) } }),
    stop: () => service.stop(),
  };
}

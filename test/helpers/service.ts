import { loadConfig } from '../../config/env';
import { loadOrgConfig, type OrgConfig } from '../../config/org';
import { FixedClock } from '../../src/clock';
import { silentLogger, type Logger } from '../../src/logger';
import { createService, type Service } from '../../src/main';
import { plannedChats } from '../../src/org/groups-create.command';
import { freshDatabaseUri } from './database';
import { startFakeWeCom, type FakeWeCom } from './fake-wecom';
import { appCardClickXml, appTextXml, signedAppCallback, TEST_APP } from './wecom-signer';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const AGENT_ID = '1000002';

/** The real service on port 0, its own database, a fake WeCom, and a fixed clock. */
export interface TestService {
  service: Service;
  base: string;
  wecom: FakeWeCom;
  clock: FixedClock;
  org: OrgConfig;
  /** A user writes to the app (signed, encrypted callback); resolves with the HTTP status. */
  say(from: string, content: string, msgId?: string): Promise<number>;
  /** A user clicks a card button. */
  click(from: string, eventKey: string, responseCode?: string): Promise<number>;
  /** Waits until the callbacks are processed and the messages delivered. */
  settle(): Promise<void>;
  api(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

let msgSeq = 7_300_000_000_000_000_000n; // MsgIds are above 2^53, as WeCom's are

export interface TestServiceOptions {
  now?: string;
  org?: OrgConfig;
  env?: Record<string, string>;
  /** Share a database (several instances); default: a fresh one. */
  databaseUri?: string;
  /** Share a fake WeCom (several instances); it is then not closed by stop(). */
  wecom?: FakeWeCom;
  /** Share a clock (several instances). */
  clock?: FixedClock;
  logger?: Logger;
  /**
   * dispatch.collectMinutes for this run: 0 (each finding's message at once) unless a spec is
   * about the collection, so that specs about other things see one message per finding. The
   * group's daily ceiling likewise stays out of their way unless the spec is about it.
   */
  collectMinutes?: number;
  groupDailyLimit?: number;
}

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const clock = options.clock ?? new FixedClock(options.now ?? '2026-12-01T09:00:00+08:00');
  const given = options.org ?? loadOrgConfig('config/org.example.yaml');
  const org: OrgConfig = {
    ...given,
    dispatch: { collectMinutes: options.collectMinutes ?? 0, groupDailyLimit: options.groupDailyLimit ?? (options.collectMinutes === undefined ? 10_000 : given.dispatch.groupDailyLimit) },
  };
  const wecom = options.wecom ?? (await startFakeWeCom({ clock }));
  if (!options.wecom) createOrgChats(wecom, org);
  const config = loadConfig({
    PORT: '0',
    MONGODB_URI: options.databaseUri ?? freshDatabaseUri('svc'),
    WECOM_API_BASE: wecom.base,
    WECOM_CORP_ID: TEST_APP.corpId,
    WECOM_AGENT_ID: AGENT_ID,
    WECOM_SECRET: 'test-secret',
    WECOM_TOKEN: TEST_APP.token,
    WECOM_ENCODING_AES_KEY: TEST_APP.encodingAesKey,
    ADMIN_TOKEN,
    PUBLIC_BASE_URL: 'https://bot.example.gov.cn',
    ...options.env,
  });
  const service = createService({ config, org, logger: options.logger ?? silentLogger(), clock, schedule: false });
  const { port } = await service.start();
  const base = `http://127.0.0.1:${port}`;
  const timestamp = (): string => String(Math.floor(clock.now().getTime() / 1000));

  const post = async (xml: string): Promise<number> => {
    const signed = signedAppCallback({ ...TEST_APP, xml, timestamp: timestamp() });
    const res = await fetch(`${base}/wecom/callback?${signed.query}`, { method: 'POST', body: signed.body });
    await res.arrayBuffer();
    return res.status;
  };
  const createTime = (): number => Math.floor(clock.now().getTime() / 1000);

  return {
    service,
    base,
    wecom,
    clock,
    org,
    say: (from, content, msgId) => post(appTextXml({ from, content, msgId: msgId ?? String(msgSeq++), createTime: createTime(), agentId: AGENT_ID })),
    // WeCom hands out the click's response_code (update_template_card takes it once) and sends back
    // the task_id of the latest card that person got with this button.
    click: (from, eventKey, responseCode) => {
      const card = wecom
        .toUser(from)
        .map((r) => r.body.template_card as { task_id?: string; button_list?: { key?: string }[] } | undefined)
        .filter((c) => c?.button_list?.some((b) => b.key === eventKey))
        .at(-1);
      return post(appCardClickXml({ from, eventKey, taskId: card?.task_id ?? 'task', responseCode: wecom.issueClickCode(responseCode), createTime: createTime(), agentId: AGENT_ID }));
    },
    settle: () => service.idle(),
    api: (path, init) => fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...(init?.headers ?? {}) } }),
    async stop() {
      await service.stop();
      if (!options.wecom) await wecom.close();
    },
  };
}

/** The organisation file's app chats, created by the app as `cli groups create` does. */
export function createOrgChats(wecom: FakeWeCom, org: OrgConfig): void {
  for (const { chatid, userlist, owner, name } of plannedChats(org)) if (chatid && !wecom.state.chat(chatid)) wecom.createChat({ chatid, userlist, owner, name });
}

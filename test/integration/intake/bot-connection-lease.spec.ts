import { expect } from 'chai';
import type { Connection } from 'mongoose';
import { FixedClock } from '../../../src/clock';
import { createClaimRepository } from '../../../src/db/claims';
import { openDatabase } from '../../../src/db/connection';
import { createConnectionLease } from '../../../src/wecom/connection-lease';
import { freshDatabaseUri } from '../../helpers/database';
import { startFakeBotServer, until, type FakeBotServer } from '../../helpers/fake-bot-server';
import { startFakeWeCom, type FakeWeCom } from '../../helpers/fake-wecom';
import { recordingLogger } from '../../helpers/recording-logger';
import { startTestService, type TestService } from '../../helpers/service';

describe('one smart-bot long connection among several instances', function () {
  this.timeout(60_000);

  describe('the lease (real database)', () => {
    let connection: Connection;
    let clock: FixedClock;
    beforeEach(async () => {
      connection = await openDatabase(freshDatabaseUri('lease'));
      clock = new FixedClock('2026-12-01T09:00:00+08:00');
    });
    afterEach(async () => {
      await connection.dropDatabase();
      await connection.close();
    });
    const lease = (owner: string) => createConnectionLease({ claims: createClaimRepository(connection, clock), key: 'bot-connection:b1', owner, clock, slotMs: 15_000 });

    it('has one holder; a standby takes over at most two slots after the holder stops renewing', async () => {
      const a = lease('a');
      const b = lease('b');
      expect(await a.tick()).to.equal(true);
      expect(await b.tick()).to.equal(false);
      for (let i = 0; i < 4; i++) {
        clock.advance(15_000);
        expect(await b.tick(), `standby, slot ${i}`).to.equal(false);
        expect(await a.tick(), `holder, slot ${i}`).to.equal(true);
      }
      // The holder dies: it claimed the next slot ahead, so the standby waits that one out.
      clock.advance(15_000);
      expect(await b.tick()).to.equal(false);
      clock.advance(15_000);
      expect(await b.tick()).to.equal(true);
    });

    it('passes at once to a standby when the holder gives it up', async () => {
      const a = lease('a');
      const b = lease('b');
      expect(await a.tick()).to.equal(true);
      expect(await b.tick()).to.equal(false);
      await a.release();
      expect(await b.tick()).to.equal(true);
      expect(await a.tick()).to.equal(false);
    });
  });

  describe('two instances of the service on one database', () => {
    let server: FakeBotServer;
    let wecom: FakeWeCom;
    let a: TestService | undefined;
    let b: TestService | undefined;
    let log = recordingLogger('info');

    beforeEach(async () => {
      server = await startFakeBotServer();
      wecom = await startFakeWeCom();
      log = recordingLogger('info');
    });
    afterEach(async () => {
      await a?.stop();
      await b?.stop();
      a = b = undefined;
      await server.close();
      await wecom.close();
    });

    const start = (uri: string, clock: FixedClock, withLog = false) =>
      startTestService({
        databaseUri: uri,
        wecom,
        clock,
        env: { WECOM_BOT_ID: 'bot-yaocun', WECOM_BOT_SECRET: 'bot-secret', WECOM_BOT_WS_URL: server.url },
        ...(withLog ? { logger: log.logger } : {}),
      });

    it('connects from one instance only; the other takes over when it stops, and answers the next message', async () => {
      const uri = freshDatabaseUri('twobots');
      const clock = new FixedClock('2026-12-01T09:00:00+08:00');
      a = await start(uri, clock);
      await until(() => server.auths.length === 1);
      b = await start(uri, clock);
      await new Promise((r) => setTimeout(r, 4_000)); // more than one look at the lease by each
      expect(server.auths).to.have.length(1);
      expect(server.open).to.equal(1);

      await a.stop();
      a = undefined;
      await until(() => server.auths.length === 2, 10_000);
      server.push({ msgid: 'ws-take-over', aibotid: 'bot-yaocun', chatid: 'CHAT-DONGLING', chattype: 'group', from: { userid: 'zhuxia' }, msgtype: 'text', text: { content: '@回头看助手 东岭村李某某家危房，屋顶漏雨' } });
      await until(async () => (await b!.service.domain.findings.count()) === 1, 10_000);
      await until(() => server.sent.some((s) => s.content.includes('已收到，编号 1')), 10_000);
    });

    it("logs WeCom's disconnected_event as another connection taking over, not as a reconnect", async () => {
      a = await start(freshDatabaseUri('kicked'), new FixedClock('2026-12-01T09:00:00+08:00'), true);
      await until(() => server.auths.length === 1);
      server.pushEvent('disconnected_event');
      await until(() => log.lines.some((l) => l.msg.includes('另一条长连接已建立')), 5_000);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(log.lines.filter((l) => l.msg.includes('将自动重连'))).to.deep.equal([]);
      expect(server.auths).to.have.length(1);
    });
  });
});

import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logger';

/** What a terminal shows: the readable lines, written to a buffer instead. */
async function prettyLine(timeZone: string, write: (logger: ReturnType<typeof createLogger>) => void): Promise<string> {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  const logger = createLogger({ pretty: true, timeZone, destination: sink as never });
  write(logger);
  for (let i = 0; i < 50 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 10));
  return out;
}

describe('log lines on a terminal', () => {
  it('give their time in the town’s zone, whatever the machine’s zone is', async () => {
    const before = Date.now();
    const line = await prettyLine('Asia/Shanghai', (l) => l.info('机器人已启动'));
    const shanghai = (t: number): string =>
      new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(t));
    // Minute precision around the call; a minute boundary between the two is allowed for.
    const shown = /\[(\d\d)\/(\d\d) (\d\d:\d\d):\d\d\]/.exec(line);
    expect(shown, line).to.not.equal(null);
    expect([shanghai(before), shanghai(Date.now())]).to.include(shown![3]);
    expect(line).to.contain('机器人已启动');

    const other = await prettyLine('America/New_York', (l) => l.info('x'));
    const ny = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', hourCycle: 'h23' }).format(new Date());
    expect(/\[\d\d\/\d\d (\d\d):/.exec(other)?.[1]).to.equal(ny);
  });

  it('mask personal numbers and never show a secret', async () => {
    const line = await prettyLine('Asia/Shanghai', (l) => l.info({ secret: 'S3CRET-VALUE' }, '东岭村王某某 身份证 110101199003071234'));
    expect(line).not.to.contain('S3CRET-VALUE');
    expect(line).not.to.contain('110101199003071234');
  });
});

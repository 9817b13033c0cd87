import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { downloadGrowth, PROGRESS_EVERY_MS, reportProgress, type ProgressClock } from '../../../src/db/embedded-db';

/** A clock that moves only when the spec says, firing the progress timer as a real one would. */
function fakeClock(): ProgressClock & { advance(ms: number): void; timers: number } {
  let now = 1_700_000_000_000;
  const timers: { every: number; next: number; fn: () => void }[] = [];
  return {
    now: () => now,
    every(ms, fn) {
      const timer = { every: ms, next: now + ms, fn };
      timers.push(timer);
      return () => void timers.splice(timers.indexOf(timer), 1);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0];
        if (!due) break;
        now = due.next;
        due.next += due.every;
        due.fn();
      }
      now = end;
    },
    get timers() {
      return timers.length;
    },
  };
}

describe('the FerretDB build’s progress lines', () => {
  it('says every 5 seconds what Go is doing, the seconds gone and the MB downloaded, and stops with the build', () => {
    const clock = fakeClock();
    const lines: string[] = [];
    let downloaded = 0;
    const progress = reportProgress((l) => lines.push(l), { downloadedBytes: () => downloaded, clock });
    expect(PROGRESS_EVERY_MS).to.equal(5_000);

    progress.stage('正在下载 FerretDB 源码');
    clock.advance(4_999);
    expect(lines).to.deep.equal([]); // nothing before the first 5 seconds
    clock.advance(1);
    downloaded = 212_400_000;
    progress.stage('正在下载依赖并编译');
    clock.advance(10_000);
    downloaded = 951_600_000;
    clock.advance(5_000);
    expect(lines).to.deep.equal([
      '正在下载 FerretDB 源码… 已用 5 秒，已下载 0 MB',
      '正在下载依赖并编译… 已用 10 秒，已下载 212 MB',
      '正在下载依赖并编译… 已用 15 秒，已下载 212 MB',
      '正在下载依赖并编译… 已用 20 秒，已下载 952 MB',
    ]);

    progress.stop();
    expect(clock.timers).to.equal(0);
    clock.advance(60_000);
    expect(lines).to.have.length(4);
  });

  it('gives the time alone when there is no download cache to measure', () => {
    const clock = fakeClock();
    const lines: string[] = [];
    const progress = reportProgress((l) => lines.push(l), { downloadedBytes: downloadGrowth(undefined), clock });
    progress.stage('正在下载依赖并编译');
    clock.advance(12_000);
    progress.stop();
    expect(lines).to.deep.equal(['正在下载依赖并编译… 已用 5 秒', '正在下载依赖并编译… 已用 10 秒']);
  });

  it('counts what lands in the download cache after the build starts, not what was there', () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'yaocun-gocache-'));
    try {
      mkdirSync(path.join(cache, 'golang.org', 'x', 'text', '@v'), { recursive: true });
      writeFileSync(path.join(cache, 'golang.org', 'x', 'text', '@v', 'v0.14.0.zip'), Buffer.alloc(3_000_000));
      const growth = downloadGrowth(cache);
      expect(growth()).to.equal(0);
      mkdirSync(path.join(cache, 'github.com', '!ferret!d!b', '@v'), { recursive: true });
      writeFileSync(path.join(cache, 'github.com', '!ferret!d!b', '@v', 'v1.24.0.zip'), Buffer.alloc(2_500_000));
      writeFileSync(path.join(cache, 'golang.org', 'x', 'text', '@v', 'v0.14.0.mod'), Buffer.alloc(1_000));
      expect(growth()).to.equal(2_501_000);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

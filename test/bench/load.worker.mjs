// Load generator for test/bench/run.ts, in a worker thread so it does not share the server's
// event loop. Plain JavaScript: it only sends requests that the main thread signed.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, requests, concurrency, durationMs, warmup } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function send(r) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.request(
      { host: target.hostname, port: target.port, path: `${target.pathname}?${r.query}`, method: 'POST', agent, headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(r.body), ...(r.ip ? { 'x-forwarded-for': r.ip } : {}) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    req.end(r.body);
  });
}

let next = 0;
const take = () => (next < requests.length ? requests[next++] : undefined);

// Warm-up: connections open, code paths compiled.
for (let i = 0; i < warmup; i++) {
  const r = take();
  if (r) await send(r);
}

const latencies = [];
const statuses = {};
const started = performance.now();
const deadline = started + durationMs;
async function lane() {
  for (;;) {
    if (performance.now() >= deadline) return;
    const r = take();
    if (!r) return;
    const { status, ms } = await send(r);
    statuses[status] = (statuses[status] ?? 0) + 1;
    latencies.push(ms);
  }
}
await Promise.all(Array.from({ length: concurrency }, lane));
const elapsed = performance.now() - started;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? null;
agent.destroy();
parentPort.postMessage({ requests: latencies.length, seconds: elapsed / 1000, rps: latencies.length / (elapsed / 1000), p50: at(0.5), p99: at(0.99), statuses, exhausted: next >= requests.length });

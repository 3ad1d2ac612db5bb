/**
 * Holds many slow streams open at once, so the parent can weigh what each costs the proxy.
 * Opens `count` streams, prints `{"opened": n, ...}` once each has delivered its first chunk (or
 * the wait runs out), then keeps them open until a line arrives on stdin, closes them all and
 * prints `{"closed": true}`.
 */
import http from 'node:http';
import { createInterface } from 'node:readline';
import { clientArgs } from './request-spec.js';

export interface IdleOptions {
  count: number;
  openTimeoutMs: number;
}

const OPEN_BATCH = 100;
const OPEN_PAUSE_MS = 50;

const { spec, options } = clientArgs<IdleOptions>(process.argv.slice(2));
// A fresh connection per stream: the point is to hold `count` of them at once.
const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
const requests: http.ClientRequest[] = [];
let opened = 0;
let failed = 0;
let reportOpen: () => void = () => {};
const allOpen = new Promise<void>((resolve) => {
  reportOpen = resolve;
});

/** Counts each stream once: open at its first chunk of a 200, failed on anything else. */
function open(): http.ClientRequest {
  let counted = false;
  const count = (ok: boolean) => {
    if (counted) return;
    counted = true;
    if (ok) opened++;
    else failed++;
    if (opened + failed === options.count) reportOpen();
  };
  const req = http.request(spec.url, { method: spec.method, headers: spec.headers, agent }, (res) => {
    res.once('data', () => count(res.statusCode === 200));
    res.on('error', () => count(false));
  });
  req.on('error', () => count(false));
  req.end(spec.body);
  return req;
}

// Open them in batches: a thousand SYNs at once overflow the listen backlog (511 in Node) and the
// retransmits, a second or more later, would be timed as the target's slowness.
for (let i = 0; i < options.count; i++) {
  requests.push(open());
  if (i % OPEN_BATCH === OPEN_BATCH - 1) await new Promise((resolve) => setTimeout(resolve, OPEN_PAUSE_MS));
}

await Promise.race([allOpen, new Promise((resolve) => setTimeout(resolve, options.openTimeoutMs))]);
// A stream still waiting is one the target could not open: an upstream connection cap queues it.
console.log(JSON.stringify({ opened, failed, requested: options.count }));
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
for (const req of requests) req.destroy();
console.log(JSON.stringify({ closed: true }));
process.exit(0);

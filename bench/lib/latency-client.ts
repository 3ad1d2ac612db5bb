/**
 * One connection, one request at a time, timed to the microsecond: the 1-connection cells need
 * finer figures than autocannon's whole-millisecond histogram, since a proxy adds tens of µs.
 * Runs as its own process and prints one JSON line (milliseconds).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client, type Dispatcher } from 'undici';
import { clientArgs } from './request-spec.js';
import { spreadOf } from './stats.js';

export interface LatencyOptions {
  seconds: number;
  warmupSeconds: number;
}

const { spec, options } = clientArgs<LatencyOptions>(process.argv.slice(2));
const url = new URL(spec.url);
const client = new Client(url.origin, { pipelining: 1 });
const body = spec.bodyFile ? readFileSync(spec.bodyFile) : (spec.body ?? null);
const request: Dispatcher.RequestOptions = {
  path: url.pathname + url.search,
  method: spec.method,
  headers: spec.headers,
  body,
};

async function once(): Promise<boolean> {
  const res = await client.request(request);
  await res.body.arrayBuffer();
  return res.statusCode < 400;
}

async function loop(seconds: number, samples: number[] | undefined): Promise<number> {
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const start = performance.now();
    const ok = await once().catch(() => false);
    if (!ok) errors++;
    samples?.push(performance.now() - start);
  }
  return errors;
}

await loop(options.warmupSeconds, undefined);
const samples: number[] = [];
const started = performance.now();
const errors = await loop(options.seconds, samples);
const elapsed = (performance.now() - started) / 1000;
await client.close();
console.log(JSON.stringify({ requests: samples.length, errors, rps: samples.length / elapsed, ...spreadOf(samples) }));

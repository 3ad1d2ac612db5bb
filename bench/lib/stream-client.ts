/**
 * Streams (SSE or NDJSON) timed chunk by chunk: time to the first body byte, and the gap between
 * successive chunks, which is where a proxy that buffers or coalesces tokens shows. Runs as its
 * own process, `concurrency` streams at a time, and prints one JSON line (milliseconds).
 */
import { performance } from 'node:perf_hooks';
import { type Dispatcher, Pool } from 'undici';
import { clientArgs } from './request-spec.js';
import { spreadOf } from './stats.js';

export interface StreamOptions {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
}

interface Samples {
  ttfb: number[];
  gaps: number[];
  chunks: number;
  streams: number;
  errors: number;
}

const { spec, options } = clientArgs<StreamOptions>(process.argv.slice(2));
const url = new URL(spec.url);
const pool = new Pool(url.origin, { connections: options.concurrency, pipelining: 1 });
const request: Dispatcher.RequestOptions = {
  path: url.pathname + url.search,
  method: spec.method,
  headers: spec.headers,
  body: spec.body ?? null,
};

async function stream(samples: Samples): Promise<void> {
  const start = performance.now();
  const res = await pool.request(request);
  let last = 0;
  for await (const _chunk of res.body) {
    const now = performance.now();
    if (last === 0) samples.ttfb.push(now - start);
    else samples.gaps.push(now - last);
    last = now;
    samples.chunks++;
  }
  if (res.statusCode >= 400 || last === 0) samples.errors++;
  samples.streams++;
}

async function worker(end: number, samples: Samples): Promise<void> {
  while (performance.now() < end) {
    await stream(samples).catch(() => {
      samples.errors++;
    });
  }
}

async function run(seconds: number): Promise<{ samples: Samples; elapsed: number }> {
  const samples: Samples = { ttfb: [], gaps: [], chunks: 0, streams: 0, errors: 0 };
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(Array.from({ length: options.concurrency }, () => worker(end, samples)));
  return { samples, elapsed: (performance.now() - started) / 1000 };
}

await run(options.warmupSeconds);
const { samples, elapsed } = await run(options.seconds);
await pool.close();
console.log(
  JSON.stringify({
    streams: samples.streams,
    errors: samples.errors,
    rps: samples.streams / elapsed,
    chunksPerStream: samples.streams ? samples.chunks / samples.streams : 0,
    ttfb: spreadOf(samples.ttfb),
    gap: spreadOf(samples.gaps),
  }),
);

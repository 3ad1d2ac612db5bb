/**
 * Streams (SSE or NDJSON) timed chunk by chunk: time to the first body byte, and the gap between
 * successive chunks, which is where a proxy that buffers or coalesces tokens shows. Runs as its
 * own process, `concurrency` streams at a time, and prints one JSON line (milliseconds).
 *
 * With a `baseline` (the mock hit directly), each worker alternates one stream through the target
 * with one straight to the mock, which goes first alternating too, so the first-byte times of both
 * come from the same seconds of the same machine. One after the other, a 200-token stream takes
 * 0.22 s and a cell holds some twenty of them: on a shared two-core machine a neighbour's burst
 * during one cell and not the other moved the added first byte by ±1 ms, twice the 0.5 ms goal.
 */
import { performance } from 'node:perf_hooks';
import { type Dispatcher, Pool } from 'undici';
import { clientArgs, type RequestSpec } from './request-spec.js';
import { spreadOf } from './stats.js';

export interface StreamOptions {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  /** Keep going past `seconds` until each side has this many streams (the first-byte p50 needs them). */
  minStreams?: number;
  /** The same request straight to the mock, interleaved with the target's. */
  baseline?: RequestSpec;
}

interface Samples {
  /** Time to the response head: where a proxy's request path shows, before any token is relayed. */
  heads: number[];
  ttfb: number[];
  gaps: number[];
  chunks: number;
  streams: number;
  errors: number;
  /** Seconds spent in this side's streams, summed over the workers. */
  busy: number;
}

/** One place streams go: its pool, its request, and what its streams measured. */
interface Side {
  pool: Pool;
  request: Dispatcher.RequestOptions;
  samples: Samples;
}

const { spec, options } = clientArgs<StreamOptions>(process.argv.slice(2));

function sideFor(target: RequestSpec): Side {
  const url = new URL(target.url);
  return {
    pool: new Pool(url.origin, { connections: options.concurrency, pipelining: 1 }),
    request: {
      path: url.pathname + url.search,
      method: target.method,
      headers: target.headers,
      body: target.body ?? null,
    },
    samples: emptySamples(),
  };
}

function emptySamples(): Samples {
  return { heads: [], ttfb: [], gaps: [], chunks: 0, streams: 0, errors: 0, busy: 0 };
}

async function stream(side: Side): Promise<void> {
  const { samples } = side;
  const start = performance.now();
  const res = await side.pool.request(side.request);
  samples.heads.push(performance.now() - start);
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

async function counted(side: Side): Promise<void> {
  const start = performance.now();
  await stream(side).catch(() => {
    side.samples.errors++;
  });
  side.samples.busy += (performance.now() - start) / 1000;
}

async function worker(end: number, minStreams: number, sides: Side[], first: number): Promise<void> {
  const [target] = sides;
  for (let round = first; performance.now() < end || target!.samples.streams < minStreams; round++) {
    for (let i = 0; i < sides.length; i++) await counted(sides[(round + i) % sides.length]!);
  }
}

async function run(seconds: number, minStreams: number, sides: Side[]): Promise<void> {
  for (const side of sides) side.samples = emptySamples();
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(end, minStreams, sides, i)));
}

const sides = [sideFor(spec), ...(options.baseline ? [sideFor(options.baseline)] : [])];
await run(options.warmupSeconds, 0, sides);
await run(options.seconds, options.minStreams ?? 0, sides);
await Promise.all(sides.map((side) => side.pool.close()));
const [target, baseline] = sides as [Side, Side | undefined];
const { samples } = target;
const baselineTimes = baseline
  ? { baselineTtfb: spreadOf(baseline.samples.ttfb), baselineHead: spreadOf(baseline.samples.heads) }
  : undefined;
console.log(
  JSON.stringify({
    streams: samples.streams,
    errors: samples.errors,
    // Streams a second while streaming to the target (the baseline's turns left out).
    rps: samples.busy > 0 ? (samples.streams * options.concurrency) / samples.busy : 0,
    chunksPerStream: samples.streams ? samples.chunks / samples.streams : 0,
    head: spreadOf(samples.heads),
    ttfb: spreadOf(samples.ttfb),
    gap: spreadOf(samples.gaps),
    ...(baselineTimes ? { ...baselineTimes, baselineStreams: baseline!.samples.streams } : {}),
  }),
);

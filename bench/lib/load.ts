/**
 * The bench's side of each load generator: start it as a child process, hand it the request and
 * read back its one-line JSON summary. The generators never share a process with a target.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { IdleOptions } from './idle-streams.js';
import type { LatencyOptions } from './latency-client.js';
import { BenchProcess, NODE_TS } from './processes.js';
import type { RequestSpec } from './request-spec.js';
import type { Spread } from './stats.js';
import type { StreamOptions } from './stream-client.js';
import { type WrkJson, writeWrkScript, wrkArgs, wrkAvailable } from './wrk.js';

export interface LoadResult extends Spread {
  rps: number;
  requests: number;
  errors: number;
  /** Response bytes per second, where the generator counts them. */
  bytesPerSecond?: number;
}

export interface StreamResult {
  rps: number;
  streams: number;
  errors: number;
  chunksPerStream: number;
  head: Spread;
  ttfb: Spread;
  gap: Spread;
  /** With a baseline: the first-byte times of the streams to it, interleaved with the target's. */
  baselineTtfb?: Spread;
  /** With a baseline: the times to its response heads. */
  baselineHead?: Spread;
  baselineStreams?: number;
}

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const client = (name: string) => fileURLToPath(new URL(`./${name}.ts`, import.meta.url));

async function runToJson<T>(name: string, command: string, args: string[], timeoutMs: number): Promise<T> {
  const proc = new BenchProcess(name, command, args, {});
  try {
    return await proc.waitForJson<T>(timeoutMs);
  } finally {
    await proc.stop();
  }
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  throughput: { average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

function autocannonArgs(spec: RequestSpec, connections: number, seconds: number): string[] {
  const args = [AUTOCANNON, '--json', '-c', String(connections), '-d', String(seconds), '-m', spec.method];
  for (const [name, value] of Object.entries(spec.headers)) args.push('-H', `${name}=${value}`);
  if (spec.bodyFile) args.push('-i', spec.bodyFile);
  else if (spec.body) args.push('-b', spec.body);
  args.push(spec.url);
  return args;
}

/** Which generator `throughput` uses on this machine, for the report. */
export const THROUGHPUT_GENERATOR = wrkAvailable() ? 'wrk -t1' : 'autocannon';

/** Requests at `connections` for `seconds`, after an unrecorded warm-up: wrk where installed, else autocannon. */
export function throughput(
  spec: RequestSpec,
  options: { connections: number; seconds: number; warmupSeconds: number },
): Promise<LoadResult> {
  return THROUGHPUT_GENERATOR === 'autocannon' ? autocannon(spec, options) : wrk(spec, options);
}

async function wrk(
  spec: RequestSpec,
  options: { connections: number; seconds: number; warmupSeconds: number },
): Promise<LoadResult> {
  const timeout = (options.seconds + 30) * 1000;
  const script = writeWrkScript(spec);
  try {
    if (options.warmupSeconds > 0) {
      await runToJson(
        'wrk warm-up',
        'wrk',
        wrkArgs(script.file, spec.url, options.connections, options.warmupSeconds),
        timeout,
      );
    }
    const r = await runToJson<WrkJson>(
      'wrk',
      'wrk',
      wrkArgs(script.file, spec.url, options.connections, options.seconds),
      timeout,
    );
    const seconds = r.durationUs / 1e6;
    return {
      rps: r.requests / seconds,
      requests: r.requests,
      errors: r.errors,
      p50: r.p50,
      p99: r.p99,
      max: r.max,
      bytesPerSecond: r.bytes / seconds,
    };
  } finally {
    script.dispose();
  }
}

/** autocannon at `connections` for `seconds`, after an unrecorded warm-up run. */
async function autocannon(
  spec: RequestSpec,
  options: { connections: number; seconds: number; warmupSeconds: number },
): Promise<LoadResult> {
  const timeout = (options.seconds + 30) * 1000;
  if (options.warmupSeconds > 0) {
    await runToJson(
      'autocannon warm-up',
      process.execPath,
      autocannonArgs(spec, options.connections, options.warmupSeconds),
      timeout,
    );
  }
  const r = await runToJson<AutocannonJson>(
    'autocannon',
    process.execPath,
    autocannonArgs(spec, options.connections, options.seconds),
    timeout,
  );
  return {
    rps: r.requests.average,
    requests: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    bytesPerSecond: r.throughput.average,
  };
}

/** One connection, µs-precise (see latency-client.ts). */
export function latency(spec: RequestSpec, options: LatencyOptions): Promise<LoadResult> {
  const timeout = (options.seconds + options.warmupSeconds + 30) * 1000;
  return runToJson(
    'latency client',
    NODE_TS[0],
    [...NODE_TS.slice(1), client('latency-client'), JSON.stringify(spec), JSON.stringify(options)],
    timeout,
  );
}

export function streams(spec: RequestSpec, options: StreamOptions): Promise<StreamResult> {
  // The minimum stream count may hold the client past its seconds: a 200-token stream is ~0.25 s.
  const extra = (options.minStreams ?? 0) * (options.baseline ? 2 : 1) * 0.5;
  const timeout = (options.seconds + options.warmupSeconds + extra + 60) * 1000;
  return runToJson(
    'stream client',
    NODE_TS[0],
    [...NODE_TS.slice(1), client('stream-client'), JSON.stringify(spec), JSON.stringify(options)],
    timeout,
  );
}

export interface HeldStreams {
  opened: number;
  failed: number;
  requested: number;
  close(): Promise<void>;
}

/** Opens `count` slow streams and keeps them open until `close()`. */
export async function holdStreams(spec: RequestSpec, options: IdleOptions): Promise<HeldStreams> {
  const proc = new BenchProcess(
    'idle streams',
    NODE_TS[0],
    [...NODE_TS.slice(1), client('idle-streams'), JSON.stringify(spec), JSON.stringify(options)],
    {},
  );
  const counts = await proc.waitForJson<Omit<HeldStreams, 'close'>>(options.openTimeoutMs + 30_000);
  return {
    ...counts,
    async close() {
      proc.send('close');
      await proc.waitForLine((line) => line.includes('"closed"'), 10_000).catch(() => undefined);
      await proc.stop();
    },
  };
}

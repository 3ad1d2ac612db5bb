/**
 * The `olla-shared` target: two Olla instances sharing one redis-server (started by the bench,
 * empty, on a free loopback port), with the load sent to the first. Every request then pays the
 * store round trip its limits need (the shipped config's rate limits), so the row beside `olla`
 * weighs what sharing state costs; the second instance is up and shares the same buckets.
 */
import { BenchProcess, freePort } from './processes.js';

export interface BenchRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startBenchRedis(binary: string): Promise<BenchRedis> {
  const port = await freePort();
  const proc = new BenchProcess(
    'redis',
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
  );
  await proc.waitForLine((line) => line.includes('Ready to accept connections'), 10_000);
  return { url: `redis://127.0.0.1:${port}`, stop: () => proc.stop() };
}

/** The Olla config with `state.redis` pointing at the bench's store (appended as a top-level section). */
export function withSharedState(url: string): (yaml: string) => string {
  return (yaml) => `${yaml.trimEnd()}\nstate:\n  redis:\n    url: "${url}"\n    key_prefix: "bench:"\n`;
}

/**
 * wrk as the bench's throughput generator where it is installed: one C thread drives the
 * connections, so the generator is not the ceiling it can be for a Node generator on a small
 * machine (the figures were taken with `wrk -t1`). A Lua script sets the request and prints
 * the summary as one JSON line, which the bench reads like autocannon's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestSpec } from './request-spec.js';

export interface WrkJson {
  requests: number;
  durationUs: number;
  bytes: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/** Whether a `wrk` binary answers on the PATH (OLLA_BENCH_LOAD=autocannon forces the fallback). */
export function wrkAvailable(): boolean {
  if (process.env.OLLA_BENCH_LOAD === 'autocannon') return false;
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && /^wrk /m.test(`${probe.stdout}${probe.stderr}`);
}

const lua = (value: string) => JSON.stringify(value);

/** The Lua script for one spec: the body inline or read once from its file, and a JSON summary at the end. */
export function wrkScript(spec: RequestSpec): string {
  const headers = Object.entries(spec.headers).map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}`);
  const body = spec.bodyFile
    ? `local file = io.open(${lua(spec.bodyFile)}, "rb")\nwrk.body = file:read("*a")\nfile:close()`
    : spec.body !== undefined
      ? `wrk.body = ${lua(spec.body)}`
      : '';
  return [
    `wrk.method = ${lua(spec.method)}`,
    ...headers,
    body,
    'function done(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'{"requests":%d,"durationUs":%d,"bytes":%d,"errors":%d,"p50":%.3f,"p99":%.3f,"max":%.3f}\\n\',',
    '    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.status + e.timeout,',
    '    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))',
    'end',
    '',
  ].join('\n');
}

/** Writes the script for `spec` to a temporary file; the caller removes it with `dispose`. */
export function writeWrkScript(spec: RequestSpec): { file: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'olla-bench-wrk-'));
  const file = join(dir, 'request.lua');
  writeFileSync(file, wrkScript(spec));
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function wrkArgs(script: string, url: string, connections: number, seconds: number): string[] {
  // Two seconds of socket timeout: a request slower than that on a local mock is an error, as in autocannon.
  return ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '2s', '-s', script, url];
}

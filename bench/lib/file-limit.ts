/**
 * The open-file limit the bench's processes run under. Each held stream costs the proxy two
 * descriptors (the client's socket and its upstream's), the mock one and the stream client one,
 * so 10,000 held streams need more than the usual 1,024, or 20,000, per process. Limits are
 * inherited when a process is started, so raising the bench's own limit (prlimit(1) on its pid,
 * which root may do up to fs.nr_open) raises it for every target, mock and client started after.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Descriptors a proxy needs beside its held streams: listeners, probes, logs, Node's own (Olla: ~40). */
const HEADROOM = 256;

export interface FileLimit {
  /** The soft limit in force now. */
  limit: number;
  /** The limit before the bench raised it, when it did. */
  raisedFrom?: number;
  /** Why it could not be raised far enough, when it could not. */
  shortfall?: string;
}

/** Descriptors a proxy holding `streams` streams needs. */
export function filesNeeded(streams: number): number {
  return 2 * streams + HEADROOM;
}

/** The soft and hard "Max open files" of /proc/<pid>/limits. */
export function parseFileLimits(limits: string): { soft: number; hard: number } {
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (!match) throw new Error('no "Max open files" line in the limits');
  const value = (field: string) => (field === 'unlimited' ? Number.POSITIVE_INFINITY : Number(field));
  return { soft: value(match[1]!), hard: value(match[2]!) };
}

function readLimits(): { soft: number; hard: number } {
  return parseFileLimits(readFileSync(`/proc/${process.pid}/limits`, 'utf8'));
}

/** Raises this process's open-file limit to `wanted` when it is lower; says what it managed. */
export function ensureFileLimit(wanted: number): FileLimit {
  const before = readLimits();
  if (before.soft >= wanted) return { limit: before.soft };
  const raise = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${wanted}:${wanted}`], {
    encoding: 'utf8',
  });
  const after = readLimits();
  if (after.soft >= wanted) return { limit: after.soft, raisedFrom: before.soft };
  const why = raise.error ? raise.error.message : raise.stderr.trim() || `prlimit exited ${raise.status}`;
  return { limit: after.soft, shortfall: `${wanted} open files wanted, ${after.soft} allowed (${why})` };
}

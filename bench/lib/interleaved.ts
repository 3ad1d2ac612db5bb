/**
 * Two targets weighed against each other, interleaved: both run side by side against one mock and
 * rounds of small-JSON load at 64 connections alternate between them (which goes first alternates
 * too), so a busy neighbour, a warming mock or the order of the table's rows slows both alike. The
 * table's rows run one target after another, and on a small machine two identical Olla processes
 * land up to 15 % apart that way: too coarse for a goal of 5 or 10 %.
 *
 * Interleaved, two identical processes still land a few per cent apart on a loaded machine, and
 * a 5 % goal is of that order. So with `twin` a second process of the first target (an A/A pair)
 * runs in every round as well, and the same medians taken over it say how far the judge lands
 * when nothing differs: the noise the verdict is read against.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { throughput } from './load.js';
import type { RunningMock } from './mock.js';
import { waitForHttp } from './processes.js';
import { readinessSpec } from './scenarios.js';
import type { RunningTarget, Target, TargetEnv } from './targets.js';

export interface InterleavedRound {
  rps: [number, number];
  /** CPU time each target's process spent per request, µs (a neighbour disturbs it far less than requests/s). */
  cpuUs: [number, number];
  /** The first target's twin, weighed in the same round (an A/A check), when asked for. */
  twin?: { rps: number; cpuUs: number };
}

export interface Interleaved {
  targets: [string, string];
  rounds: InterleavedRound[];
  /** How many fresh processes of each side the rounds were shared among. */
  processes: number;
  /** The median over rounds of the second target's requests/s ÷ the first's. */
  medianRatio: number;
  /** The median over rounds of the first's CPU per request ÷ the second's (the ratio a core of its own would give). */
  medianCpuRatio: number;
  /** The same two medians for the twin against the first target: how far apart identical processes land. */
  noise?: { medianRatio: number; medianCpuRatio: number };
}

const CLOCK_TICKS = 100;

/** CPU time (user + system) process `pid` has used, ms; Linux only. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces); utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Which side goes first rotates round by round, so each takes each place in turn. */
export function orderOfRound(n: number, sides: number): number[] {
  return Array.from({ length: sides }, (_, i) => (i + n - 1) % sides);
}

/** How many of `rounds` each of `processes` fresh starts runs, as evenly as they go: 8 over 3 is 3, 3, 2. */
export function shareRounds(rounds: number, processes: number): number[] {
  const starts = Math.max(1, Math.min(Math.floor(processes), rounds));
  return Array.from({ length: starts }, (_, i) => Math.floor(rounds / starts) + (i < rounds % starts ? 1 : 0));
}

export async function interleave(
  pair: readonly [Target, Target],
  mock: RunningMock,
  env: TargetEnv,
  options: {
    rounds: number;
    seconds: number;
    /** Also run a second process of the first target in every round, for an A/A check of the noise. */
    twin?: boolean;
    /**
     * Fresh processes of every side, the rounds shared out among them (1 by default). A process
     * keeps what it drew at start (where its heap and code landed, what the JIT chose) for its
     * life: two identical ones stayed 5–8 % apart round after round, so one pair's verdict on a
     * 5 % goal was a draw. Rounds from several pairs give each draw its share.
     */
    processes?: number;
    onRound?: (round: InterleavedRound, n: number) => void;
  },
): Promise<Interleaved> {
  // Side 2, when asked for, is the first target again, started in a folder of its own.
  const sides: [Target, TargetEnv][] = pair.map((t) => [t, env]);
  if (options.twin) {
    const workDir = join(env.workDir, 'twin');
    mkdirSync(workDir, { recursive: true });
    sides.push([pair[0], { ...env, workDir }]);
  }
  const shares = shareRounds(options.rounds, options.processes ?? 1);
  const processes = shares.length;
  const rounds: InterleavedRound[] = [];
  for (const count of shares)
    await roundsOnFreshProcesses(sides, mock, options.seconds, count, rounds, options.onRound);
  const weighed: Interleaved = {
    targets: [pair[0].name, pair[1].name],
    rounds,
    processes,
    medianRatio: median(rounds.map((r) => r.rps[1] / r.rps[0])),
    medianCpuRatio: median(rounds.map((r) => r.cpuUs[0] / r.cpuUs[1])),
  };
  if (options.twin)
    weighed.noise = {
      medianRatio: median(rounds.map((r) => r.twin!.rps / r.rps[0])),
      medianCpuRatio: median(rounds.map((r) => r.cpuUs[0] / r.twin!.cpuUs)),
    };
  return weighed;
}

/** Starts every side, runs `count` rounds on them (appended to `rounds`), and stops them. */
async function roundsOnFreshProcesses(
  sides: readonly [Target, TargetEnv][],
  mock: RunningMock,
  seconds: number,
  count: number,
  rounds: InterleavedRound[],
  onRound: ((round: InterleavedRound, n: number) => void) | undefined,
): Promise<void> {
  const running: RunningTarget[] = [];
  try {
    const specs = [];
    for (const [target, targetEnv] of sides) {
      const started = await target.start(mock, targetEnv);
      running.push(started);
      const spec = readinessSpec(started.url, target.route('openai-chat', mock)!);
      // Until the first health check has found the mock, routing answers 503.
      await waitForHttp(spec.url, {
        timeoutMs: 30_000,
        status: 200,
        init: { method: 'POST', headers: spec.headers, body: spec.body },
      });
      specs.push(spec);
    }
    for (let k = 0; k < count; k++) {
      const n = rounds.length + 1;
      const rps: number[] = [];
      const cpuUs: number[] = [];
      for (const i of orderOfRound(n, sides.length)) {
        // A warm-up second before each process's first round, outside the CPU reading.
        if (k === 0) await throughput(specs[i]!, { connections: 64, seconds: 1, warmupSeconds: 0 });
        const before = cpuMs(running[i]!.pid);
        const r = await throughput(specs[i]!, { connections: 64, seconds, warmupSeconds: 0 });
        if (r.errors > 0) throw new Error(`${sides[i]![0].name} answered ${r.errors} errors`);
        rps[i] = r.rps;
        cpuUs[i] = ((cpuMs(running[i]!.pid) - before) * 1000) / r.requests;
      }
      const round: InterleavedRound = { rps: [rps[0]!, rps[1]!], cpuUs: [cpuUs[0]!, cpuUs[1]!] };
      if (sides.length > 2) round.twin = { rps: rps[2]!, cpuUs: cpuUs[2]! };
      rounds.push(round);
      onRound?.(round, n);
    }
  } finally {
    for (const r of running) await r.stop();
  }
}

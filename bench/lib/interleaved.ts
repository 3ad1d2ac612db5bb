/**
 * Two targets weighed against each other, interleaved: both run side by side against one mock and
 * rounds of small-JSON load at 64 connections alternate between them (which goes first alternates
 * too), so a busy neighbour, a warming mock or the order of the table's rows slows both alike. The
 * table's rows run one target after another, and on a small machine two identical Olla processes
 * land up to 15 % apart that way: too coarse for a goal of 5 or 10 %.
 */
import { readFileSync } from 'node:fs';
import { throughput } from './load.js';
import type { RunningMock } from './mock.js';
import { waitForHttp } from './processes.js';
import { readinessSpec } from './scenarios.js';
import type { RunningTarget, Target, TargetEnv } from './targets.js';

export interface InterleavedRound {
  rps: [number, number];
  /** CPU time each target's process spent per request, µs (a neighbour disturbs it far less than requests/s). */
  cpuUs: [number, number];
}

export interface Interleaved {
  targets: [string, string];
  rounds: InterleavedRound[];
  /** The median over rounds of the second target's requests/s ÷ the first's. */
  medianRatio: number;
  /** The median over rounds of the first's CPU per request ÷ the second's (the ratio a core of its own would give). */
  medianCpuRatio: number;
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

export async function interleave(
  pair: readonly [Target, Target],
  mock: RunningMock,
  env: TargetEnv,
  options: { rounds: number; seconds: number; onRound?: (round: InterleavedRound, n: number) => void },
): Promise<Interleaved> {
  const running: RunningTarget[] = [];
  try {
    const specs = [];
    for (const target of pair) {
      const started = await target.start(mock, env);
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
    const rounds: InterleavedRound[] = [];
    for (let n = 1; n <= options.rounds; n++) {
      const round: InterleavedRound = { rps: [0, 0], cpuUs: [0, 0] };
      for (const i of n % 2 === 1 ? [0, 1] : [1, 0]) {
        // A warm-up second before each side's first round, outside the CPU reading.
        if (n === 1) await throughput(specs[i]!, { connections: 64, seconds: 1, warmupSeconds: 0 });
        const before = cpuMs(running[i]!.pid);
        const r = await throughput(specs[i]!, { connections: 64, seconds: options.seconds, warmupSeconds: 0 });
        if (r.errors > 0) throw new Error(`${pair[i]!.name} answered ${r.errors} errors`);
        round.rps[i] = r.rps;
        round.cpuUs[i] = ((cpuMs(running[i]!.pid) - before) * 1000) / r.requests;
      }
      rounds.push(round);
      options.onRound?.(round, n);
    }
    return {
      targets: [pair[0].name, pair[1].name],
      rounds,
      medianRatio: median(rounds.map((r) => r.rps[1] / r.rps[0])),
      medianCpuRatio: median(rounds.map((r) => r.cpuUs[0] / r.cpuUs[1])),
    };
  } finally {
    for (const r of running) await r.stop();
  }
}

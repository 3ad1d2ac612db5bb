/**
 * What client API keys cost, measured A/B: the `olla` and `olla-keys` targets run side by side
 * against one quick mock, and rounds of the bench's small-JSON load at 64 connections alternate
 * between them, so a noisy neighbour on a shared machine slows both alike. Prints each round and
 * the median ratio (keys on ÷ keys off), which is what the "≤ 5 %" goal is judged by. Each round
 * also weighs the CPU time each Olla process spent per request (from /proc), which a busy
 * neighbour disturbs far less than it does requests/s.
 *
 *   npx tsx bench/keys-ab.ts [rounds=6] [seconds=3]
 *
 * OLLA_AB_NODE_FLAGS is passed to both Olla processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof":
 * each writes its profile when stopped). OLLA_AB_TARGETS="olla,olla" runs other targets (an A/A run
 * shows how far apart two identical processes land). Runs dist/ when `npm run build` has made it, as
 * the bench does.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProject } from './lib/build.js';
import { throughput } from './lib/load.js';
import { startMock } from './lib/mock.js';
import { stopAll, waitForHttp } from './lib/processes.js';
import { readinessSpec } from './lib/scenarios.js';
import { type Target, TARGETS } from './lib/targets.js';

const [rounds = 6, seconds = 3] = process.argv.slice(2).map(Number);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const flags = (process.env.OLLA_AB_NODE_FLAGS ?? '').split(' ').filter(Boolean);

function target(name: string): Target {
  return TARGETS.find((t) => t.name === name)!;
}

/** CPU time (user + system) process `pid` has used, ms; Linux only. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces); utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const { command } = buildProject(ROOT, (message) => process.stderr.write(`${message}\n`));
const project = (entry: string) => {
  const [node, ...rest] = command(entry);
  return [node!, ...flags, ...rest];
};
const env = { workDir: mkdtempSync(join(tmpdir(), 'olla-keys-ab-')), project, ollaConfig: 'shipped' as const };
const mock = await startMock({ tokens: 10, delayMs: 0 });
const names = (process.env.OLLA_AB_TARGETS ?? 'olla,olla-keys').split(',');
if (names.length !== 2) throw new Error('OLLA_AB_TARGETS names two targets');
const specs = [];
const running = [];
try {
  for (const name of names) {
    const started = await target(name).start(mock, env);
    running.push(started);
    const spec = readinessSpec(started.url, target(name).route('openai-chat', mock)!);
    // Until the first health check has found the mock, routing answers 503.
    const init = { method: 'POST', headers: spec.headers, body: spec.body };
    await waitForHttp(spec.url, { timeoutMs: 30_000, status: 200, init });
    specs.push(spec);
  }
  const rps: number[][] = names.map(() => []);
  const cpu: number[][] = names.map(() => []);
  for (let round = 1; round <= rounds; round++) {
    // Alternate which side goes first, so neither always follows the other's garbage.
    const order = round % 2 === 1 ? [0, 1] : [1, 0];
    for (const i of order) {
      // A warm-up second before each side's first round, outside the CPU reading.
      if (round === 1) await throughput(specs[i]!, { connections: 64, seconds: 1, warmupSeconds: 0 });
      const before = cpuMs(running[i]!.pid);
      const r = await throughput(specs[i]!, { connections: 64, seconds, warmupSeconds: 0 });
      if (r.errors > 0) throw new Error(`${names[i]} answered ${r.errors} errors`);
      rps[i]!.push(r.rps);
      cpu[i]!.push(((cpuMs(running[i]!.pid) - before) * 1000) / r.requests);
    }
    const [off, on] = [rps[0]!.at(-1)!, rps[1]!.at(-1)!];
    const [offCpu, onCpu] = [cpu[0]!.at(-1)!, cpu[1]!.at(-1)!];
    console.log(
      `round ${round}: ${names[0]} ${off.toFixed(0)}  ${names[1]} ${on.toFixed(0)} req/s, ratio ${(on / off).toFixed(3)}; ` +
        `CPU ${offCpu.toFixed(1)} vs ${onCpu.toFixed(1)} µs/request`,
    );
  }
  const ratios = rps[0]!.map((off, i) => rps[1]![i]! / off);
  const cpuRatios = cpu[0]!.map((off, i) => off / cpu[1]![i]!);
  console.log(
    `median: ${names[0]} ${median(rps[0]!).toFixed(0)}  ${names[1]} ${median(rps[1]!).toFixed(0)} req/s; ` +
      `median ratio ${median(ratios).toFixed(3)} (the second costs ${((1 - median(ratios)) * 100).toFixed(1)} %)`,
  );
  console.log(
    `CPU per request: ${names[0]} ${median(cpu[0]!).toFixed(1)}  ${names[1]} ${median(cpu[1]!).toFixed(1)} µs; ` +
      `median ratio off/on ${median(cpuRatios).toFixed(3)} (the throughput ratio a dedicated core would give)`,
  );
} finally {
  for (const r of running) await r.stop();
  await stopAll();
}

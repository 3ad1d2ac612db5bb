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
 * shows how far apart two identical processes land). OLLA_AB_TWIN=1 runs a second process of the
 * first target in every round as well and prints the same medians for it: that A/A check, in the
 * same run, is the noise the A/B medians are read against. OLLA_AB_BASE=<another checkout> runs the
 * first target from that checkout (built there), so a change is weighed against its base with the
 * same feature on both sides: `OLLA_AB_BASE=/tmp/base OLLA_AB_TARGETS=olla-keys,olla-keys`. Runs
 * dist/ when `npm run build` has made it, as the bench does. OLLA_AB_PROCESSES=n shares the rounds
 * among n fresh starts of every process (as the bench does with 4): a process's luck at start
 * stays with it, and one pair's verdict is a draw.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProject, type ProjectCommand } from './lib/build.js';
import { interleave, median } from './lib/interleaved.js';
import { startMock } from './lib/mock.js';
import { stopAll } from './lib/processes.js';
import { TARGETS, type Target } from './lib/targets.js';

const [rounds = 6, seconds = 3] = process.argv.slice(2).map(Number);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const flags = (process.env.OLLA_AB_NODE_FLAGS ?? '').split(' ').filter(Boolean);

function target(name: string): Target {
  const found = TARGETS.find((t) => t.name === name);
  if (!found) throw new Error(`unknown target ${name}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  return found;
}

const say = (message: string) => process.stderr.write(`${message}\n`);
const withFlags =
  (command: ProjectCommand): ProjectCommand =>
  (entry) => {
    const [node, ...rest] = command(entry);
    return [node!, ...flags, ...rest];
  };
const project = withFlags(buildProject(ROOT, say).command);
const base = process.env.OLLA_AB_BASE;
const baseProject = base === undefined ? undefined : withFlags(buildProject(base, say).command);
const env = { workDir: mkdtempSync(join(tmpdir(), 'olla-keys-ab-')), project, ollaConfig: 'shipped' as const };
const names = (process.env.OLLA_AB_TARGETS ?? 'olla,olla-keys').split(',');
if (names.length !== 2) throw new Error('OLLA_AB_TARGETS names two targets');
const twin = process.env.OLLA_AB_TWIN === '1';
const mock = await startMock({ tokens: 10, delayMs: 0 });
try {
  const first = target(names[0]!);
  const fromBase: Target =
    baseProject === undefined ? first : { ...first, start: (m, e) => first.start(m, { ...e, project: baseProject }) };
  const result = await interleave([fromBase, target(names[1]!)], mock, env, {
    rounds,
    seconds,
    twin,
    processes: Number(process.env.OLLA_AB_PROCESSES ?? 1),
    onRound: ({ rps, cpuUs, twin: aa }, n) =>
      console.log(
        `round ${n}: ${names[0]} ${rps[0].toFixed(0)}  ${names[1]} ${rps[1].toFixed(0)} req/s, ratio ${(rps[1] / rps[0]).toFixed(3)}; ` +
          `CPU ${cpuUs[0].toFixed(1)} vs ${cpuUs[1].toFixed(1)} µs/request` +
          (aa ? `; twin ${aa.rps.toFixed(0)} req/s, ${aa.cpuUs.toFixed(1)} µs/request` : ''),
      ),
  });
  const side = (i: 0 | 1) => result.rounds.map((r) => r.rps[i]);
  const cpu = (i: 0 | 1) => result.rounds.map((r) => r.cpuUs[i]);
  console.log(
    `median: ${names[0]} ${median(side(0)).toFixed(0)}  ${names[1]} ${median(side(1)).toFixed(0)} req/s; ` +
      `median ratio ${result.medianRatio.toFixed(3)} (the second costs ${((1 - result.medianRatio) * 100).toFixed(1)} %)`,
  );
  console.log(
    `CPU per request: ${names[0]} ${median(cpu(0)).toFixed(1)}  ${names[1]} ${median(cpu(1)).toFixed(1)} µs; ` +
      `median ratio off/on ${result.medianCpuRatio.toFixed(3)} (the throughput ratio a dedicated core would give)`,
  );
  if (result.noise)
    console.log(
      `A/A (${names[0]}'s twin ÷ ${names[0]}): median ratio ${result.noise.medianRatio.toFixed(3)} req/s, ` +
        `${result.noise.medianCpuRatio.toFixed(3)} CPU per request (how far apart identical processes land)`,
    );
} finally {
  await mock.process.stop();
  await stopAll();
}

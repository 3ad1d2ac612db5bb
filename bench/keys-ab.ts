/**
 * What client API keys cost, measured A/B: the `olla` and `olla-keys` targets run side by side
 * against one quick mock, and rounds of the bench's small-JSON load at 64 connections alternate
 * between them, so a noisy neighbour on a shared machine slows both alike. Prints each round and
 * the median ratio (keys on ÷ keys off), which is what the "≤ 5 %" goal is judged by.
 *
 *   npx tsx bench/keys-ab.ts [rounds=6] [seconds=3]
 *
 * OLLA_AB_NODE_FLAGS is passed to both Olla processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof":
 * each writes its profile when stopped). Runs dist/ when `npm run build` has made it, as the bench does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProject } from './lib/build.js';
import { autocannon } from './lib/load.js';
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
const names = ['olla', 'olla-keys'];
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
  for (let round = 1; round <= rounds; round++) {
    // Alternate which side goes first, so neither always follows the other's garbage.
    const order = round % 2 === 1 ? [0, 1] : [1, 0];
    for (const i of order) {
      const r = await autocannon(specs[i]!, { connections: 64, seconds, warmupSeconds: round === 1 ? 1 : 0 });
      if (r.errors > 0) throw new Error(`${names[i]} answered ${r.errors} errors`);
      rps[i]!.push(r.rps);
    }
    const [off, on] = [rps[0]!.at(-1)!, rps[1]!.at(-1)!];
    console.log(`round ${round}: olla ${off.toFixed(0)}  olla-keys ${on.toFixed(0)}  ratio ${(on / off).toFixed(3)}`);
  }
  const ratios = rps[0]!.map((off, i) => rps[1]![i]! / off);
  console.log(
    `median: olla ${median(rps[0]!).toFixed(0)}  olla-keys ${median(rps[1]!).toFixed(0)} req/s; ` +
      `median ratio ${median(ratios).toFixed(3)} (keys cost ${((1 - median(ratios)) * 100).toFixed(1)} %)`,
  );
} finally {
  for (const r of running) await r.stop();
  await stopAll();
}

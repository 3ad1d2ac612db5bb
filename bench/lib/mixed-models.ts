/**
 * The mixed-model scenario: two Ollama-like nodes that hold one model in memory at a time (a
 * cold load costs COLD_LOAD_MS, as the mock's residency option plays it), each starting with one
 * of the two models loaded, and a fixed irregular stream of requests alternating between the
 * models. Run with loaded-models-first routing on and off (round-robin either way); reports the
 * cold loads the fleet suffered and the client's p50/p99 latency.
 *
 * Unlike the table's rows this runs Olla and the mocks in the bench process: what it measures is
 * where requests were routed (cold loads cost hundreds of ms), not the microseconds of proxying.
 */
import { type RunningOlla, startOlla, waitFor, waitForHealthy } from '../../test/helpers/olla.js';
import { type MockBackend, startMockBackend } from '../../test/mock/backend.js';
import { spreadOf } from './stats.js';

const COLD_LOAD_MS = 300;
const REQUESTS = 80;
const MODELS = ['alpha', 'beta'] as const;

export interface MixedModelResult {
  preferLoaded: boolean;
  coldLoads: number;
  p50: number;
  p99: number;
}

/** A fixed irregular sequence (xorshift from a constant seed), so every run asks the same things. */
export function mixedPattern(length: number): string[] {
  let state = 0x2545f491;
  const out: string[] = [];
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out.push(MODELS[(state >>> 0) % 2]!);
  }
  return out;
}

async function runOnce(preferLoaded: boolean): Promise<MixedModelResult> {
  const mocks: MockBackend[] = [];
  let olla: RunningOlla | undefined;
  try {
    for (const [i, loaded] of MODELS.entries()) {
      mocks.push(
        await startMockBackend({
          name: `gpu-${i}`,
          flavour: 'ollama',
          models: [...MODELS],
          residency: { coldLoadMs: COLD_LOAD_MS, loaded },
        }),
      );
    }
    olla = await startOlla(
      mocks.map((m) => ({ name: m.name, url: m.url, type: 'ollama' })),
      { proxy: { load_balancer: 'round-robin', prefer_loaded_models: preferLoaded }, logging: { level: 'warn' } },
    );
    const running = olla;
    await waitForHealthy(
      running,
      mocks.map((m) => m.name),
      { models: [...MODELS] },
    );
    if (preferLoaded) {
      // The first /api/ps poll runs once the nodes are routable; residency is known after it.
      await waitFor(async () => {
        const body = (await (await fetch(`${running.url}/internal/status/models`)).json()) as {
          loaded_models?: Record<string, string[]>;
        };
        return Object.keys(body.loaded_models ?? {}).length === mocks.length;
      }, 10_000);
    }
    const latencies: number[] = [];
    for (const model of mixedPattern(REQUESTS)) {
      const started = performance.now();
      const response = await fetch(`${running.url}/olla/proxy/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`mixed-models: ${model} answered ${response.status}`);
      latencies.push(performance.now() - started);
    }
    const spread = spreadOf(latencies);
    return {
      preferLoaded,
      coldLoads: mocks.reduce((sum, m) => sum + m.coldLoads, 0),
      p50: spread.p50,
      p99: spread.p99,
    };
  } finally {
    await olla?.close();
    for (const m of mocks) await m.close();
  }
}

/** Both runs, as the markdown section `npm run bench` appends to docs/benchmarks.md. */
export async function measureMixedModels(log: (message: string) => void): Promise<string[]> {
  const results: MixedModelResult[] = [];
  for (const preferLoaded of [true, false]) {
    log(`mixed models: prefer_loaded_models ${preferLoaded ? 'on' : 'off'}`);
    results.push(await runOnce(preferLoaded));
  }
  return [
    '## Mixed models: loaded models first',
    '',
    `Two Ollama-like mock nodes holding one model each (a cold load costs ${COLD_LOAD_MS} ms), ${REQUESTS} sequential`,
    'requests alternating irregularly between the two models, round-robin balancer (bench/lib/mixed-models.ts).',
    '',
    '| prefer_loaded_models | cold loads | p50 ms | p99 ms |',
    '| --- | ---: | ---: | ---: |',
    ...results.map(
      (r) => `| ${r.preferLoaded ? 'on' : 'off'} | ${r.coldLoads} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
    ),
    '',
  ];
}

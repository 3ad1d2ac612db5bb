/**
 * Per-request model lookup cost: 10 endpoints × 200 models each (half shared across all
 * endpoints, half unique), strict routing over all 10 routable candidates.
 * Run: npx tsx bench/model-lookup.ts
 */
import { ModelCatalogue } from '../src/adapter/registry/model-catalogue.js';
import { ModelRouter } from '../src/adapter/registry/model-router.js';
import { fakeEndpoint } from '../src/core/domain/endpoint.fixture.js';
import type { ModelInfo } from '../src/core/domain/model.js';

const ENDPOINTS = 10;
const MODELS = 200;

const endpoints = Array.from({ length: ENDPOINTS }, (_, i) => fakeEndpoint({ name: `node-${i}` }));
const catalogue = new ModelCatalogue({ enableUnifier: true, staleThresholdMs: 86_400_000, cleanupIntervalMs: 0 });

function discovered(i: number): ModelInfo[] {
  return Array.from({ length: MODELS }, (_, j) => ({
    name: j < MODELS / 2 ? `shared-model-${j}:7b` : `node-${i}-model-${j}:7b`,
    lastSeen: Date.now(),
    size: 4_000_000_000,
    details: { parameterSize: '7B', quantizationLevel: 'Q4_K_M' },
  }));
}

for (const [i, endpoint] of endpoints.entries()) catalogue.setModels(endpoint, discovered(i));

// Steady state: one endpoint's discovery replaces its list, everyone else's extraction is cached.
const REBUILDS = 20;
const buildStart = process.hrtime.bigint();
for (let r = 0; r < REBUILDS; r++) catalogue.setModels(endpoints[r % ENDPOINTS]!, discovered(r % ENDPOINTS));
const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6 / REBUILDS;

const router = new ModelRouter({
  catalogue,
  strategy: {
    type: 'strict',
    options: { fallbackBehavior: 'compatible_only', discoveryTimeout: 0, discoveryRefreshOnMiss: false },
  },
});

const names = [
  ...Array.from({ length: MODELS / 2 }, (_, j) => `shared-model-${j}:7b`),
  ...Array.from({ length: MODELS / 2 }, (_, j) => `node-${j % ENDPOINTS}-model-${MODELS / 2 + j}:7b`),
  'SHARED-MODEL-3:7B',
  'missing-model',
];

function run(iterations: number): number {
  let routed = 0;
  for (let i = 0; i < iterations; i++) {
    const result = router.route(names[i % names.length], endpoints) as { endpoints: readonly unknown[] };
    routed += result.endpoints.length;
  }
  return routed;
}

run(200_000); // warm up the JIT
const ITERATIONS = 2_000_000;
const start = process.hrtime.bigint();
const routed = run(ITERATIONS);
const ns = Number(process.hrtime.bigint() - start) / ITERATIONS;

console.log(`catalogue: ${ENDPOINTS} endpoints x ${MODELS} models, ${catalogue.unified().length} unified models`);
console.log(`catalogue rebuild after one endpoint's discovery: ${buildMs.toFixed(2)} ms`);
console.log(`route(): ${ns.toFixed(0)} ns per lookup over ${ITERATIONS} lookups (${routed} endpoints routed)`);

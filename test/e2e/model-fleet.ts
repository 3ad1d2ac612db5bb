/**
 * The three-node fleet both model e2e suites run against: an Ollama with `llama3.2:3b` and
 * `qwen2.5:7b`, a vLLM and an LM Studio both with Llama 3.2 under its Hugging Face name, and the
 * LM Studio alone with a vision model. `ALIAS` joins the two Llama 3.2 names into one routable
 * name (see models.test.ts for why overlap is expressed this way).
 */
import { afterEach } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, type MockModelInput, startMockBackend } from '../mock/backend.js';

export const HF_LLAMA = 'meta-llama/Llama-3.2-3B-Instruct';
export const VISION = 'qwen2-vl-7b-instruct';
export const ALIAS = 'llama-3.2-3b';
export const NODES = ['ollama-a', 'vllm-b', 'lmstudio-c'];
export const ALL_MODELS = ['llama3.2:3b', 'qwen2.5:7b', HF_LLAMA, VISION];

export interface Fleet {
  ollama: MockBackend;
  vllm: MockBackend;
  lmstudio: MockBackend;
  olla: RunningOlla;
}

/**
 * Registers an afterEach that closes, newest first (Olla before its mocks, so no health check
 * or discovery races a closing mock), whatever the returned starters opened.
 */
export function useModelFleet() {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function mock(name: string, flavour: 'ollama' | 'vllm' | 'lmstudio', models: MockModelInput[]) {
    const backend = await startMockBackend({ name, flavour, models, recordBodies: true });
    cleanups.push(() => backend.close());
    return backend;
  }

  /** `overrides` is merged over the test config, in the user's YAML shape. */
  async function startFleet(overrides: Record<string, unknown> = {}): Promise<Fleet> {
    const ollama = await mock('ollama-a', 'ollama', ['llama3.2:3b', 'qwen2.5:7b']);
    const vllm = await mock('vllm-b', 'vllm', [HF_LLAMA]);
    const lmstudio = await mock('lmstudio-c', 'lmstudio', [HF_LLAMA, { name: VISION, type: 'vlm' }]);
    const olla = await startOlla(
      [
        { name: 'ollama-a', url: ollama.url, type: 'ollama' },
        { name: 'vllm-b', url: vllm.url, type: 'vllm' },
        { name: 'lmstudio-c', url: lmstudio.url, type: 'lm-studio' },
      ],
      { model_aliases: { [ALIAS]: ['llama3.2:3b', HF_LLAMA] }, ...overrides },
    );
    cleanups.push(() => olla.close());
    await waitForHealthy(olla, NODES, { models: ALL_MODELS });
    return { ollama, vllm, lmstudio, olla };
  }

  /** Starts Olla by itself over given endpoints, closed with the rest. */
  async function startOllaOver(...args: Parameters<typeof startOlla>): Promise<RunningOlla> {
    const olla = await startOlla(...args);
    cleanups.push(() => olla.close());
    return olla;
  }

  return { mock, startFleet, startOllaOver };
}

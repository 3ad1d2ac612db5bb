/**
 * A stress run's rig: a set of mock backends serving one model, an in-process Olla in front of
 * them, and a client pool, all torn down together.
 */
import type { Agent } from 'undici';
import { type RunningOlla, startOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, type MockBackendOptions, startMockBackend } from '../mock/backend.js';
import { createClient } from './client.js';

export const STRESS_MODEL = 'llama3.2:3b';

export type EngineName = 'olla' | 'sherpa';
export const ENGINES: readonly EngineName[] = ['olla', 'sherpa'];

export interface NodeSpec extends MockBackendOptions {
  name: string;
  flavour: 'ollama' | 'openai';
}

export interface Fleet {
  olla: RunningOlla;
  nodes: MockBackend[];
  client: Agent;
  /** Whether Olla routes `name` now: healthy, with the stress model discovered there. */
  serving(name: string): boolean;
  /** Waits until no request is in flight anywhere: Olla's balancer counts and the mocks' open streams. */
  settled(timeoutMs?: number): Promise<void>;
  /** Olla's log lines whose message is `message`. */
  logCount(message: string): number;
  /** Closes the client, Olla and the mocks, once (later calls wait for the first). */
  close(): Promise<void>;
}

const ENDPOINT_TYPE = { ollama: 'ollama', openai: 'openai-compatible' } as const;

type Doc = Record<string, unknown>;

export async function startFleet(engine: EngineName, specs: readonly NodeSpec[], overrides: Doc = {}): Promise<Fleet> {
  const nodes: MockBackend[] = [];
  let olla: RunningOlla | undefined;
  let client: Agent | undefined;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      if (client !== undefined && !client.destroyed) await client.destroy();
      await olla?.close();
      for (const node of nodes) await node.close();
    })();
    return closing;
  };
  try {
    for (const spec of specs) nodes.push(await startMockBackend({ models: [STRESS_MODEL], ...spec }));
    const proxy = { ...((overrides.proxy as Doc | undefined) ?? {}), engine };
    olla = await startOlla(
      nodes.map((node) => ({
        name: node.name,
        url: node.url,
        type: ENDPOINT_TYPE[node.flavour as NodeSpec['flavour']],
      })),
      { ...overrides, proxy },
    );
    await waitForHealthy(olla, [...nodes.map((node) => node.name)], { models: [STRESS_MODEL], timeoutMs: 10_000 });
    client = createClient();
  } catch (error) {
    await close();
    throw error;
  }
  const running = olla;
  const serving = (name: string) =>
    running.olla.endpoints.get(name)?.status === 'healthy' &&
    running.olla.models.modelsFor(name).some((model) => model.name === STRESS_MODEL);
  return {
    olla: running,
    nodes,
    client,
    serving,
    settled: (timeoutMs = 10_000) =>
      waitFor(
        () => nodes.every((node) => running.olla.connections(node.name) === 0 && node.activeStreams === 0),
        timeoutMs,
        'every connection count and open mock stream back to 0',
      ),
    logCount(message) {
      const needle = `"msg":${JSON.stringify(message)}`;
      const logs = running.logs();
      let count = 0;
      for (let at = logs.indexOf(needle); at !== -1; at = logs.indexOf(needle, at + 1)) count++;
      return count;
    },
    close,
  };
}

/** One line per node: in-flight count as Olla sees it and open streams as the mock sees them. */
export function describeConnections(fleet: Fleet): string {
  return fleet.nodes
    .map((node) => `${node.name}=${fleet.olla.olla.connections(node.name)}/${node.activeStreams}`)
    .join(' ');
}

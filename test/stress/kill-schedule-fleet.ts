/**
 * Issue 14's rig: three interchangeable vLLM-type mocks in processes of their own behind an
 * in-process Olla (least-connections, 1 s health checks), for the kill-schedule runs.
 */
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import type { EngineName } from './fleet.js';
import { KILL_MODEL, type KillableMock, startKillableMocks } from './kill-schedule.js';

export interface KillFleet {
  olla: RunningOlla;
  mocks: KillableMock[];
  close(): Promise<void>;
}

export const KILL_NODES = ['vllm-1', 'vllm-2', 'vllm-3'];

export async function startKillFleet(engine: EngineName): Promise<KillFleet> {
  const mocks = await startKillableMocks(KILL_NODES);
  let olla: RunningOlla | undefined;
  const close = async () => {
    await olla?.close();
    await Promise.all(mocks.map((mock) => mock.kill()));
  };
  try {
    olla = await startOlla(
      mocks.map((mock) => ({
        name: mock.name,
        url: mock.url,
        type: 'vllm',
        check_interval: '1s',
        check_timeout: '500ms',
      })),
      { proxy: { engine, load_balancer: 'least-connections' } },
    );
    await waitForHealthy(olla, KILL_NODES, { models: [KILL_MODEL], timeoutMs: 15_000 });
  } catch (error) {
    await close();
    throw error;
  }
  return { olla, mocks, close };
}

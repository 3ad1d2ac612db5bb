/**
 * Start-up time: from spawning Olla to its first 200 from /internal/health, polled every 5 ms,
 * over a few runs (the median is what the target is judged on).
 */
import { performance } from 'node:perf_hooks';
import type { RunningMock } from './mock.js';
import type { Startup } from './report.js';
import { OLLA_ENTRY, startOllaProcess, type TargetEnv } from './targets.js';

export async function measureStartup(mock: RunningMock, env: TargetEnv, runs: number): Promise<Startup> {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const { proc } = await startOllaProcess('olla-startup', env.project(OLLA_ENTRY), 'olla', mock, env);
    runsMs.push(performance.now() - started);
    await proc.stop();
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { runsMs, medianMs: sorted[Math.floor(sorted.length / 2)]! };
}

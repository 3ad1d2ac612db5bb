/**
 * Issue 14's acceptance run: 16 requests in flight over three vLLM-type mocks while one node at
 * a time is SIGKILLed and restarted on its port 0.5–1.5 s later, on five fixed seeds. Nothing may
 * be lost or hang; the only allowed failure is a stream cut mid-way by its node's death, and it
 * must end promptly with an error event in the stream's own format.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForHealthy } from '../helpers/olla.js';
import { ENGINES } from './fleet.js';
import { describeKillSchedule, runKillSchedule, summariseOutcome } from './kill-schedule.js';
import { KILL_NODES, type KillFleet, startKillFleet } from './kill-schedule-fleet.js';
import { scale } from './scale.js';

const SEEDS = [14, 1401, 2718, 31337, 424242];
/** How soon a stream cut by a kill must end at the client. */
const PROMPT_END_MS = 2_000;

describe.each(ENGINES)('kill-and-restart schedule (%s engine)', (engine) => {
  let fleet: KillFleet | undefined;
  beforeAll(async () => {
    fleet = await startKillFleet(engine);
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it.each(SEEDS)('seed %i: 0 lost, 0 hung, cut streams end promptly', async (seed) => {
    const running = fleet!;
    await waitForHealthy(running.olla, KILL_NODES, { timeoutMs: 15_000 });
    const result = await runKillSchedule({
      seed,
      baseUrl: running.olla.url,
      mocks: running.mocks,
      kills: scale.name === 'short' ? 3 : 5,
      concurrency: 16,
    });
    console.log(`── kill schedule, ${engine} engine, ${describeKillSchedule(result)}`);
    for (const outcome of result.lost.slice(0, 5)) console.log('   lost:', summariseOutcome(outcome));

    expect(result.kills.length).toBeGreaterThan(0);
    expect(result.hung).toBe(0);
    expect(result.lost.map(summariseOutcome)).toEqual([]);
    // A cut stream ends promptly, and with an error event a client's SDK raises, not a dropped connection.
    expect(result.cutWithoutErrorFrame.map(summariseOutcome)).toEqual([]);
    expect(result.longestCutMs).toBeLessThan(PROMPT_END_MS);
    expect(result.succeeded + result.interrupted.length).toBe(result.sent);
  });
});

/**
 * Issue 14 in `npm test`: a short kill-and-restart schedule (one seed, two kills) with nothing
 * lost, and a total outage answered fast with a JSON 503 then recovered within a check interval.
 * The five-seed run is `npm run test:stress` (test/stress/kill-schedule.test.ts).
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForHealthy } from '../helpers/olla.js';
import { describeKillSchedule, KILL_MODEL, runKillSchedule, summariseOutcome } from '../stress/kill-schedule.js';
import { KILL_NODES, type KillFleet, startKillFleet } from '../stress/kill-schedule-fleet.js';

function countLines(logs: string, message: string): number {
  return logs.split('\n').filter((line) => line.includes(`"msg":"${message}"`)).length;
}

const chatBody = JSON.stringify({ model: KILL_MODEL, messages: [{ role: 'user', content: 'hi' }] });

describe('failover under SIGKILL (olla engine)', () => {
  let fleet: KillFleet | undefined;
  beforeAll(async () => {
    fleet = await startKillFleet('olla');
  }, 60_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it('loses nothing while one node at a time is killed and restarted', async () => {
    const running = fleet!;
    const result = await runKillSchedule({
      seed: 2718,
      baseUrl: running.olla.url,
      mocks: running.mocks,
      kills: 2,
      concurrency: 16,
      tailMs: 500,
    });
    console.log(`── kill schedule (short), ${describeKillSchedule(result)}`);
    expect(result.hung).toBe(0);
    expect(result.lost.map(summariseOutcome)).toEqual([]);
    expect(result.succeeded + result.interrupted.length).toBe(result.sent);
    // Every stream a kill cut ended with an error event, promptly (test/e2e/stream-cut.test.ts
    // shows the SDKs raising it).
    expect(result.cutWithoutErrorFrame.map(summariseOutcome)).toEqual([]);
    expect(result.longestCutMs).toBeLessThan(2_000);
  }, 60_000);

  it('answers a total outage within 3 attempts and 1 s with a JSON 503, and routes again within an interval of recovery', async () => {
    const running = fleet!;
    await waitForHealthy(running.olla, KILL_NODES, { timeoutMs: 15_000 });
    await Promise.all(running.mocks.map((mock) => mock.kill()));
    const attemptsBefore = countLines(running.olla.logs(), 'proxy attempt failed');
    const answers: { status: number; ms: number; type: string; decision: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const response = await fetch(`${running.olla.url}/olla/proxy/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chatBody,
      });
      await response.json();
      answers.push({
        status: response.status,
        ms: performance.now() - started,
        type: response.headers.get('content-type') ?? '',
        decision: response.headers.get('x-olla-routing-decision') ?? '',
      });
    }
    for (const answer of answers) {
      expect([502, 503]).toContain(answer.status);
      expect(answer.type).toContain('application/json');
      expect(answer.ms).toBeLessThan(1000);
    }
    // At most three attempts per request, in all.
    const attempts = countLines(running.olla.logs(), 'proxy attempt failed') - attemptsBefore;
    expect(attempts).toBeLessThanOrEqual(3 * answers.length);
    // Once every node is known down, panic routing tries them and then answers the 503 routing would have.
    expect(answers.at(-1)?.status).toBe(503);
    expect(answers.filter((a) => a.status === 503).length).toBeGreaterThan(answers.length / 2);
    expect(running.olla.logs()).toContain('proxy answered with a gateway error');

    await Promise.all(running.mocks.map((mock) => mock.start()));
    const back = performance.now();
    // Traffic keeps arriving; panic routing finds a node back and its probe follows at once.
    let served = false;
    while (!served && performance.now() - back < 5_000) {
      const response = await fetch(`${running.olla.url}/olla/proxy/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chatBody,
      });
      await response.arrayBuffer();
      served = response.status === 200;
    }
    expect(served).toBe(true);
    await waitForHealthy(running.olla, KILL_NODES, { timeoutMs: 1_000 + 500 });
    expect(performance.now() - back).toBeLessThan(1_000 + 500 + 500);
  }, 60_000);
});

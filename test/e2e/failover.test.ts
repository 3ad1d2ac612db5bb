/**
 * Failover under traffic, for both engines: a backend dies while requests flow, no client sees
 * a failure, Olla stops sending to the dead node at once, and takes it back once it recovers.
 */
import { describe, expect, it, vi } from 'vitest';
import { BREAKER_FAILURE_THRESHOLD, BREAKER_OPEN_DURATION_MS } from '../../src/adapter/health/circuit-breaker.js';
import { waitFor, waitForHealthy } from '../helpers/olla.js';
import type { MockBackend } from '../mock/backend.js';
import { ENGINES, useServers } from './proxy-support.js';

const MODEL = 'gpt-oss:20b';
const NAMES = ['node-a', 'node-b', 'node-c'];
const TOTAL = 200;
const CONCURRENCY = 8;
const KILL_AFTER = 40;
const chatBody = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });

interface Outcome {
  /** Order in which the request was sent. */
  sent: number;
  status: number;
  endpoint: string | null;
  /** Whether Olla already knew the victim was down when the request was sent. */
  afterFirstFailure: boolean;
  error?: string;
}

describe.each(ENGINES)('failover while traffic flows (%s engine)', (engine) => {
  const servers = useServers();

  it('serves all 200 requests while a backend dies, avoids it from the first failure, and takes it back on recovery', async () => {
    // The circuit breaker keeps a failed node out for 30 s of wall-clock time (as the original's
    // does); the test moves Olla's clock on rather than wait. Installed before Olla starts, so
    // the breaker and health checker read this Date.now.
    let clockOffsetMs = 0;
    const realNow = Date.now.bind(Date);
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffsetMs);
    servers.defer(() => clock.mockRestore());
    const mocks: MockBackend[] = [];
    for (const name of NAMES) mocks.push(await servers.mock({ name, flavour: 'openai', models: [MODEL], tokens: 3 }));
    const olla = await servers.olla(
      engine,
      NAMES.map((name, i) => ({ name, url: mocks[i]!.url, type: 'openai-compatible' })),
    );
    await waitForHealthy(olla, NAMES, { models: [MODEL] });
    const victim = mocks[1]!;
    const victimDown = () => olla.olla.endpoints.get('node-b')?.status !== 'healthy';

    const chat = async (sent: number): Promise<Outcome> => {
      const afterFirstFailure = victimDown();
      try {
        const response = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: chatBody,
        });
        const body = (await response.json()) as { choices?: { message: { content: string } }[] };
        const endpoint = response.headers.get('x-olla-endpoint');
        // The answer must really come from the node the header names.
        const fromNamedNode = body.choices?.[0]?.message.content.includes(`from ${endpoint} `) ?? false;
        return { sent, status: fromNamedNode ? response.status : -1, endpoint, afterFirstFailure };
      } catch (err) {
        return { sent, status: 0, endpoint: null, afterFirstFailure, error: String(err) };
      }
    };

    const outcomes: Outcome[] = [];
    let nextToSend = 0;
    let killed: Promise<void> | undefined;
    const worker = async () => {
      while (nextToSend < TOTAL) {
        const sent = nextToSend++;
        if (sent === KILL_AFTER) killed = victim.stop();
        outcomes.push(await chat(sent));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await killed;

    const failures = outcomes.filter((o) => o.status !== 200);
    expect(failures).toEqual([]);
    expect(outcomes).toHaveLength(TOTAL);
    // The victim served its share before it died, then never again once Olla had seen it fail.
    expect(outcomes.some((o) => o.sent < KILL_AFTER && o.endpoint === 'node-b')).toBe(true);
    expect(outcomes.filter((o) => o.afterFirstFailure && o.endpoint === 'node-b')).toEqual([]);
    expect(outcomes.filter((o) => o.afterFirstFailure).length).toBeGreaterThan(TOTAL / 2);
    expect(victimDown()).toBe(true);
    // Olla marks a refusing node failed at once: only requests already headed there hit it.
    const attemptsOnVictim = olla.logs().match(/"endpoint":"node-b"[^\n]*proxy attempt failed/g) ?? [];
    expect(attemptsOnVictim.length).toBeLessThanOrEqual(CONCURRENCY);

    await victim.start();
    clockOffsetMs += BREAKER_OPEN_DURATION_MS;
    await waitForHealthy(olla, ['node-b'], { timeoutMs: 15_000 });
    const served = new Set<string | null>();
    await waitFor(
      async () => {
        served.add((await chat(TOTAL)).endpoint);
        return served.has('node-b');
      },
      5000,
      'node-b to serve again',
    );
    expect(served.has('node-b')).toBe(true);
  });
});

// Sherpa has no circuit breaker, as in the original; this is the Olla engine's answer to it.
describe('a node that answers 503 at once (olla engine)', () => {
  const servers = useServers();

  it('stops attracting traffic under least-connections once its breaker trips', async () => {
    const good = await servers.mock({ name: 'node-a', flavour: 'openai', models: [MODEL], tokens: 3 });
    const failing = await servers.mock({ name: 'node-b', flavour: 'openai', models: [MODEL], tokens: 3 });
    const olla = await servers.olla(
      'olla',
      [
        // Fast probes that pass on node-b's health path: the proxy's own breaker must trip anyway.
        { name: 'node-a', url: good.url, type: 'openai-compatible' },
        { name: 'node-b', url: failing.url, type: 'openai-compatible' },
      ],
      { proxy: { load_balancer: 'least-connections' } },
    );
    await waitForHealthy(olla, ['node-a', 'node-b'], { models: [MODEL] });
    // Health probes still pass: only proxied traffic sees the 503s.
    failing.setFault('status:503', { paths: ['/v1/chat/completions'] });

    const answers: { endpoint: string | null; status: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const response = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chatBody,
      });
      await response.arrayBuffer();
      answers.push({ endpoint: response.headers.get('x-olla-endpoint'), status: response.status });
    }

    const fromFailing = answers.filter((a) => a.endpoint === 'node-b');
    expect(fromFailing.length).toBeGreaterThan(0);
    expect(fromFailing.length).toBeLessThanOrEqual(BREAKER_FAILURE_THRESHOLD);
    // Its health path still passes, so probes may call it healthy again; the proxy's open
    // breaker keeps inference traffic away all the same.
    expect(answers.slice(-20)).toEqual(Array(20).fill({ endpoint: 'node-a', status: 200 }));
  });
});

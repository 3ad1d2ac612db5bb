/**
 * Clients that give up at random points: while Olla waits for the backend's headers, mid-stream,
 * or at an arbitrary moment. Nothing may stay behind: every balancer count returns to 0, the
 * mocks see their streams closed, and every request that was not abandoned still succeeds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatRequest, type Outcome, type SendOptions, sendChat } from './client.js';
import { describeConnections, ENGINES, type Fleet, STRESS_MODEL, startFleet } from './fleet.js';
import { scale } from './scale.js';
import { runPool, runSeed, seededRandom, Tally } from './tally.js';

const CLIENT_TIMEOUT_MS = 15_000;
const SLOW_HEADERS_MS = 300;

type Plan = 'complete' | 'before-headers' | 'mid-stream' | 'at-random';

describe.each(ENGINES)('the %s engine with clients that abort', (engine) => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it(`leaves no connection behind after ${scale.abortRequests} requests abandoned at random points`, async () => {
    const seed = runSeed();
    const random = seededRandom(seed);
    fleet = await startFleet(engine, [
      { name: 'ollama-1', flavour: 'ollama', tokens: 20, tokenDelayMs: 3 },
      { name: 'ollama-2', flavour: 'ollama', tokens: 20, tokenDelayMs: 3 },
      { name: 'openai-1', flavour: 'openai', tokens: 20, tokenDelayMs: 3 },
    ]);
    const running = fleet;
    let clientClosedStreams = 0;
    for (const node of running.nodes) {
      node.events.on('stream-closed', (closed) => {
        if (closed.reason === 'client') clientClosedStreams++;
      });
    }
    const tally = new Tally(`client aborts, ${engine} engine, ${scale.name} (seed ${seed})`);
    const unexpected: Outcome[] = [];

    await runPool(scale.abortRequests, scale.concurrency, async () => {
      const plan = (['complete', 'before-headers', 'mid-stream', 'at-random'] as const)[Math.floor(random() * 4)]!;
      const { chat, options } = planned(plan, random);
      const outcome = await sendChat(running.client, running.olla.url, chat, options);
      tally.add(outcome);
      tally.count(`planned ${plan}`);
      const expected =
        plan === 'complete' ? outcome.kind === 'ok' : outcome.kind === 'aborted' || outcome.kind === 'ok';
      if (!expected) unexpected.push(outcome);
    });
    // A 200 after the flood proves Olla still serves; then every count must drain to 0.
    const after = await sendChat(
      running.client,
      running.olla.url,
      { flavour: 'openai', stream: true, model: STRESS_MODEL },
      { timeoutMs: CLIENT_TIMEOUT_MS },
    );
    await running.settled();

    tally.note('mock streams closed by the client going away', clientClosedStreams);
    tally.note('connections after (olla/mock streams)', describeConnections(running));
    tally.print();

    expect(unexpected.map((o) => `${o.kind} ${o.status} ${o.error ?? o.body.slice(0, 200)}`)).toEqual([]);
    expect(after.kind).toBe('ok');
    expect(tally.reason('aborted')).toBeGreaterThan(0);
    // Aborts reached the backends: Olla dropped the upstream stream when its client left.
    expect(clientClosedStreams).toBeGreaterThan(0);
    for (const node of running.nodes) {
      expect(running.olla.olla.connections(node.name)).toBe(0);
      expect(node.activeStreams).toBe(0);
    }
  });
});

function planned(plan: Plan, random: () => number): { chat: ChatRequest; options: SendOptions } {
  const flavour = random() < 0.5 ? 'openai' : 'ollama';
  const options: SendOptions = { timeoutMs: CLIENT_TIMEOUT_MS };
  switch (plan) {
    case 'complete':
      return { chat: { flavour, stream: random() < 0.5, model: STRESS_MODEL }, options };
    case 'before-headers':
      // The backend holds its headers back, so the abort lands while Olla waits on them.
      return {
        chat: {
          flavour,
          stream: true,
          model: STRESS_MODEL,
          headers: { 'x-mock-fault': `slow-headers:${SLOW_HEADERS_MS}` },
        },
        options: { ...options, abortAfterMs: random() * (SLOW_HEADERS_MS - 50) },
      };
    case 'mid-stream':
      return {
        chat: { flavour, stream: true, model: STRESS_MODEL },
        options: { ...options, abortAfterBytes: 1 + Math.floor(random() * 1500) },
      };
    case 'at-random':
      return {
        chat: { flavour, stream: random() < 0.7, model: STRESS_MODEL },
        options: { ...options, abortAfterMs: random() * 80 },
      };
  }
}

/**
 * Kill-and-restart chaos: a steady mix of streamed and whole chat requests across five backends
 * while backends are stopped and started at random. Olla must absorb every connection failure
 * that happens before bytes reach the client; the only failures allowed are streams already
 * flowing when their backend was killed, and those must end promptly, not hang.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MockStreamClosed } from '../mock/backend.js';
import { ChaosMonkey } from './chaos-monkey.js';
import { type ChatFlavour, type Outcome, sendChat } from './client.js';
import { describeConnections, ENGINES, type Fleet, type NodeSpec, STRESS_MODEL, startFleet } from './fleet.js';
import { scale } from './scale.js';
import { runPool, runSeed, seededRandom, Tally } from './tally.js';

/** Short paced streams (8 tokens, 2 ms apart), so kills land mid-stream as well as between requests. */
const NODES: NodeSpec[] = (
  [
    ['ollama-1', 'ollama'],
    ['ollama-2', 'ollama'],
    ['ollama-3', 'ollama'],
    ['openai-1', 'openai'],
    ['openai-2', 'openai'],
  ] as const
).map(([name, flavour]) => ({ name, flavour, tokens: 8, tokenDelayMs: 2 }));

/** Every node answers OpenAI chat; only the Ollama-type ones answer `/olla/ollama/api/chat`. */
const ROUTE_GROUPS = [NODES.map((node) => node.name), NODES.filter((n) => n.flavour === 'ollama').map((n) => n.name)];

/** Far beyond any healthy exchange here, so a timeout can only mean a hang. */
const CLIENT_TIMEOUT_MS = 15_000;
/** How soon a stream cut by a kill must end at the client. */
const PROMPT_END_MS = 5_000;

describe.each(ENGINES)('the %s engine under kill-and-restart chaos', (engine) => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it(`serves ${scale.chaosRequests} requests with none lost but streams cut mid-flight by a kill`, async () => {
    const seed = runSeed();
    // Separate streams for the request mix and the kills (their interleaving still depends on timing).
    const random = seededRandom(seed);
    fleet = await startFleet(engine, NODES);
    const running = fleet;
    const stoppedStreams: MockStreamClosed[] = [];
    for (const node of running.nodes) {
      node.events.on('stream-closed', (closed) => {
        if (closed.reason === 'stopped') stoppedStreams.push(closed);
      });
    }

    const monkey = new ChaosMonkey(running.nodes, {
      random: seededRandom(seed + 1),
      groups: ROUTE_GROUPS,
      serving: running.serving,
      maxDown: 2,
      // Above the slowest exchange seen on a loaded 2-core machine (about 1.5 s).
      stableMs: 2_000,
      stepMs: [40, 160],
      downMs: [100, 500],
    });
    const tally = new Tally(`chaos, ${engine} engine, ${scale.name} (seed ${seed})`);
    const lost: Outcome[] = [];
    const interrupted: Outcome[] = [];
    let longestWaitAfterKill = 0;

    monkey.start();
    try {
      await runPool(scale.chaosRequests, scale.concurrency, async () => {
        const flavour: ChatFlavour = random() < 0.5 ? 'openai' : 'ollama';
        const stream = random() < 0.5;
        const outcome = await sendChat(
          running.client,
          running.olla.url,
          { flavour, stream, model: STRESS_MODEL },
          { timeoutMs: CLIENT_TIMEOUT_MS },
        );
        tally.add(outcome);
        if (outcome.kind === 'ok') return;
        const kill =
          outcome.kind === 'interrupted' && stream && outcome.endpoint !== undefined
            ? monkey.killedBetween(outcome.endpoint, outcome.startedAt, outcome.endedAt)
            : undefined;
        if (kill === undefined) {
          lost.push(outcome);
        } else {
          interrupted.push(outcome);
          longestWaitAfterKill = Math.max(longestWaitAfterKill, outcome.endedAt - kill.killedAt);
        }
      });
    } finally {
      await monkey.stop();
    }
    await running.settled();

    tally.note('kills', monkey.kills.length);
    tally.note('chaos steps with no node safe to kill', monkey.skipped);
    tally.note('failed attempts in Olla log (retried or reported)', running.logCount('proxy attempt failed'));
    tally.note('mock streams torn down by a kill', stoppedStreams.length);
    tally.note('streams interrupted mid-flight by a kill', interrupted.length);
    tally.note('longest wait from kill to client error (ms)', longestWaitAfterKill.toFixed(0));
    tally.note('connections after (olla/mock streams)', describeConnections(running));
    tally.print();
    for (const outcome of lost.slice(0, 5)) console.log('   lost:', summarise(outcome));

    expect(tally.sent).toBe(scale.chaosRequests);
    expect(tally.reason('timeout')).toBe(0);
    expect(lost.map(summarise)).toEqual([]);
    // Only streams can be cut, and each one by a kill the mock saw tear a stream down.
    expect(interrupted.every((outcome) => outcome.request.stream)).toBe(true);
    expect(interrupted.length).toBeLessThanOrEqual(stoppedStreams.length);
    expect(longestWaitAfterKill).toBeLessThan(PROMPT_END_MS);
    expect(tally.succeeded + interrupted.length).toBe(scale.chaosRequests);
    // The run proved something: backends died under load and Olla failed over.
    expect(monkey.kills.length).toBeGreaterThan(0);
    expect(running.logCount('proxy attempt failed')).toBeGreaterThan(0);
  });
});

function summarise(outcome: Outcome): string {
  const { kind, status, endpoint, bytes, error, request } = outcome;
  const what = `${request.flavour}${request.stream ? ' stream' : ''}`;
  return `${what}: ${kind} status=${status} endpoint=${endpoint ?? '-'} bytes=${bytes} ${error ?? outcome.body.slice(0, 200)}`;
}

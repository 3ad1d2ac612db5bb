/**
 * Slow readers beside fast ones: a few clients crawl through endless streams while many fast
 * requests run. The fast ones must all complete, and backpressure must hold the slow streams
 * back at the backend instead of piling their bytes up in Olla's memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/olla.js';
import { type Outcome, sendChat } from './client.js';
import { ENGINES, type Fleet, STRESS_MODEL, startFleet } from './fleet.js';
import { heapAndBuffers, mb } from './memory.js';
import { scale } from './scale.js';
import { runPool, runSeed, seededRandom, Tally } from './tally.js';

const CLIENT_TIMEOUT_MS = 60_000;
/** Far more than a slow reader gets through during the run, so only backpressure stops the backend. */
const ENDLESS_BYTES = 1 << 30;
const SLOW_READ_DELAY_MS = 20;
/**
 * Bytes one stream may hold between backend and client: kernel socket buffers on two hops plus
 * the proxy's and the client's stream buffers. An unbounded proxy would hold hundreds of MB here.
 */
const HELD_PER_STREAM_LIMIT = 24 * 1024 * 1024;
/** Growth of the heap and buffers allowed while the slow streams are held open. */
const MEMORY_GROWTH_LIMIT = 64 * 1024 * 1024;

describe.each(ENGINES)('the %s engine with slow readers beside fast ones', (engine) => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it(`completes ${scale.fastBesideSlow} fast requests while ${scale.slowReaders} slow readers hold endless streams`, async () => {
    const seed = runSeed();
    const random = seededRandom(seed);
    fleet = await startFleet(engine, [
      { name: 'ollama-1', flavour: 'ollama' },
      { name: 'openai-1', flavour: 'openai' },
    ]);
    const running = fleet;
    const tally = new Tally(`slow readers, ${engine} engine, ${scale.name} (seed ${seed})`);
    const before = heapAndBuffers();

    const release = new AbortController();
    const slow = Array.from({ length: scale.slowReaders }, () =>
      sendChat(
        running.client,
        running.olla.url,
        { flavour: 'openai', stream: true, model: STRESS_MODEL, headers: { 'x-mock-fault': `huge:${ENDLESS_BYTES}` } },
        { timeoutMs: CLIENT_TIMEOUT_MS, readDelayMs: SLOW_READ_DELAY_MS, signal: release.signal, keepBytes: 0 },
      ),
    );
    await waitFor(
      () => running.nodes.reduce((sum, node) => sum + node.activeStreams, 0) >= scale.slowReaders,
      10_000,
      'every slow stream open at the backend',
    );

    let fastStreamedBytes = 0;
    const fastFailures: Outcome[] = [];
    await runPool(scale.fastBesideSlow, scale.concurrency, async () => {
      const stream = random() < 0.5;
      const outcome = await sendChat(
        running.client,
        running.olla.url,
        { flavour: random() < 0.5 ? 'openai' : 'ollama', stream, model: STRESS_MODEL },
        { timeoutMs: CLIENT_TIMEOUT_MS },
      );
      tally.add(outcome);
      if (outcome.kind !== 'ok') fastFailures.push(outcome);
      else if (stream) fastStreamedBytes += outcome.bytes;
    });

    const during = heapAndBuffers();
    const written = running.nodes.reduce((sum, node) => sum + node.bytesStreamed, 0) - fastStreamedBytes;
    release.abort();
    const slowOutcomes = await Promise.all(slow);
    const read = slowOutcomes.reduce((sum, outcome) => sum + outcome.bytes, 0);
    const heldPerStream = (written - read) / scale.slowReaders;
    await running.settled();

    tally.note('slow readers', `${scale.slowReaders}, ${mb(read)} read in all, ${mb(written)} written by the backends`);
    tally.note('held between backend and each slow reader (mean)', mb(heldPerStream));
    tally.note('heap + buffers growth while slow streams open', mb(during - before));
    tally.print();

    expect(fastFailures.map((o) => `${o.kind} ${o.status} ${o.error ?? o.body.slice(0, 200)}`)).toEqual([]);
    expect(tally.succeeded).toBe(scale.fastBesideSlow);
    // Each slow reader was still being served, slowly, until the run let go of it.
    expect(slowOutcomes.map((o) => o.kind)).toEqual(slowOutcomes.map(() => 'aborted'));
    expect(slowOutcomes.every((o) => o.bytes > 0)).toBe(true);
    expect(heldPerStream).toBeLessThan(HELD_PER_STREAM_LIMIT);
    expect(during - before).toBeLessThan(MEMORY_GROWTH_LIMIT);
  });
});

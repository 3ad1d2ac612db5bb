/**
 * Soak: steady load for a while, then proof that nothing accumulated: memory and open handles
 * where they were after warm-up, every connection count at 0, no listeners piling up on the
 * client sockets, no unhandled rejections and no listener-leak warnings.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/olla.js';
import { type Outcome, sendChat } from './client.js';
import { describeConnections, ENGINES, type Fleet, STRESS_MODEL, startFleet } from './fleet.js';
import { collectsGarbage, describeResources, mb, type ProcessReading, readProcess } from './memory.js';
import { scale } from './scale.js';
import { runSeed, seededRandom, Tally } from './tally.js';

const WARM_UP_MS = 2_000;
const TICK_MS = 50;
/** A bounded loop: above this many in flight, a tick sends nothing (and says so). */
const MAX_IN_FLIGHT = 64;
const CLIENT_TIMEOUT_MS = 15_000;
/** Tolerances for "flat": generous, since the collector and the allocator are never exact. */
const RSS_GROWTH_LIMIT = 48 * 1024 * 1024;
const HEAP_GROWTH_LIMIT = 16 * 1024 * 1024;
/** Timers and other handles that are not keep-alive sockets. */
const HANDLE_GROWTH_LIMIT = 8;
/**
 * Keep-alive sockets grow with the busiest moment, not with requests served: each request in
 * flight holds at most a client↔Olla and an Olla↔backend connection, two sockets each, plus a
 * few for health checks and discovery.
 */
const SOCKET_LIMIT = 4 * MAX_IN_FLIGHT + 16;
/** Events on Olla's client sockets whose listener counts must not grow with requests served. */
const SOCKET_EVENTS = ['close', 'data', 'end', 'error', 'drain', 'timeout', 'finish'] as const;

describe.each(ENGINES)('the %s engine under a steady soak', (engine) => {
  let fleet: Fleet | undefined;
  const problems: string[] = [];
  const onRejection = (reason: unknown) => problems.push(`unhandled rejection: ${String(reason)}`);
  const onWarning = (warning: Error) => problems.push(`warning: ${warning.name}: ${warning.message}`);
  afterEach(async () => {
    process.off('unhandledRejection', onRejection);
    process.off('warning', onWarning);
    await fleet?.close();
    fleet = undefined;
  });

  it(`stays flat through ${scale.soakMs / 1000} s at about ${scale.soakRatePerSecond} requests a second`, async () => {
    process.on('unhandledRejection', onRejection);
    process.on('warning', onWarning);
    const seed = runSeed();
    const random = seededRandom(seed);
    const beforeFleet = readProcess();
    // The rig keeps no per-request history (request log lines, mock request records), so memory
    // growth is Olla's alone.
    fleet = await startFleet(
      engine,
      [
        { name: 'ollama-1', flavour: 'ollama', recordLimit: 64 },
        { name: 'ollama-2', flavour: 'ollama', recordLimit: 64 },
        { name: 'openai-1', flavour: 'openai', recordLimit: 64 },
      ],
      { server: { request_logging: false } },
    );
    const running = fleet;
    const clientSockets = new Set<Socket>();
    running.olla.olla.server.server.on('connection', (socket: Socket) => {
      clientSockets.add(socket);
      socket.once('close', () => clientSockets.delete(socket));
    });
    const tally = new Tally(`soak, ${engine} engine, ${scale.name} (seed ${seed})`);
    const failures: Outcome[] = [];
    const send = async () => {
      const outcome = await sendChat(
        running.client,
        running.olla.url,
        { flavour: random() < 0.5 ? 'openai' : 'ollama', stream: random() < 0.5, model: STRESS_MODEL },
        { timeoutMs: CLIENT_TIMEOUT_MS },
      );
      tally.add(outcome);
      if (outcome.kind !== 'ok') failures.push(outcome);
    };

    await steadyLoad(WARM_UP_MS, scale.soakRatePerSecond, send, tally);
    await running.settled();
    const baseline = await quietReading();
    const baselineListeners = maxListeners(clientSockets);
    await steadyLoad(scale.soakMs, scale.soakRatePerSecond, send, tally);
    await running.settled();
    const final = await quietReading();
    const finalListeners = maxListeners(clientSockets);
    const connectionsAfter = describeConnections(running);
    const countsAfter = running.nodes.map((node) => running.olla.olla.connections(node.name));

    // Keep-alive sockets come and go with the load, so their count is checked where it has a
    // fixed answer: once the client hangs up Olla holds no client socket, and once everything
    // is closed the process is back to the handles it had before the fleet started.
    await running.client.close();
    await waitFor(() => clientSockets.size === 0, 5_000, 'Olla to let go of every client socket');
    await running.close();
    let closed = await quietReading();
    await waitFor(
      async () => {
        closed = await quietReading();
        return closed.resourceTotal <= beforeFleet.resourceTotal;
      },
      5_000,
      'the handles of before the fleet',
    ).catch(() => undefined);

    tally.note('memory reading', collectsGarbage ? 'after a forced collection' : 'without --expose-gc');
    tally.note('RSS after warm-up → after soak', `${mb(baseline.rss)} → ${mb(final.rss)}`);
    tally.note(
      'heap + buffers after warm-up → after soak',
      `${mb(baseline.heapAndBuffers)} → ${mb(final.heapAndBuffers)}`,
    );
    tally.note('active resources before the fleet', `${beforeFleet.resourceTotal} (${describeResources(beforeFleet)})`);
    tally.note('active resources after warm-up', `${baseline.resourceTotal} (${describeResources(baseline)})`);
    tally.note('active resources after soak', `${final.resourceTotal} (${describeResources(final)})`);
    tally.note('active resources once all closed', `${closed.resourceTotal} (${describeResources(closed)})`);
    tally.note(
      'most listeners on one client socket, warm-up → soak',
      `${format(baselineListeners)} → ${format(finalListeners)}`,
    );
    tally.note('connections after (olla/mock streams)', connectionsAfter);
    tally.print();

    expect(failures.map((o) => `${o.kind} ${o.status} ${o.error ?? o.body.slice(0, 200)}`)).toEqual([]);
    expect(problems).toEqual([]);
    expect(countsAfter.every((count) => count === 0)).toBe(true);
    expect(final.rss - baseline.rss).toBeLessThan(RSS_GROWTH_LIMIT);
    expect(final.heapAndBuffers - baseline.heapAndBuffers).toBeLessThan(HEAP_GROWTH_LIMIT);
    expect(withoutSockets(final) - withoutSockets(baseline)).toBeLessThan(HANDLE_GROWTH_LIMIT);
    expect(final.resources.get('TCPSocketWrap') ?? 0).toBeLessThanOrEqual(SOCKET_LIMIT);
    for (const event of SOCKET_EVENTS)
      expect(finalListeners[event], event).toBeLessThanOrEqual(baselineListeners[event]);
    expect(closed.resourceTotal).toBeLessThanOrEqual(beforeFleet.resourceTotal);
  });
});

/** A reading once pending callbacks (immediates, socket closes) have had a moment to run. */
async function quietReading(): Promise<ProcessReading> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return readProcess();
}

function withoutSockets(reading: ProcessReading): number {
  return reading.resourceTotal - (reading.resources.get('TCPSocketWrap') ?? 0);
}

/**
 * Sends about `ratePerSecond` requests a second for `durationMs`: each tick tops the count up to
 * what the elapsed time calls for (so late timers do not lower the rate), never with more than
 * MAX_IN_FLIGHT at once. Resolves once every request sent has settled.
 */
async function steadyLoad(durationMs: number, ratePerSecond: number, send: () => Promise<void>, tally: Tally) {
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  let sent = 0;
  for (let elapsed = 0; elapsed < durationMs; elapsed = performance.now() - start) {
    const due = Math.floor((elapsed * ratePerSecond) / 1000);
    for (; sent < due; sent++) {
      if (inFlight.size >= MAX_IN_FLIGHT) {
        tally.count('sends held back by the in-flight cap', due - sent);
        sent = due;
        break;
      }
      const request = send().finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(inFlight);
}

type ListenerCounts = Record<(typeof SOCKET_EVENTS)[number], number>;

function maxListeners(sockets: ReadonlySet<Socket>): ListenerCounts {
  const counts = Object.fromEntries(SOCKET_EVENTS.map((event) => [event, 0])) as ListenerCounts;
  for (const socket of sockets) {
    for (const event of SOCKET_EVENTS) counts[event] = Math.max(counts[event], socket.listenerCount(event));
  }
  return counts;
}

function format(counts: ListenerCounts): string {
  return SOCKET_EVENTS.map((event) => `${event}=${counts[event]}`).join(' ');
}

/**
 * The scenarios of the table, grouped by the mock they need (a group's mock runs once, and each
 * target is started against it in turn): small JSON chats and a 10 MB body against a quick mock,
 * 200-token streams against a mock that paces its tokens, and 1,000 held streams against a mock
 * that sends one token a second.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { holdStreams, latency, streams, throughput } from './load.js';
import { rssOf } from './memory.js';
import { BENCH_MODEL, type MockSettings } from './mock.js';
import type { RequestSpec } from './request-spec.js';
import type { Spread } from './stats.js';
import type { Api, Route } from './targets.js';

export type ScenarioId = 'json-1' | 'json-64' | 'sse-200' | 'ndjson-200' | 'idle-1000' | 'body-10mb';

/** What one scenario measured on one target. Latency figures are ms; for streams they are time to first byte. */
export interface Measurement extends Partial<Spread> {
  rps?: number;
  errors: number;
  /** Streams: the gap between successive chunks. */
  gap?: Spread;
  /**
   * Streams: the first-byte p50 over that of streams straight to the mock interleaved with the
   * target's, which the added-p50 figure uses instead of the direct row's (measured seconds apart).
   */
  ttfbAdded?: number;
  /**
   * Streams: the same for the response head. The mock sends its head at once and its first token
   * a millisecond later, so a first byte added before the head is the request path's (routing,
   * the hop upstream, the head written back), not the relaying of tokens.
   */
  headAdded?: number;
  chunksPerStream?: number;
  /** Request body megabytes per second. */
  mbPerSecond?: number;
  /** Held streams: how many were flowing, and the target's resident memory before and with them. */
  held?: { requested: number; opened: number; rssBefore: number; rssWith: number };
}

export interface Pace {
  seconds: number;
  warmupSeconds: number;
  /** Streams held open in idle-1000. */
  idleStreams: number;
  /** The fewest streams a stream cell times on each side, however long that takes. */
  minStreams: number;
  openTimeoutMs: number;
}

export interface ScenarioContext {
  /** Where the target is, and how it serves this scenario's API. */
  url: string;
  route: Route;
  pid: number;
  pace: Pace;
  workDir: string;
  /** The mock hit directly for the same API, when the target is not the mock itself. */
  direct?: { url: string; route: Route };
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  api: Api;
  measure(context: ScenarioContext): Promise<Measurement>;
}

export interface ScenarioGroup {
  name: string;
  mock: MockSettings;
  scenarios: Scenario[];
}

const MESSAGES = [{ role: 'user', content: 'Say hello in one short sentence.' }];
const BODY_BYTES = 10 * 1024 * 1024;

function chatBody(stream: boolean): string {
  return JSON.stringify({ model: BENCH_MODEL, messages: MESSAGES, stream });
}

/** The probe the bench sends until a target answers 200, so no scenario starts before routing works. */
export function readinessSpec(url: string, route: Route): RequestSpec {
  return specFor(url, route, chatBody(false));
}

function specFor(url: string, route: Route, body: string): RequestSpec {
  return {
    url: url + route.path,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...route.headers },
    body,
  };
}

/** A 10 MB chat request: one long user message, the model named first as clients send it. */
function bigBodyFile(workDir: string): string {
  const file = join(workDir, 'body-10mb.json');
  const head = `{"model":"${BENCH_MODEL}","messages":[{"role":"user","content":"`;
  const tail = '"}]}';
  writeFileSync(file, head + 'x'.repeat(BODY_BYTES - head.length - tail.length) + tail);
  return file;
}

const json1: Scenario = {
  id: 'json-1',
  title: 'small JSON chat, 1 connection',
  api: 'openai-chat',
  measure: ({ url, route, pace }) =>
    latency(specFor(url, route, chatBody(false)), { seconds: pace.seconds, warmupSeconds: pace.warmupSeconds }),
};

const json64: Scenario = {
  id: 'json-64',
  title: 'small JSON chat, 64 connections',
  api: 'openai-chat',
  measure: ({ url, route, pace }) =>
    throughput(specFor(url, route, chatBody(false)), {
      connections: 64,
      seconds: pace.seconds,
      warmupSeconds: pace.warmupSeconds,
    }),
};

const body10mb: Scenario = {
  id: 'body-10mb',
  title: '10 MB request body, 4 connections',
  api: 'echo',
  async measure({ url, route, pace, workDir }) {
    const spec: RequestSpec = {
      url: url + route.path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...route.headers },
      bodyFile: bigBodyFile(workDir),
    };
    const result = await throughput(spec, { connections: 4, seconds: pace.seconds, warmupSeconds: pace.warmupSeconds });
    return { ...result, mbPerSecond: (result.rps * BODY_BYTES) / 1e6 };
  },
};

function streaming(id: ScenarioId, title: string, api: Api): Scenario {
  return {
    id,
    title,
    api,
    async measure({ url, route, pace, direct }) {
      const body = chatBody(true);
      // One stream at a time: eight at once on two cores would time the contention, not the proxy.
      const result = await streams(specFor(url, route, body), {
        seconds: pace.seconds,
        warmupSeconds: pace.warmupSeconds,
        concurrency: 1,
        minStreams: pace.minStreams,
        ...(direct ? { baseline: specFor(direct.url, direct.route, body) } : {}),
      });
      // A target that answers every stream with an error has no timings worth a row.
      if (result.errors >= result.streams) throw new Error(`every stream failed (${result.streams} tried)`);
      return {
        ...result.ttfb,
        rps: result.rps,
        errors: result.errors,
        gap: result.gap,
        chunksPerStream: result.chunksPerStream,
        ...(result.baselineTtfb ? { ttfbAdded: result.ttfb.p50 - result.baselineTtfb.p50 } : {}),
        ...(result.baselineHead ? { headAdded: result.head.p50 - result.baselineHead.p50 } : {}),
      };
    },
  };
}

const idle: Scenario = {
  id: 'idle-1000',
  title: 'open streams held (1 token/s; --idle-streams, 1,000 by default)',
  api: 'openai-chat',
  async measure({ url, route, pid, pace }) {
    const spec = specFor(url, route, chatBody(true));
    // A first, smaller round grows the pools and compiles the stream path, so the weighed round
    // measures what each further stream costs; the pause lets the collector take the round's garbage.
    const warmUp = await holdStreams(spec, { count: 100, openTimeoutMs: pace.openTimeoutMs });
    await warmUp.close();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssBefore = rssOf(pid);
    const held = await holdStreams(spec, {
      count: pace.idleStreams,
      openTimeoutMs: pace.openTimeoutMs,
    });
    // Let the first tokens pass through and the target's buffers settle before weighing it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rssWith = rssOf(pid);
    await held.close();
    return {
      errors: held.failed,
      held: { requested: held.requested, opened: held.opened, rssBefore, rssWith },
    };
  },
};

export const GROUPS: readonly ScenarioGroup[] = [
  { name: 'quick replies', mock: { tokens: 10, delayMs: 0 }, scenarios: [json1, json64, body10mb] },
  {
    name: '200-token streams, 1 ms a token',
    mock: { tokens: 200, delayMs: 1 },
    scenarios: [
      streaming('sse-200', 'SSE stream, 200 tokens, one at a time', 'openai-chat'),
      streaming('ndjson-200', 'NDJSON stream (Ollama /api/chat), 200 tokens, one at a time', 'ollama-chat'),
    ],
  },
  { name: 'held streams, 1 token a second', mock: { tokens: 120, delayMs: 1000 }, scenarios: [idle] },
];

/**
 * Micro-benchmarks for the per-request cost of sticky sessions and rate limiting.
 * Run: npx tsx bench/security-micro.ts
 */
import { createClientIpResolver } from '../src/adapter/security/client-ip.js';
import { RateLimiter } from '../src/adapter/security/rate-limit.js';
import { fnv1a64Hex } from '../src/adapter/sticky/fnv.js';
import { deriveStickyKey } from '../src/adapter/sticky/sticky-key.js';
import { StickySelector } from '../src/adapter/sticky/sticky-selector.js';
import type { StickySessionsConfig } from '../src/config/types.js';
import { fakeEndpoint } from '../src/core/domain/endpoint.fixture.js';
import type { Endpoint } from '../src/core/domain/endpoint.js';
import { RequestBody } from '../src/core/domain/request-body.js';
import type { EndpointSelector, SelectionContext } from '../src/core/ports/balancer.js';

let sink: unknown;

function bench(name: string, fn: () => unknown, iterations = 200_000): void {
  for (let i = 0; i < iterations / 10; i++) sink = fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = fn();
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  console.log(`${name.padEnd(64)} ${ns.toFixed(0).padStart(8)} ns/op`);
}

function bigIntFnv(bytes: Uint8Array, end: number): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < end; i++) {
    h ^= BigInt(bytes[i]!);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

function chat(system: string, turns: number): Buffer {
  const messages = [{ role: 'system', content: system }];
  for (let i = 0; i < turns; i++) {
    messages.push({
      role: i % 2 ? 'assistant' : 'user',
      content: `turn ${i}: ${'lorem ipsum dolor sit amet '.repeat(20)}`,
    });
  }
  return Buffer.from(JSON.stringify({ model: 'llama3.1:8b', stream: true, messages }));
}

const endpoints: Endpoint[] = ['a', 'b', 'c'].map((name) => fakeEndpoint({ name, url: `http://${name}:11434` }));

let cursor = 0;
const roundRobin: EndpointSelector = {
  name: 'round-robin',
  select: (candidates) => candidates[cursor++ % candidates.length],
  acquire: () => {},
  release: () => {},
  connections: () => 0,
};

const stickyConfig: StickySessionsConfig = {
  enabled: true,
  idleTtlSeconds: 600,
  maxSessions: 10_000,
  keySources: ['session_header', 'prefix_hash', 'auth_header'],
  prefixHashBytes: 512,
};

const system = 'You are a helpful assistant who answers briefly and precisely. '.repeat(10);
const smallBody = chat(system, 2); // ~2 KB
const largeBody = chat(system, 400); // ~220 KB of history
const prefix = Buffer.alloc(512, 0x61);

console.log(`bodies: small ${smallBody.length} B, large ${largeBody.length} B\n`);

bench('fnv1a64Hex, 512 bytes (two 32-bit halves)', () => fnv1a64Hex(prefix));
bench('fnv1a64, 512 bytes (BigInt, for comparison)', () => bigIntFnv(prefix, 512), 20_000);

const smallCtx: SelectionContext = {
  headers: {},
  clientIp: '10.0.0.1',
  model: 'llama3.1:8b',
  body: RequestBody.of(smallBody),
};
const largeCtx: SelectionContext = {
  headers: {},
  clientIp: '10.0.0.1',
  model: 'llama3.1:8b',
  body: RequestBody.of(largeBody),
};
const headerCtx: SelectionContext = {
  headers: { 'x-olla-session-id': 'conv-0b4f1c2e-8d57-4a8e-9d4b-1f2e3a4b5c6d' },
  clientIp: '10.0.0.1',
  model: 'llama3.1:8b',
};
bench('deriveStickyKey: prefix_hash, 2 KB chat body', () => deriveStickyKey(smallCtx, stickyConfig));
bench('deriveStickyKey: prefix_hash, 220 KB chat body', () => deriveStickyKey(largeCtx, stickyConfig), 5_000);
bench('deriveStickyKey: session_header', () => deriveStickyKey(headerCtx, stickyConfig));

const sticky = new StickySelector(roundRobin, stickyConfig);
sticky.select(endpoints, { ...smallCtx });
bench('StickySelector.select hit: prefix key + store lookup (2 KB)', () => sticky.select(endpoints, smallCtx));
bench('StickySelector.select hit: session header + store lookup', () => sticky.select(endpoints, headerCtx));

const limiter = new RateLimiter(
  {
    globalRequestsPerMinute: 1e12,
    perIpRequestsPerMinute: 1e12,
    healthRequestsPerMinute: 1000,
    burstSize: 1e12,
    perEndpoint: { defaultRequestsPerMinute: 200 },
    cleanupInterval: 0,
    trustProxyHeaders: true,
    trustedProxyCidrs: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
  },
  {},
);
const ips = Array.from({ length: 1000 }, (_, i) => `192.168.${i >> 8}.${i & 0xff}`);
let ipIndex = 0;
bench('RateLimiter.check, allowed, 1000 known clients', () => limiter.check(ips[ipIndex++ % ips.length]!, false));

const resolve = createClientIpResolver({
  trustProxyHeaders: true,
  trustedProxyCidrs: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
});
const xff = { 'x-forwarded-for': '203.0.113.9, 10.0.0.2' };
bench('clientIp: trusted IPv4-mapped peer with X-Forwarded-For', () => resolve('::ffff:10.0.0.2', xff));
bench('clientIp: untrusted peer', () => resolve('203.0.113.50', xff));

limiter.stop();
if (sink === Symbol.for('never')) console.log(sink);

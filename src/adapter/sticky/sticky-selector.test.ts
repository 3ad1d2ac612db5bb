import { describe, expect, it } from 'vitest';
import type { StickySessionsConfig } from '../../config/types.js';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import type { Endpoint, EndpointStatus } from '../../core/domain/endpoint.js';
import type { EndpointSelector, SelectionContext } from '../../core/ports/balancer.js';
import { StickySelector, stickyStats } from './sticky-selector.js';

const endpoint = (name: string, status: EndpointStatus = 'healthy'): Endpoint =>
  fakeEndpoint({ name, url: `http://${name}:11434`, status });

/** Round-robin over routable candidates, counting calls and connections. */
class RoundRobin implements EndpointSelector {
  readonly name = 'round-robin';
  calls = 0;
  readonly inFlight = new Map<string, number>();
  #cursor = 0;
  select(candidates: readonly Endpoint[]): Endpoint | undefined {
    this.calls++;
    if (candidates.length === 0) return undefined;
    return candidates[this.#cursor++ % candidates.length];
  }
  acquire(e: Endpoint): void {
    this.inFlight.set(e.name, this.connections(e) + 1);
  }
  release(e: Endpoint): void {
    this.inFlight.set(e.name, this.connections(e) - 1);
  }
  connections(e: Endpoint): number {
    return this.inFlight.get(e.name) ?? 0;
  }
}

const CONFIG: StickySessionsConfig = {
  enabled: true,
  idleTtlSeconds: 60,
  maxSessions: 100,
  keySources: ['session_header', 'prefix_hash', 'auth_header'],
  prefixHashBytes: 512,
};

function request(session?: string): SelectionContext {
  return { headers: session ? { 'x-olla-session-id': session } : {}, clientIp: '127.0.0.1', model: 'llama3' };
}

function setup(config: StickySessionsConfig = CONFIG) {
  let now = 1_000; // lru-cache reads a start time of 0 as "never set"
  const inner = new RoundRobin();
  const sticky = new StickySelector(inner, config, { now: () => now });
  return { inner, sticky, advance: (ms: number) => (now += ms) };
}

describe('StickySelector', () => {
  const eps = [endpoint('a'), endpoint('b'), endpoint('c')];

  it('names itself after the balancer it wraps', () => {
    expect(setup().sticky.name).toBe('sticky(round-robin)');
  });

  it('sends every turn with the same key to the same endpoint', () => {
    const { sticky } = setup();
    const first = request('conv-1');
    const pinned = sticky.select(eps, first);
    expect(first.sticky).toEqual({ result: 'miss', source: 'session_header' });
    for (let turn = 0; turn < 5; turn++) {
      sticky.select(eps, request(`other-${turn}`));
      const next = request('conv-1');
      expect(sticky.select(eps, next)).toBe(pinned);
      expect(next.sticky).toEqual({ result: 'hit', source: 'session_header' });
    }
  });

  it('re-pins through the inner balancer when the pinned endpoint is not a candidate', () => {
    const { sticky } = setup();
    const pinned = sticky.select(eps, request('conv-1'))!;
    const remaining = eps.filter((e) => e !== pinned);
    const moved = request('conv-1');
    const chosen = sticky.select(remaining, moved);
    expect(chosen).not.toBe(pinned);
    expect(moved.sticky).toEqual({ result: 'repin', source: 'session_header' });
    const after = request('conv-1');
    expect(sticky.select(eps, after)).toBe(chosen);
    expect(after.sticky?.result).toBe('hit');
  });

  it('re-pins when the pinned endpoint is still listed but no longer routable', () => {
    const { sticky } = setup();
    const a = endpoint('a');
    const b = endpoint('b');
    expect(sticky.select([a, b], request('s'))).toBe(a);
    a.status = 'offline';
    const ctx = request('s');
    expect(sticky.select([a, b], ctx)).toBe(b);
    expect(ctx.sticky?.result).toBe('repin');
  });

  it('passes through and reports disabled when no key can be derived', () => {
    const { sticky, inner } = setup();
    const ctx = request();
    expect(sticky.select(eps, ctx)).toBe(eps[0]);
    expect(sticky.select(eps, request())).toBe(eps[1]);
    expect(ctx.sticky).toEqual({ result: 'disabled', source: 'none' });
    expect(inner.calls).toBe(2);
    expect(sticky.stats().active_sessions).toBe(0);
  });

  it('pins nothing when the inner balancer finds no endpoint', () => {
    const { sticky } = setup();
    const ctx = request('s');
    expect(sticky.select([], ctx)).toBeUndefined();
    expect(ctx.sticky).toBeUndefined();
    expect(sticky.stats().active_sessions).toBe(0);
  });

  it('starts afresh with a miss once a session idles past the TTL', () => {
    const { sticky, advance } = setup();
    sticky.select(eps, request('s'));
    advance(60_001);
    const ctx = request('s');
    sticky.select(eps, ctx);
    expect(ctx.sticky?.result).toBe('miss');
  });

  it('evicts the least recently used session beyond max_sessions', () => {
    const { sticky } = setup({ ...CONFIG, maxSessions: 2 });
    sticky.select(eps, request('one'));
    sticky.select(eps, request('two'));
    sticky.select(eps, request('three'));
    const ctx = request('one');
    sticky.select(eps, ctx);
    expect(ctx.sticky?.result).toBe('miss');
    expect(sticky.stats().evictions).toBeGreaterThanOrEqual(1);
  });

  it('forgets sessions pinned to a purged endpoint and keeps the rest', () => {
    const { sticky } = setup();
    const [a, b] = eps;
    sticky.select([a!], request('on-a'));
    sticky.select([b!], request('on-b'));
    sticky.purgeEndpoint('a');
    const onA = request('on-a');
    const onB = request('on-b');
    sticky.select(eps, onA);
    sticky.select(eps, onB);
    expect(onA.sticky?.result).toBe('miss');
    expect(onB.sticky?.result).toBe('hit');
  });

  it('delegates connection accounting to the inner balancer', () => {
    const { sticky, inner } = setup();
    const a = eps[0]!;
    sticky.acquire(a);
    sticky.acquire(a);
    sticky.release(a);
    expect(sticky.connections(a)).toBe(1);
    expect(inner.connections(a)).toBe(1);
  });

  it('reports stats shaped as the original /internal/stats/sticky', () => {
    const { sticky } = setup();
    sticky.select(eps, request('s'));
    sticky.select(eps, request('s'));
    expect(stickyStats(sticky)).toEqual({
      enabled: true,
      active_sessions: 1,
      insertions: 1,
      hits: 1,
      misses: 1,
      evictions: 0,
      max_sessions: 100,
      idle_ttl_seconds: 60,
    });
    expect(JSON.stringify(stickyStats(undefined))).toBe('{"enabled":false}');
  });
});

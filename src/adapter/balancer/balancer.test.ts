import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import { type Endpoint, type EndpointStatus, isRoutable } from '../../core/domain/endpoint.js';
import { ConfigError } from '../../core/errors.js';
import type { EndpointSelector } from '../../core/ports/balancer.js';
import { ConnectionCounter } from './connection-counter.js';
import { BALANCER_NAMES, createBalancer } from './factory.js';
import { LeastConnectionsBalancer } from './least-connections.js';
import { PriorityBalancer } from './priority.js';
import { RoundRobinBalancer } from './round-robin.js';

const STATUSES: readonly EndpointStatus[] = [
  'healthy',
  'busy',
  'offline',
  'warming',
  'unhealthy',
  'unknown',
  'config_error',
  'rate_limited',
];

const node = (name: string, status: EndpointStatus = 'healthy', priority = 100): Endpoint =>
  fakeEndpoint({ name, url: `http://${name}:11434`, status, priority });

function pickMany(selector: EndpointSelector, candidates: readonly Endpoint[], times: number): Map<string, number> {
  const picks = new Map<string, number>();
  for (let i = 0; i < times; i++) {
    const name = selector.select(candidates)?.name ?? 'none';
    picks.set(name, (picks.get(name) ?? 0) + 1);
  }
  return picks;
}

// One set of cases, every balancer (hono's common.case.test.ts idea).
describe.each(BALANCER_NAMES)('the %s balancer', (name) => {
  const make = () => createBalancer(name);

  it('reports its config name', () => {
    expect(make().name).toBe(name);
  });

  it('answers undefined when there are no candidates', () => {
    expect(make().select([])).toBeUndefined();
  });

  it.each(STATUSES.filter((status) => !isRoutable(status)))('never picks a %s endpoint', (status) => {
    expect(make().select([node('a', status), node('b', status)])).toBeUndefined();
  });

  it('picks the only routable endpoint among unroutable ones', () => {
    const selector = make();
    const candidates = [node('a', 'offline'), node('b', 'busy'), node('c', 'unhealthy')];
    expect(pickMany(selector, candidates, 20)).toEqual(new Map([['b', 20]]));
  });

  it.each(['healthy', 'busy', 'warming'] as const)('routes to a %s endpoint', (status) => {
    expect(make().select([node('a', status)])?.name).toBe('a');
  });

  it('counts connections per endpoint name and never below zero', () => {
    const selector = make();
    const a = node('a');
    selector.acquire(a);
    selector.acquire(a);
    expect(selector.connections(a)).toBe(2);
    // A fresh object for the same endpoint (a config reload) sees the same count.
    expect(selector.connections(node('a'))).toBe(2);
    selector.release(a);
    selector.release(a);
    selector.release(a);
    expect(selector.connections(a)).toBe(0);
    selector.acquire(a);
    expect(selector.connections(a)).toBe(1);
  });

  it('spreads traffic over equal healthy endpoints', () => {
    const picks = pickMany(make(), [node('a'), node('b'), node('c')], 300);
    expect([...picks.keys()].sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('createBalancer', () => {
  it('rejects an unknown name as a config error listing the allowed ones', () => {
    expect(() => createBalancer('random')).toThrow(ConfigError);
    expect(() => createBalancer('random')).toThrow(/allowed: priority, round-robin, least-connections/);
  });

  it('does not mistake an inherited property for a balancer name', () => {
    expect(() => createBalancer('toString')).toThrow(ConfigError);
  });

  it('lets balancers share one connection counter', () => {
    const counter = new ConnectionCounter();
    const a = node('a');
    createBalancer('priority', counter).acquire(a);
    expect(createBalancer('least-connections', counter).connections(a)).toBe(1);
  });
});

describe('PriorityBalancer', () => {
  it('prefers the larger priority value', () => {
    const selector = new PriorityBalancer();
    expect(selector.select([node('backup', 'healthy', 50), node('primary', 'healthy', 100)])?.name).toBe('primary');
  });

  it('falls back to a lower tier when the whole top tier is out', () => {
    const candidates = [node('p1', 'offline', 100), node('p2', 'unhealthy', 100), node('backup', 'healthy', 10)];
    expect(new PriorityBalancer().select(candidates)?.name).toBe('backup');
  });

  it('lets a busy top-tier node beat a healthy lower-tier one', () => {
    expect(new PriorityBalancer().select([node('low', 'healthy', 1), node('top', 'busy', 2)])?.name).toBe('top');
  });

  it('splits the tier by status weight: healthy 1, busy 0.3, warming 0.1', () => {
    const candidates = [node('h'), node('b', 'busy'), node('w', 'warming')];
    const pick = (random: number) => new PriorityBalancer(undefined, () => random).select(candidates)?.name;
    // Cumulative weights over 1.4: h up to 1.0, b up to 1.3, w up to 1.4.
    expect(pick(0)).toBe('h');
    expect(pick(0.71)).toBe('h');
    expect(pick(0.72)).toBe('b');
    expect(pick(0.92)).toBe('b');
    expect(pick(0.93)).toBe('w');
    expect(pick(0.9999)).toBe('w');
  });
});

describe('RoundRobinBalancer', () => {
  it('cycles through routable endpoints in order, skipping the rest', () => {
    const selector = new RoundRobinBalancer();
    const candidates = [node('a'), node('x', 'offline'), node('b'), node('c')];
    const order = Array.from({ length: 6 }, () => selector.select(candidates)?.name);
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('ignores connection counts', () => {
    const selector = new RoundRobinBalancer();
    const a = node('a');
    selector.acquire(a);
    selector.acquire(a);
    expect(selector.select([a, node('b')])?.name).toBe('a');
  });
});

describe('LeastConnectionsBalancer', () => {
  it('picks the endpoint with the fewest requests in flight', () => {
    const selector = new LeastConnectionsBalancer();
    const [a, b, c] = [node('a'), node('b'), node('c')];
    selector.acquire(a);
    selector.acquire(a);
    selector.acquire(c);
    expect(selector.select([a, b, c])?.name).toBe('b');
  });

  it('treats an endpoint it has never seen as idle', () => {
    const selector = new LeastConnectionsBalancer();
    const a = node('a');
    selector.acquire(a);
    expect(selector.select([a, node('new')])?.name).toBe('new');
  });

  it('rotates among endpoints tied on the minimum so none is shadowed', () => {
    const selector = new LeastConnectionsBalancer();
    const candidates = [node('a'), node('b'), node('c')];
    const order = Array.from({ length: 6 }, () => selector.select(candidates)?.name);
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('leaves the tie cursor alone when one endpoint is strictly least loaded', () => {
    const selector = new LeastConnectionsBalancer();
    const [a, b] = [node('a'), node('b')];
    selector.acquire(a);
    expect(selector.select([a, b])?.name).toBe('b');
    selector.release(a);
    expect(selector.select([a, b])?.name).toBe('a');
  });

  it('ignores connections held by unroutable endpoints', () => {
    const selector = new LeastConnectionsBalancer();
    const busy = node('busy');
    selector.acquire(busy);
    expect(selector.select([busy, node('down', 'offline')])?.name).toBe('busy');
  });
});

describe('balancer properties', () => {
  const arbNodes = fc
    .array(fc.record({ status: fc.constantFrom(...STATUSES), priority: fc.integer({ min: 0, max: 3 }) }), {
      maxLength: 12,
    })
    .map((specs) => specs.map((spec, i) => node(`n${i}`, spec.status, spec.priority)));

  it('never picks an unroutable endpoint, and picks one whenever any is routable', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BALANCER_NAMES), arbNodes, fc.nat(20), (name, candidates, rounds) => {
        const selector = createBalancer(name);
        const anyRoutable = candidates.some((candidate) => isRoutable(candidate.status));
        for (let i = 0; i <= rounds; i++) {
          const picked = selector.select(candidates);
          if (!anyRoutable) return picked === undefined;
          if (picked === undefined || !isRoutable(picked.status) || !candidates.includes(picked)) return false;
        }
        return true;
      }),
    );
  });

  it('round-robin gives every routable endpoint the same share over whole cycles', () => {
    fc.assert(
      fc.property(arbNodes, fc.integer({ min: 1, max: 5 }), (candidates, cycles) => {
        const routable = candidates.filter((candidate) => isRoutable(candidate.status));
        fc.pre(routable.length > 0);
        const picks = pickMany(new RoundRobinBalancer(), candidates, routable.length * cycles);
        return routable.every((candidate) => picks.get(candidate.name) === cycles);
      }),
    );
  });

  it('least-connections always picks an endpoint with the minimum count', () => {
    fc.assert(
      fc.property(arbNodes, fc.array(fc.nat(5), { maxLength: 12 }), (candidates, loads) => {
        const selector = new LeastConnectionsBalancer();
        candidates.forEach((candidate, i) => {
          for (let n = 0; n < (loads[i] ?? 0); n++) selector.acquire(candidate);
        });
        const routable = candidates.filter((candidate) => isRoutable(candidate.status));
        fc.pre(routable.length > 0);
        const min = Math.min(...routable.map((candidate) => selector.connections(candidate)));
        const picked = selector.select(candidates);
        return picked !== undefined && selector.connections(picked) === min;
      }),
    );
  });

  it('priority always picks from the highest routable tier', () => {
    fc.assert(
      fc.property(arbNodes, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (candidates, random) => {
        const routable = candidates.filter((candidate) => isRoutable(candidate.status));
        fc.pre(routable.length > 0);
        const top = Math.max(...routable.map((candidate) => candidate.priority));
        return new PriorityBalancer(undefined, () => random).select(candidates)?.priority === top;
      }),
    );
  });
});

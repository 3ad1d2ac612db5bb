import { describe, expect, it } from 'vitest';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import type { SelectionContext } from '../../core/ports/balancer.js';
import { ReloadableSelector } from './reloadable-selector.js';

const sticky = {
  enabled: false,
  idleTtlSeconds: 60,
  maxSessions: 10,
  keySources: ['session_header' as const],
  prefixHashBytes: 0,
};
const nodes = ['a', 'b', 'c'].map((name) => fakeEndpoint({ name }));

describe('ReloadableSelector', () => {
  it('swaps the balancer on reload and keeps counting connections across the swap', () => {
    const selector = new ReloadableSelector({ loadBalancer: 'round-robin', stickySessions: sticky });
    const [a] = nodes;
    selector.acquire(a!);
    expect(selector.reconfigure({ loadBalancer: 'round-robin', stickySessions: sticky })).toBe(false);
    expect(selector.reconfigure({ loadBalancer: 'least-connections', stickySessions: sticky })).toBe(true);
    expect(selector.name).toBe('least-connections');
    expect(selector.connections(a!)).toBe(1);
    expect(selector.select(nodes)?.name).not.toBe('a');
    selector.release(a!);
    expect(selector.connections(a!)).toBe(0);
  });

  it('adds sticky sessions on reload', () => {
    const selector = new ReloadableSelector({ loadBalancer: 'priority', stickySessions: sticky });
    expect(selector.sticky).toBeUndefined();
    selector.reconfigure({ loadBalancer: 'priority', stickySessions: { ...sticky, enabled: true } });
    expect(selector.name).toBe('sticky(priority)');
    expect(selector.sticky).toBeDefined();
  });

  it.each(['round-robin', 'least-connections'] as const)(
    '%s: a peek picks what the next select will, moving nothing',
    (name) => {
      const selector = new ReloadableSelector({ loadBalancer: name, stickySessions: sticky });
      for (let i = 0; i < 5; i++) {
        const peeked = selector.peek(nodes);
        expect(selector.peek(nodes)).toBe(peeked);
        expect(selector.select(nodes)).toBe(peeked);
      }
    },
  );

  it('a sticky peek reports the pin without creating or refreshing one', () => {
    const selector = new ReloadableSelector({
      loadBalancer: 'round-robin',
      stickySessions: { ...sticky, enabled: true },
    });
    const ctx = (): SelectionContext => ({ headers: { 'x-olla-session-id': 's1' }, clientIp: '127.0.0.1' });
    const first = ctx();
    selector.peek(nodes, first);
    expect(first.sticky).toMatchObject({ result: 'miss' });
    expect(selector.sticky?.stats().active_sessions).toBe(0);
    const pinned = selector.select(nodes, ctx());
    const again = ctx();
    expect(selector.peek(nodes, again)).toBe(pinned);
    expect(again.sticky).toMatchObject({ result: 'hit' });
    expect(selector.sticky?.stats().hits).toBe(0);
  });
});

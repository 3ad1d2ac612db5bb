import { describe, expect, it } from 'vitest';
import { SessionStore } from './session-store.js';

function clockedStore(idleTtlSeconds: number, maxSessions = 100) {
  let now = 1_000;
  const store = new SessionStore({ idleTtlSeconds, maxSessions, now: () => now });
  return { store, advance: (ms: number) => (now += ms) };
}

describe('SessionStore', () => {
  it('forgets a session that idles past the TTL', () => {
    const { store, advance } = clockedStore(60);
    store.set('k', 'ep1');
    advance(60_001);
    expect(store.get('k')).toBeUndefined();
    expect(store.counters().evictions).toBe(1);
  });

  it('slides the TTL forward on every hit', () => {
    const { store, advance } = clockedStore(60);
    store.set('k', 'ep1');
    for (let i = 0; i < 5; i++) {
      advance(50_000);
      expect(store.get('k')).toBe('ep1');
    }
  });

  it('keeps sessions without a TTL until the LRU cap evicts them', () => {
    const { store, advance } = clockedStore(0, 2);
    store.set('a', 'ep1');
    advance(10 * 24 * 3600 * 1000);
    expect(store.get('a')).toBe('ep1');
  });

  it('evicts the least recently used session once full', () => {
    const { store } = clockedStore(60, 2);
    store.set('a', 'ep1');
    store.set('b', 'ep2');
    store.get('a');
    store.set('c', 'ep1');
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBe('ep1');
    expect(store.activeSessions()).toBe(2);
    expect(store.counters().evictions).toBe(1);
  });

  it('counts inserts, hits and misses as the original reports them', () => {
    const { store } = clockedStore(60);
    store.get('k');
    store.set('k', 'ep1');
    store.get('k');
    store.set('k', 'ep2');
    expect(store.counters()).toEqual({ insertions: 1, hits: 1, misses: 1, evictions: 0 });
  });

  it('purges only the sessions pinned to one endpoint', () => {
    const { store } = clockedStore(60);
    store.set('a', 'ep1');
    store.set('b', 'ep2');
    store.set('c', 'ep1');
    expect(store.purgeEndpoint('ep1')).toBe(2);
    expect(store.get('b')).toBe('ep2');
    expect(store.activeSessions()).toBe(1);
  });

  it('does not count expired sessions as active', () => {
    const { store, advance } = clockedStore(10);
    store.set('a', 'ep1');
    advance(5_000);
    store.set('b', 'ep1');
    advance(6_000);
    expect(store.activeSessions()).toBe(1);
  });
});

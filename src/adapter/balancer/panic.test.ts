import { describe, expect, it } from 'vitest';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import { PANIC_MAX_CANDIDATES, panicCandidates } from './panic.js';

describe('panicCandidates', () => {
  it('puts the least recently failed first and keeps at most three', () => {
    const endpoints = [40, 10, 30, 20].map((at, i) =>
      fakeEndpoint({ name: `n${i}`, status: 'offline', lastChecked: at }),
    );
    expect(panicCandidates(endpoints).map((e) => e.name)).toEqual(['n1', 'n3', 'n2']);
    expect(PANIC_MAX_CANDIDATES).toBe(3);
  });

  it('leaves the configured list as it was', () => {
    const endpoints = [fakeEndpoint({ name: 'b', lastChecked: 2 }), fakeEndpoint({ name: 'a', lastChecked: 1 })];
    panicCandidates(endpoints);
    expect(endpoints.map((e) => e.name)).toEqual(['b', 'a']);
  });
});

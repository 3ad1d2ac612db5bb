import { describe, expect, it } from 'vitest';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import { ModelCatalogue } from './model-catalogue.js';

const a = fakeEndpoint({ name: 'a' });
const b = fakeEndpoint({ name: 'b' });

function catalogue(enableUnifier = true) {
  let now = 1000;
  const cat = new ModelCatalogue({
    enableUnifier,
    staleThresholdMs: 500,
    cleanupIntervalMs: 100,
    aliases: { fast: ['phi3', 'llama3:8b'] },
    now: () => now,
  });
  return { cat, advance: (ms: number) => (now += ms) };
}

describe('ModelCatalogue', () => {
  it('indexes exact native names, folded names and configured aliases', () => {
    const { cat } = catalogue();
    cat.setModels(a, [{ name: 'llama3:8b', lastSeen: 1 }]);
    cat.setModels(b, [
      { name: 'Llama3:8B', lastSeen: 1 },
      { name: 'phi3', lastSeen: 1 },
    ]);
    expect([...(cat.route('llama3:8b')?.endpoints ?? [])]).toEqual(['a']);
    expect([...(cat.route('LLAMA3:8b')?.endpoints ?? [])]).toEqual(['a', 'b']);
    expect(Object.fromEntries(cat.aliasRoute('fast')?.nativeNames ?? [])).toEqual({ b: 'phi3', a: 'llama3:8b' });
    expect(cat.route('nope')).toBeUndefined();
    expect(cat.find('LLAMA3:8B')?.id).toBe('llama3:8b');
  });

  it('forgets an endpoint whose models went unrefreshed past the stale threshold', () => {
    const { cat, advance } = catalogue();
    cat.setModels(a, [{ name: 'phi3', lastSeen: 1 }]);
    advance(400);
    cat.setModels(b, [{ name: 'phi3', lastSeen: 1 }]);
    advance(200);
    expect(cat.pruneStale()).toEqual(['a']);
    expect([...(cat.route('phi3')?.endpoints ?? [])]).toEqual(['b']);
    expect(cat.modelsFor('a')).toEqual([]);
  });

  it('matches exact native names only when the unifier is off', () => {
    const { cat } = catalogue(false);
    cat.setModels(a, [{ name: 'Phi3', lastSeen: 1 }]);
    expect(cat.unified()).toEqual([]);
    expect(cat.route('Phi3')?.endpoints.has('a')).toBe(true);
    expect(cat.route('phi3')).toBeUndefined();
  });

  it('bumps its version on every change and leaves no timer after stop', () => {
    const { cat } = catalogue();
    const before = cat.version;
    cat.setModels(a, []);
    cat.setEndpointOnline('a', false);
    expect(cat.version).toBe(before + 2);
    expect(cat.isEndpointOnline('a')).toBe(false);
    cat.start();
    cat.stop();
  });
});

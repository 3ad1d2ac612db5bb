import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FallbackChains, requestChain } from './fallback-chains.js';

describe('FallbackChains', () => {
  it('follows chains transitively, each model once', () => {
    const chains = new FallbackChains({ big: ['medium', 'small'], medium: ['tiny', 'small'] });
    expect(chains.chainFor('big')).toEqual(['big', 'medium', 'tiny', 'small']);
    expect(chains.chainFor('other')).toEqual(['other']);
  });

  it('always starts with the model asked for and never repeats one', () => {
    const names = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    fc.assert(
      fc.property(fc.dictionary(names, fc.array(names, { maxLength: 4 })), names, (map, model) => {
        const chain = new FallbackChains(map).chainFor(model);
        return chain[0] === model && new Set(chain).size === chain.length;
      }),
    );
  });

  it('puts a per-request list after the model, deduplicated', () => {
    expect(requestChain('a', ['b', 'a', 'c', 'b'])).toEqual(['a', 'b', 'c']);
    expect(requestChain(undefined, ['b', 'c'])).toEqual(['b', 'c']);
  });
});

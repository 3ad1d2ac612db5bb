import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../core/domain/model.js';
import { matchesGlob } from './glob.js';
import { applyModelFilters, filterAdmits } from './model-filter.js';

const model = (name: string): ModelInfo => ({ name, lastSeen: 0 });

describe('matchesGlob', () => {
  it.each([
    ['llama3:8b', '*', true],
    ['llama3:8b', 'llama*', true],
    ['Llama3:8B', 'LLAMA*', true],
    ['mistral-7b', '*-7b', true],
    ['nomic-embed-text', '*embed*', true],
    ['phi3', 'llama*', false],
    ['llama3', 'llama3', true],
    ['llama3-7b', 'llama*7b', false],
    ['llama*7b', 'llama*7b', true],
    ['anything', '**', true],
  ])('%s against %s is %s', (value, pattern, expected) => {
    expect(matchesGlob(value, pattern)).toBe(expected);
  });

  it('treats a contains pattern as a substring test for any name', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, core, b) => {
        fc.pre(!core.includes('*') && core.length > 0);
        expect(matchesGlob(a + core + b, `*${core}*`)).toBe(true);
      }),
    );
  });
});

describe('model filters', () => {
  it('admits everything when there are no include patterns', () => {
    expect(filterAdmits({ include: [], exclude: [] }, 'x')).toBe(true);
  });

  it('lets exclude win over include', () => {
    const f = { include: ['llama*'], exclude: ['*test*'] };
    expect(filterAdmits(f, 'llama3')).toBe(true);
    expect(filterAdmits(f, 'llama-test')).toBe(false);
    expect(filterAdmits(f, 'phi3')).toBe(false);
  });

  it('applies the global filter and the endpoint filter together', () => {
    const models = ['llama3', 'nomic-embed-text', 'phi3', 'llama-test'].map(model);
    const kept = applyModelFilters(
      models,
      { include: [], exclude: ['*test*'] },
      { include: ['llama*', 'nomic*'], exclude: ['*embed*'] },
    );
    expect(kept.map((m) => m.name)).toEqual(['llama3']);
  });

  it('returns the same list when no filter is active', () => {
    const models = [model('a')];
    expect(applyModelFilters(models, undefined, { include: [], exclude: [] })).toBe(models);
  });
});

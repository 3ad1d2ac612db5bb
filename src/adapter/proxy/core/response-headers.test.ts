import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeVary } from './response-headers.js';

describe('mergeVary', () => {
  it('keeps every field name once, compared case-insensitively, in the spelling first seen', () => {
    expect(mergeVary('Origin', 'Accept-Encoding')).toBe('Origin, Accept-Encoding');
    expect(mergeVary('Origin', 'origin, accept-encoding')).toBe('Origin, accept-encoding');
    expect(mergeVary('Origin', ['Accept', 'ORIGIN'])).toBe('Origin, Accept');
    expect(mergeVary('Origin', undefined)).toBe('Origin');
    expect(mergeVary('Origin', ' , Accept ,')).toBe('Origin, Accept');
  });

  it('lets * stand for everything', () => {
    expect(mergeVary('Origin', '*')).toBe('*');
    expect(mergeVary('*', 'Accept-Encoding')).toBe('*');
  });

  it('never loses or repeats a name', () => {
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z-]{0,10}$/);
    fc.assert(
      fc.property(fc.array(token, { minLength: 1 }), fc.array(token), (a, b) => {
        const merged = mergeVary(a.join(', '), b.length ? b.join(',') : undefined).split(', ');
        const lower = merged.map((n) => n.toLowerCase());
        expect(new Set(lower).size).toBe(lower.length);
        expect(new Set(lower)).toEqual(new Set([...a, ...b].map((n) => n.toLowerCase())));
      }),
    );
  });
});

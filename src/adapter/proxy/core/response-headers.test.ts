import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServerResponse, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { applyPresetHeaders, flatHead, mergeVary, presetHeaders, presetOf } from './response-headers.js';

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

describe('preset headers', () => {
  const response = () => new ServerResponse(new IncomingMessage(new Socket()));

  it("go into one flat head with the engine's own, which win on a clash", () => {
    const head = flatHead(
      { 'x-ratelimit-limit': '10', 'x-olla-request-id': 'from-hook', vary: 'Origin' },
      { 'content-type': 'text/plain', 'x-olla-request-id': 'own', vary: 'Origin, Accept', skipped: undefined },
    );
    expect(head).toEqual([
      'x-ratelimit-limit',
      '10',
      'content-type',
      'text/plain',
      'x-olla-request-id',
      'own',
      'vary',
      'Origin, Accept',
    ]);
    expect(flatHead(undefined, { a: ['1', '2'] })).toEqual(['a', ['1', '2']]);
  });

  it('stay off the response until an answer that sets headers one by one applies them', () => {
    const res = response();
    presetHeaders(res, { 'x-ratelimit-limit': '10', absent: undefined });
    expect(res.getHeaderNames()).toEqual([]);
    expect(presetOf(res)).toEqual({ 'x-ratelimit-limit': '10', absent: undefined });
    applyPresetHeaders(res);
    expect(res.getHeaders()).toEqual({ 'x-ratelimit-limit': '10' });
    // Applied once: a later flat head does not repeat them.
    expect(presetOf(res)).toBeUndefined();
    const bare = response();
    applyPresetHeaders(bare);
    expect(bare.getHeaderNames()).toEqual([]);
  });
});

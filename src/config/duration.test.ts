import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2m3.5s', 123_500],
    ['0', 0],
    ['0s', 0],
    ['-1.5s', -1_500],
    ['+2s', 2_000],
    ['.5s', 500],
    ['1.s', 1_000],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['2500000ns', 2.5],
    ['1h1m1s1ms', 3_661_001],
    ['1.1s', 1_100],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it.each(['', '30', '1.5', 's', '.s', '-', '1S', '1d', '1 s', '1h 30m', 'abc', '1.5.5s', '1e3s'])(
    'refuses %j with a reason',
    (text) => {
      const result = parseDuration(text);
      expect(result.ok).toBe(false);
    },
  );

  it('says how to write a bare number with a unit', () => {
    expect(parseDuration('30')).toEqual({ ok: false, reason: expect.stringContaining('write it as 30s or 30ms') });
  });

  it('refuses durations longer than Go can hold', () => {
    expect(parseDuration('3000000h').ok).toBe(false);
  });

  it('reads back every whole-millisecond duration it formats', () => {
    fc.assert(
      fc.property(fc.integer({ min: -9e12, max: 9e12 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, value: ms });
      }),
    );
  });

  it('reads back sub-millisecond durations to the nanosecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (nanos) => {
        const result = parseDuration(formatDuration(nanos / 1e6));
        expect(result.ok && Math.round(result.value * 1e6)).toBe(nanos);
      }),
    );
  });

  it('returns a result rather than throwing, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const result = parseDuration(text);
        expect(typeof result.ok).toBe('boolean');
        if (result.ok) expect(Number.isFinite(result.value)).toBe(true);
        else expect(result.reason).toMatch(/\S/);
      }),
    );
  });

  it('parses any sum of unit parts to the sum of their values', () => {
    const part = fc.tuple(
      fc.integer({ min: 0, max: 999 }),
      fc.constantFrom(['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]),
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
        const text = parts.map(([count, [unit]]) => `${count}${unit}`).join('');
        const expected = parts.reduce((sum, [count, [, ms]]) => sum + count * (ms as number), 0);
        expect(parseDuration(text)).toEqual({ ok: true, value: expected });
      }),
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [5_400_000, '1h30m'],
    [123_500, '2m3s500ms'],
    [-1_500, '-1s500ms'],
    [1.5, '1ms500us'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

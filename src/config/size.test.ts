import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from './size.js';

const KIB = 1024;
const MIB = KIB * KIB;
const GIB = MIB * KIB;

describe('parseSize', () => {
  it.each<[string | number, number]>([
    [0, 0],
    [104_857_600, 104_857_600],
    ['100', 100],
    ['1024B', 1024],
    ['512KB', 512 * KIB],
    ['100MB', 100 * MIB],
    ['10MiB', 10 * MIB],
    ['1GB', GIB],
    ['1gb', GIB],
    ['1k', KIB],
    ['1m', MIB],
    ['2.5GB', 2.5 * GIB],
    ['0.5KB', 512],
    ['100 MB', 100 * MIB],
    ['1TiB', 1024 * GIB],
  ])('reads %j as %d bytes', (input, bytes) => {
    expect(parseSize(input)).toEqual({ ok: true, value: bytes });
  });

  it.each<string | number>([
    '',
    'invalid',
    '100XB',
    '-100MB',
    'MB100',
    '1.2.3MB',
    '1  MB',
    -1,
    1.5,
    Number.NaN,
    2 ** 60,
  ])('refuses %j with a reason', (input) => {
    const result = parseSize(input);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/\S/) });
  });

  it('reads back every size it formats', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (bytes) => {
        expect(parseSize(formatSize(bytes))).toEqual({ ok: true, value: bytes });
      }),
    );
  });

  it('treats every unit as binary, with or without the i', () => {
    fc.assert(
      fc.property(fc.nat({ max: 4096 }), fc.constantFrom('K', 'M', 'G'), (amount, unit) => {
        const a = parseSize(`${amount}${unit}B`);
        const b = parseSize(`${amount}${unit}iB`);
        expect(a).toEqual(b);
      }),
    );
  });

  it('returns a result rather than throwing, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.double()), (input) => {
        const result = parseSize(input);
        if (result.ok) expect(Number.isSafeInteger(result.value) && result.value >= 0).toBe(true);
        else expect(result.reason).toMatch(/\S/);
      }),
    );
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0B'],
    [1000, '1000B'],
    [104_857_600, '100MiB'],
    [1_048_576, '1MiB'],
    [1536, '1536B'],
  ])('writes %d bytes as %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});

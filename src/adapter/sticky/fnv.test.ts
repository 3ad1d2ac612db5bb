import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a64Hex, fnv1a64HexOfHeader } from './fnv.js';

/** Reference FNV-1a 64 in BigInt, to check the two-halves arithmetic against. */
function referenceFnv1a64(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

describe('fnv1a64Hex', () => {
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
    // The original's own test vector for a session header.
    ['my-session-id', 'bd95cc3ab55faccc'],
  ])('hashes %j to the published FNV-1a 64 value', (input, expected) => {
    expect(fnv1a64Hex(Buffer.from(input))).toBe(expected);
  });

  it('agrees with a BigInt reference for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(fnv1a64Hex(bytes)).toBe(referenceFnv1a64(bytes));
      }),
    );
  });

  it('hashes only the requested range', () => {
    const bytes = Buffer.from('xxfoobaryy');
    expect(fnv1a64Hex(bytes, 2, 8)).toBe('85944171f73967e8');
  });

  it('hashes header values byte for byte as latin1', () => {
    expect(fnv1a64HexOfHeader('my-session-id')).toBe('bd95cc3ab55faccc');
    const latin1 = '\u00e9t\u00e9';
    expect(fnv1a64HexOfHeader(latin1)).toBe(referenceFnv1a64(Buffer.from([0xe9, 0x74, 0xe9])));
  });
});

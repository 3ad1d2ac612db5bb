/**
 * FNV-1a, 64-bit, as Go's `hash/fnv` New64a computes it: the original hashes sticky-session keys
 * with it, so the same session header yields the same key text here as there.
 *
 * The 64-bit state is kept as two unsigned 32-bit halves so the loop stays in small-integer
 * arithmetic; BigInt would allocate on every byte.
 */

const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
// The 64-bit prime is 2^40 + 0x1b3: multiplying by it is (h << 40) + h * 0x1b3.
const PRIME_LOW_BITS = 0x1b3;

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** FNV-1a 64 of `bytes[start, end)` as 16 lower-case hex digits (Go's fixed-width form). */
export function fnv1a64Hex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  for (let i = start; i < end; i++) {
    lo ^= bytes[i]!;
    // lo * prime, split into 16-bit limbs so every partial product stays below 2^32.
    const lowLimb = (lo & 0xffff) * PRIME_LOW_BITS;
    const highLimb = (lo >>> 16) * PRIME_LOW_BITS + (lowLimb >>> 16);
    const nextLo = ((highLimb << 16) | (lowLimb & 0xffff)) >>> 0;
    // hi * prime keeps only its low 32 bits; the 2^40 term moves lo's low 24 bits into hi.
    hi = (Math.imul(hi, PRIME_LOW_BITS) + (highLimb >>> 16) + (lo << 8)) >>> 0;
    lo = nextLo;
  }
  return hex32(hi) + hex32(lo);
}

/**
 * FNV-1a 64 of a header value. Node decodes header bytes as latin1, so each char code is the byte
 * the client sent and encoding back to latin1 hashes exactly what Go would.
 */
export function fnv1a64HexOfHeader(value: string): string {
  return fnv1a64Hex(Buffer.from(value, 'latin1'));
}

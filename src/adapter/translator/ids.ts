import { randomBytes } from 'node:crypto';

/** Base58: the original's alphabet, which leaves out the look-alikes 0, O, I and l. */
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** Largest multiple of 58 below 256: bytes at or above it are skipped so every letter is equally likely. */
const UNBIASED_LIMIT = 58 * 4;
/** 22 base58 characters carry about 129 bits, as much as the original's 16 random bytes. */
export const ID_LENGTH = 22;

/** `length` uniformly random base58 characters, for the ids translators mint. */
export function randomBase58(length: number = ID_LENGTH): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= UNBIASED_LIMIT) continue;
      out += BASE58[byte % 58];
      if (out.length === length) break;
    }
  }
  return out;
}

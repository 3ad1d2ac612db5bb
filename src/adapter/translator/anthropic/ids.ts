import { randomBytes } from 'node:crypto';

/** Base58: the original's alphabet, which leaves out the look-alikes 0, O, I and l. */
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** 22 base58 characters carry about 129 bits, as much as the original's 16 random bytes. */
const ID_LENGTH = 22;
/** Largest multiple of 58 below 256: bytes at or above it are skipped so every letter is equally likely. */
const UNBIASED_LIMIT = 58 * 4;

function randomBase58(length: number): string {
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

/** A message id in Anthropic's style (`msg_01…`), as the original generates them. */
export function newMessageId(): string {
  return `msg_01${randomBase58(ID_LENGTH)}`;
}

/** A tool-use id in Anthropic's style, for backends that send a tool call without one. */
export function newToolUseId(): string {
  return `toolu_01${randomBase58(ID_LENGTH)}`;
}

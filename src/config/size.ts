/**
 * Byte sizes for request limits and buffers: a plain integer is bytes, and a string takes a unit the
 * way the original's `OLLA_SERVER_MAX_BODY_SIZE` does (Docker's `RAMInBytes`): `512KB`, `100MB`, `1GB`,
 * `10MiB`, `1k`, `2.5GB`, `100 MB`. Every unit is binary (1 KB = 1024 bytes), with or without the `i`,
 * and case does not matter. Fractions of a byte are dropped.
 */

import { type ParseResult, parsed, rejected } from './parse-result.js';
import type { Bytes } from './types.js';

const SIZE = /^(\d+(?:\.\d+)?) ?(?:([kmgtp])i?)?b?$/i;
const UNIT_POWER: Readonly<Record<string, number>> = { k: 1, m: 2, g: 3, t: 4, p: 5 };
const EXAMPLES = 'bytes, or a size like 512KB, 100MB, 1GiB';

export function parseSize(input: string | number): ParseResult<Bytes> {
  if (typeof input === 'number') {
    return Number.isSafeInteger(input) && input >= 0 ? parsed(input) : rejected(`${input} is not a size (${EXAMPLES})`);
  }
  const match = SIZE.exec(input);
  if (match === null) return rejected(`${JSON.stringify(input)} is not a size (${EXAMPLES})`);
  const [, amount = '0', unit] = match;
  const bytes = Math.floor(Number(amount) * 1024 ** (unit ? (UNIT_POWER[unit.toLowerCase()] ?? 0) : 0));
  return Number.isSafeInteger(bytes) ? parsed(bytes) : rejected(`${JSON.stringify(input)} is too large a size`);
}

/** The largest binary unit that divides the size exactly, e.g. 104857600 -> `100MiB`. */
export function formatSize(bytes: Bytes): string {
  for (const [unit, power] of [
    ['PiB', 5],
    ['TiB', 4],
    ['GiB', 3],
    ['MiB', 2],
    ['KiB', 1],
  ] as const) {
    const perUnit = 1024 ** power;
    if (bytes !== 0 && bytes % perUnit === 0) return `${bytes / perUnit}${unit}`;
  }
  return `${bytes}B`;
}

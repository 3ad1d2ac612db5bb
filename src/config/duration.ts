/**
 * Go-style durations (`500ms`, `30s`, `1h30m`, `1.5h`, `2m3.5s`, `-1s`, `0`), the format the original's
 * config uses for every timeout, normalised to milliseconds.
 *
 * A bare number other than zero is refused rather than guessed at: Go's YAML decoder refuses it too, and
 * reading `30` as 30 nanoseconds (Go's unit) or as 30 seconds (what people tend to mean) would each
 * surprise half the readers. The message says how to write it.
 */

import { type ParseResult, parsed, rejected } from './parse-result.js';
import type { DurationMs } from './types.js';

const NANOS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n], // U+00B5 micro sign
  ['μs', 1_000n], // U+03BC Greek mu; Go accepts both
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const NANOS_PER_MS = 1_000_000n;
// Go keeps durations in a signed 64-bit count of nanoseconds; anything larger does not exist there.
const MAX_NANOS = 2n ** 63n - 1n;
const COMPONENT = /(\d*)(?:\.(\d*))?([^\d.]+)/y;
const UNIT_NAMES = 'ns, us, ms, s, m, h';

/** Parses a Go duration string into milliseconds (fractional below 1 ms). */
export function parseDuration(text: string): ParseResult<DurationMs> {
  let rest = text;
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1n : 1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return parsed(0);
  if (rest === '') return rejected(`${quote(text)} is not a duration (e.g. 500ms, 30s, 1h30m)`);
  if (/^\d+(\.\d*)?$/.test(rest)) {
    return rejected(`${quote(text)} has no unit; write it as ${rest}s or ${rest}ms (units: ${UNIT_NAMES})`);
  }

  let nanos = 0n;
  COMPONENT.lastIndex = 0;
  while (COMPONENT.lastIndex < rest.length) {
    const match = COMPONENT.exec(rest);
    if (match === null) return rejected(`${quote(text)} is not a duration (e.g. 500ms, 30s, 1h30m)`);
    const [, whole = '', fraction = '', unit = ''] = match;
    const perUnit = NANOS_PER_UNIT.get(unit);
    if (perUnit === undefined)
      return rejected(`${quote(text)} has an unknown unit ${quote(unit)} (units: ${UNIT_NAMES})`);
    if (whole === '' && fraction === '') return rejected(`${quote(text)} is not a duration (e.g. 500ms, 30s, 1h30m)`);
    nanos += BigInt(whole || '0') * perUnit;
    // Like Go, digits past nanosecond precision are truncated rather than rounded.
    if (fraction !== '') nanos += (BigInt(fraction) * perUnit) / 10n ** BigInt(fraction.length);
    if (nanos > MAX_NANOS) return rejected(`${quote(text)} is too long a duration (at most about 292 years)`);
  }
  return parsed(nanosToMs(sign * nanos));
}

/** Renders milliseconds as the shortest Go duration string that parses back to the same value. */
export function formatDuration(ms: DurationMs): string {
  if (ms === 0) return '0s';
  const magnitude = Math.abs(ms);
  // Whole milliseconds convert exactly; only sub-millisecond values go through floating point.
  let nanos = Number.isInteger(magnitude) ? BigInt(magnitude) * NANOS_PER_MS : BigInt(Math.round(magnitude * 1e6));
  const parts: string[] = ms < 0 ? ['-'] : [];
  for (const [unit, perUnit] of [
    ['h', 3_600_000_000_000n],
    ['m', 60_000_000_000n],
    ['s', 1_000_000_000n],
    ['ms', 1_000_000n],
    ['us', 1_000n],
    ['ns', 1n],
  ] as const) {
    const count = nanos / perUnit;
    if (count > 0n) parts.push(`${count}${unit}`);
    nanos -= count * perUnit;
  }
  return parts.join('');
}

function nanosToMs(nanos: bigint): DurationMs {
  const wholeMs = nanos / NANOS_PER_MS;
  const remainder = nanos - wholeMs * NANOS_PER_MS;
  return Number(wholeMs) + Number(remainder) / 1e6;
}

function quote(text: string): string {
  return JSON.stringify(text);
}

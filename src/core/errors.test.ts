import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from './errors.js';
import { ERROR_CODES, OllaError } from './errors.js';

/**
 * One of every concrete error class errors.ts exports. The arguments suit every constructor
 * (message, then Retry-After seconds and a rate window for the limit errors); an abstract class
 * has no code, so it drops out.
 */
function oneOfEach(): OllaError[] {
  return Object.values(errors)
    .filter((value) => typeof value === 'function' && value.prototype instanceof OllaError)
    .map((Class) => new (Class as new (...args: unknown[]) => OllaError)('x', 1, { limit: 1, remaining: 0, reset: 0 }))
    .filter((err) => err.code !== undefined);
}

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('ERROR_CODES', () => {
  it('names every error class with the status it answers', () => {
    const made = oneOfEach();
    expect(made.length).toBeGreaterThanOrEqual(15);
    const wrong = made
      .filter((err) => ERROR_CODES[err.code]?.[0] !== err.status)
      .map((err) => `${err.constructor.name}: ${err.code} ${err.status}`);
    expect(wrong).toEqual([]);
  });

  it('has no code that no error class answers with', () => {
    const answered = new Set(oneOfEach().map((err) => err.code));
    expect(Object.keys(ERROR_CODES).filter((code) => !answered.has(code))).toEqual([]);
  });

  it('is the table in the README, row for row', () => {
    const rows = [...README.matchAll(/^\| `(OLLA_ERR_\w+)` +\| +(\d+) \| (.+?) *\|$/gm)].map((m) => [
      m[1],
      Number(m[2]),
      m[3],
    ]);
    expect(rows).toEqual(Object.entries(ERROR_CODES).map(([code, [status, doc]]) => [code, status, doc]));
  });
});

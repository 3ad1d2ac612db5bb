import { BadRequestError } from '../../core/errors.js';

/**
 * The checks translators make of an incoming body, each refusing with a 400 that names the field
 * (`input.2.call_id: required`), so clients learn what to fix instead of seeing a backend error.
 */

export type Json = Record<string, unknown>;

export function fail(path: string, problem: string): never {
  throw new BadRequestError(`${path}: ${problem}`, { field: path });
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Present and not JSON null. */
export function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export function requireString(obj: Json, key: string, path: string): string {
  const value = obj[key];
  if (!given(value)) fail(path, 'required');
  if (typeof value !== 'string') fail(path, 'must be a string');
  return value;
}

export function optionalNumber(obj: Json, key: string, min: number, max: number, integer = false): void {
  const value = obj[key];
  if (!given(value)) {
    delete obj[key];
    return;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    fail(key, integer ? 'must be an integer' : 'must be a number');
  }
  if (value < min || value > max) {
    fail(key, max === Number.POSITIVE_INFINITY ? `must be at least ${min}` : `must be between ${min} and ${max}`);
  }
}

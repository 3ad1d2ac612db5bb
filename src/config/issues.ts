/**
 * How a config problem reads: `<key path> <problem>`, one line each, e.g.
 * `server.port: 70000 is not a port (1-65535)` or `discovery.static.endpoints[0].url is required`.
 */
import type { z } from 'zod';
import { describeValue } from './fields.js';

/** Messages that read on from the key (`... url is required`) rather than after a colon. */
const READS_ON_FROM_KEY = /^(is|are|and|has|must|resolved) /;

/** Keys that read unambiguously after a dot; others (spaces, empty) are quoted in brackets. */
const PLAIN_KEY = /^[\w.:/-]+$/;

export function formatKeyPath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const segment of segments) {
    const key = String(segment);
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (!PLAIN_KEY.test(key)) path += `[${JSON.stringify(key)}]`;
    else path += path === '' ? key : `.${key}`;
  }
  return path;
}

export function formatIssue(keyLabel: string, message: string): string {
  return READS_ON_FROM_KEY.test(message) ? `${keyLabel} ${message}` : `${keyLabel}: ${message}`;
}

/** Words for zod's own issues (wrong shape of a section or list), in the same style as the leaves'. */
export function describeZodIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  if (issue.expected === 'object' || issue.expected === 'record')
    return `${describeValue(issue.input)} is not a mapping of keys`;
  if (issue.expected === 'array') return `${describeValue(issue.input)} is not a list`;
  return undefined;
}

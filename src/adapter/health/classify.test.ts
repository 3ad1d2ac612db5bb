import { describe, expect, it } from 'vitest';
import { breakerVerdict, classifyProbeError, parseRetryAfter, statusForError, statusForResponse } from './classify.js';

describe('statusForResponse', () => {
  it.each([
    [200, 5, 'healthy'],
    [204, 5, 'healthy'],
    [299, 5, 'healthy'],
    [200, 11_000, 'busy'],
    [500, 11_000, 'busy'],
    [301, 5, 'unhealthy'],
    [404, 5, 'unhealthy'],
    [500, 5, 'unhealthy'],
    [503, 5, 'unhealthy'],
    [401, 5, 'config_error'],
    [403, 11_000, 'config_error'],
    [429, 5, 'rate_limited'],
  ] as const)('classifies HTTP %i after %i ms as %s', (code, latency, status) => {
    expect(statusForResponse(code, latency, 10_000)).toBe(status);
  });
});

describe('classifyProbeError', () => {
  it('treats a refused connection as a network error, even when undici wraps it', () => {
    expect(classifyProbeError({ code: 'ECONNREFUSED' })).toBe('network');
    expect(classifyProbeError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toBe(
      'network',
    );
  });

  it('treats connect and header timeouts as timeouts', () => {
    expect(classifyProbeError({ code: 'UND_ERR_CONNECT_TIMEOUT' })).toBe('timeout');
    expect(classifyProbeError({ code: 'UND_ERR_HEADERS_TIMEOUT' })).toBe('timeout');
  });

  it('treats anything else as an HTTP-level problem', () => {
    expect(classifyProbeError(new Error('invalid url'))).toBe('http');
    expect(classifyProbeError(undefined)).toBe('http');
  });

  it('maps unreachable nodes to offline and other failures to unhealthy', () => {
    expect(statusForError('network')).toBe('offline');
    expect(statusForError('timeout')).toBe('offline');
    expect(statusForError('circuit_open')).toBe('offline');
    expect(statusForError('http')).toBe('unhealthy');
  });
});

describe('breakerVerdict', () => {
  it.each([
    ['healthy', 'success'],
    ['busy', 'success'],
    ['config_error', 'none'],
    ['rate_limited', 'none'],
    ['unhealthy', 'failure'],
    ['offline', 'failure'],
  ] as const)('counts %s as %s', (status, verdict) => {
    expect(breakerVerdict(status)).toBe(verdict);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);

  it('reads delay-seconds relative to now', () => {
    expect(parseRetryAfter('120', now)).toBe(now + 120_000);
    expect(parseRetryAfter(' 5 ', now)).toBe(now + 5000);
  });

  it('reads an HTTP-date as an absolute time', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 12:05:00 GMT', now)).toBe(now + 300_000);
  });

  it('answers undefined for a missing or malformed header', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

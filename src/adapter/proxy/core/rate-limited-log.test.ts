import { describe, expect, it } from 'vitest';
import { RateLimitedLog } from './rate-limited-log.js';

describe('RateLimitedLog', () => {
  it('writes ten lines a second and reports how many it held back', () => {
    let now = 0;
    const lines: Record<string, unknown>[] = [];
    const log = new RateLimitedLog({ warn: (fields) => lines.push(fields) }, () => now);
    for (let i = 0; i < 1000; i++) log.warn({ i }, 'proxy answered with a gateway error');
    expect(lines).toHaveLength(10);
    now += 1000;
    log.warn({ i: 'next' }, 'proxy answered with a gateway error');
    expect(lines.at(-1)).toEqual({ i: 'next', suppressedSinceLast: 990 });
  });
});

import { describe, expect, it } from 'vitest';
import { filesNeeded, parseFileLimits } from './file-limit.js';

describe('parseFileLimits', () => {
  it('reads the soft and hard open-file limits of /proc/<pid>/limits', () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units',
      'Max processes             95318                95318                processes',
      'Max open files            20000                40000                files',
    ].join('\n');
    expect(parseFileLimits(limits)).toEqual({ soft: 20000, hard: 40000 });
  });

  it('reads "unlimited" as no limit', () => {
    expect(parseFileLimits('Max open files            unlimited            unlimited            files')).toEqual({
      soft: Number.POSITIVE_INFINITY,
      hard: Number.POSITIVE_INFINITY,
    });
  });

  it('refuses text without the line', () => {
    expect(() => parseFileLimits('Max processes 1 1 processes')).toThrow(/Max open files/);
  });
});

describe('filesNeeded', () => {
  it('counts two descriptors a held stream, with room for the rest of the process', () => {
    expect(filesNeeded(10_000) - filesNeeded(0)).toBe(20_000);
    expect(filesNeeded(0)).toBeGreaterThan(100);
  });
});

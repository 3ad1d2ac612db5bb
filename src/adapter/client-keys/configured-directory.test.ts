import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfiguredKeyDirectory } from './configured-directory.js';
import { keyConfig } from './key-config.fixture.js';

// Counts the hashes the directory makes, to see which secrets it remembers.
const hashed = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    hash: (...args: Parameters<typeof crypto.hash>) => {
      hashed.count++;
      return crypto.hash(...args);
    },
  };
});

describe('ConfiguredKeyDirectory', () => {
  beforeEach(() => {
    hashed.count = 0;
  });

  it('identifies a key by its secret, and nothing else', () => {
    const directory = new ConfiguredKeyDirectory([keyConfig('alice'), keyConfig('bob')]);
    expect(directory.identify('alice-secret')?.name).toBe('alice');
    expect(directory.identify('bob-secret')?.name).toBe('bob');
    for (const guess of ['alice-secre', 'alice-secret ', 'ALICE-SECRET', '', 'carol-secret'])
      expect(directory.identify(guess)).toBeUndefined();
  });

  it('hashes a verified secret once, and every unknown one each time it is presented', () => {
    const directory = new ConfiguredKeyDirectory([keyConfig('alice')]);
    const alice = directory.identify('alice-secret');
    for (let i = 0; i < 3; i++) expect(directory.identify('alice-secret')).toBe(alice);
    expect(hashed.count).toBe(1);
    for (let i = 0; i < 3; i++) expect(directory.identify('alice-secret-guess')).toBeUndefined();
    expect(hashed.count).toBe(4);
  });

  it('forgets a revoked secret: a reload builds a directory that has not verified it', () => {
    const before = new ConfiguredKeyDirectory([keyConfig('alice'), keyConfig('bob')]);
    expect(before.identify('alice-secret')?.name).toBe('alice');
    const after = new ConfiguredKeyDirectory([keyConfig('bob')]);
    expect(after.identify('alice-secret')).toBeUndefined();
  });
});

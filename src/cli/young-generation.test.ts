import { describe, expect, it } from 'vitest';
import { constants } from 'node:perf_hooks';
import {
  HeavyLoad,
  LOAD_MARK_COMPACTS_PER_SECOND,
  LOAD_SCAVENGES_PER_SECOND,
  LoadWindow,
  userSizedYoungGeneration,
} from './young-generation.js';

describe('userSizedYoungGeneration', () => {
  it('is false when neither the command line nor NODE_OPTIONS sizes the young generation', () => {
    expect(userSizedYoungGeneration([], undefined)).toBe(false);
    expect(userSizedYoungGeneration(['--enable-source-maps'], '--max-old-space-size=512')).toBe(false);
  });

  it('is true for a semi-space flag on the command line, in either spelling', () => {
    expect(userSizedYoungGeneration(['--max-semi-space-size=16'], undefined)).toBe(true);
    expect(userSizedYoungGeneration(['--min_semi_space_size=4'], undefined)).toBe(true);
  });

  it('is true for a semi-space flag in NODE_OPTIONS', () => {
    expect(userSizedYoungGeneration([], '--inspect --semi-space-growth-factor=2')).toBe(true);
  });
});

describe('LoadWindow', () => {
  it('says load once the threshold of collections falls within one second', () => {
    const window = new LoadWindow(3);
    expect(window.collected(0)).toBe(false);
    expect(window.collected(400)).toBe(false);
    expect(window.collected(900)).toBe(true);
  });

  it('starts counting again when a second has passed since the window opened', () => {
    const window = new LoadWindow(3);
    window.collected(0);
    window.collected(600);
    expect(window.collected(1000)).toBe(false);
    expect(window.collected(1500)).toBe(false);
    expect(window.collected(1999)).toBe(true);
  });
});

describe('HeavyLoad', () => {
  const { NODE_PERFORMANCE_GC_MINOR: MINOR, NODE_PERFORMANCE_GC_MAJOR: MAJOR } = constants;
  const many = (load: HeavyLoad, kind: number, count: number) =>
    Array.from({ length: count }, (_, i) => load.collected(kind, i)).at(-1);

  it('is heavy after a second of many scavenges, and not one short of them', () => {
    expect(many(new HeavyLoad(), MINOR, LOAD_SCAVENGES_PER_SECOND - 1)).toBe(false);
    expect(many(new HeavyLoad(), MINOR, LOAD_SCAVENGES_PER_SECOND)).toBe(true);
  });

  it('is heavy after far fewer full collections, which large bodies bring with few scavenges', () => {
    expect(LOAD_MARK_COMPACTS_PER_SECOND).toBeLessThan(LOAD_SCAVENGES_PER_SECOND);
    expect(many(new HeavyLoad(), MAJOR, LOAD_MARK_COMPACTS_PER_SECOND - 1)).toBe(false);
    expect(many(new HeavyLoad(), MAJOR, LOAD_MARK_COMPACTS_PER_SECOND)).toBe(true);
  });

  it('counts each kind on its own, and ignores the others', () => {
    const load = new HeavyLoad();
    for (let i = 0; i < LOAD_MARK_COMPACTS_PER_SECOND - 1; i++) {
      expect(load.collected(MINOR, i)).toBe(false);
      expect(load.collected(MAJOR, i)).toBe(false);
      expect(load.collected(constants.NODE_PERFORMANCE_GC_INCREMENTAL, i)).toBe(false);
      expect(load.collected(undefined, i)).toBe(false);
    }
    expect(load.collected(MAJOR, 500)).toBe(true);
  });
});

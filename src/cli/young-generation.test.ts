import { describe, expect, it } from 'vitest';
import { LoadWindow, userSizedYoungGeneration } from './young-generation.js';

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
  it('says load once the threshold of scavenges falls within one second', () => {
    const window = new LoadWindow(3);
    expect(window.scavenged(0)).toBe(false);
    expect(window.scavenged(400)).toBe(false);
    expect(window.scavenged(900)).toBe(true);
  });

  it('starts counting again when a second has passed since the window opened', () => {
    const window = new LoadWindow(3);
    window.scavenged(0);
    window.scavenged(600);
    expect(window.scavenged(1000)).toBe(false);
    expect(window.scavenged(1500)).toBe(false);
    expect(window.scavenged(1999)).toBe(true);
  });
});

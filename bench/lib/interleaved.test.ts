import { describe, expect, it } from 'vitest';
import { median, orderOfRound, shareRounds } from './interleaved.js';

describe('orderOfRound', () => {
  it('alternates two sides, as the A/B rounds always have', () => {
    expect([1, 2, 3].map((n) => orderOfRound(n, 2))).toEqual([
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
  });

  it('gives each of three sides (A, B and the A/A twin) each place once in three rounds', () => {
    const rounds = [1, 2, 3].map((n) => orderOfRound(n, 3));
    for (const round of rounds) expect([...round].sort()).toEqual([0, 1, 2]);
    for (let place = 0; place < 3; place++) expect(new Set(rounds.map((r) => r[place])).size).toBe(3);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('shareRounds', () => {
  it('shares the rounds among the fresh starts as evenly as they go, and every round runs once', () => {
    expect(shareRounds(8, 4)).toEqual([2, 2, 2, 2]);
    expect(shareRounds(8, 3)).toEqual([3, 3, 2]);
    expect(shareRounds(8, 1)).toEqual([8]);
    // More starts than rounds: one round each, no empty start.
    expect(shareRounds(2, 5)).toEqual([1, 1]);
    expect(shareRounds(4, 0)).toEqual([4]);
  });
});

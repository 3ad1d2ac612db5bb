import { describe, expect, it } from 'vitest';
import { isCidr } from './cidr.js';

describe('isCidr', () => {
  it.each(['127.0.0.0/8', '10.0.0.1/32', '0.0.0.0/0', '::1/128', 'fd00::/8'])('accepts %s', (text) => {
    expect(isCidr(text)).toBe(true);
  });

  it.each(['127.0.0.1', '10.0.0.0/33', '::1/129', 'localhost/8', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', ''])(
    'refuses %j',
    (text) => {
      expect(isCidr(text)).toBe(false);
    },
  );
});

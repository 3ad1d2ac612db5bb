import { describe, expect, it } from 'vitest';
import { composeAuthHeader } from './auth-header.js';

describe('composeAuthHeader', () => {
  it('sends basic credentials as base64(user:pass)', () => {
    expect(composeAuthHeader({ type: 'basic', username: 'olla', password: 'p:ss' })).toEqual({
      name: 'Authorization',
      value: `Basic ${Buffer.from('olla:p:ss').toString('base64')}`,
    });
  });

  it('sends a bearer token', () => {
    expect(composeAuthHeader({ type: 'bearer', token: 'tok' })).toEqual({
      name: 'Authorization',
      value: 'Bearer tok',
    });
  });

  it('sends an api key in X-Api-Key unless another header is named', () => {
    expect(composeAuthHeader({ type: 'api_key', key: 'k1' })).toEqual({ name: 'X-Api-Key', value: 'k1' });
    expect(composeAuthHeader({ type: 'api_key', key: 'k1', header: 'x-goog-api-key' })).toEqual({
      name: 'x-goog-api-key',
      value: 'k1',
    });
  });
});

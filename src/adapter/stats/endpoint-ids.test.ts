import { describe, expect, it } from 'vitest';
import { buildEndpointIds, sanitiseDisplayUrl, UNPARSEABLE_URL } from './endpoint-ids.js';

describe('endpoint display URLs and IDs', () => {
  it.each([
    ['http://localhost:11434', 'http://localhost:11434'],
    ['http://user:pass@10.0.0.5:8000/v1?api_key=s3cret#frag', 'http://10.0.0.5:8000/v1'],
    ['https://example.com/', 'https://example.com'],
    ['not a url', UNPARSEABLE_URL],
    ['', ''],
  ])('shows %s as %s', (raw, shown) => {
    expect(sanitiseDisplayUrl(raw)).toBe(shown);
  });

  it('derives the same ID whatever credential or query the URL carries', () => {
    const a = buildEndpointIds([{ name: 'a', url: 'http://h:1/x?key=one' }]).get('a');
    const b = buildEndpointIds([{ name: 'a', url: 'http://u:p@h:1/x?key=two' }]).get('a');
    expect(a).toMatch(/^[0-9a-z]+$/);
    expect(a).toBe(b);
  });

  it('numbers endpoints that share a display URL in name order', () => {
    const ids = buildEndpointIds([
      { name: 'zeta', url: 'http://h:1?k=1' },
      { name: 'alpha', url: 'http://h:1?k=2' },
      { name: 'other', url: 'http://h:2' },
    ]);
    const base = ids.get('alpha')!.split('-')[0];
    expect(ids.get('alpha')).toBe(`${base}-0`);
    expect(ids.get('zeta')).toBe(`${base}-1`);
    expect(ids.get('other')).not.toContain('-');
  });
});

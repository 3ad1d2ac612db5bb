import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newInstanceToken, passedThrough, viaNaming } from './forwarding-loop.js';

/** A Via element as other proxies write one: protocol, a host or pseudonym, maybe a comment. */
const viaElement = fc
  .tuple(
    fc.constantFrom('1.0', '1.1', 'HTTP/2'),
    fc.stringMatching(/^[a-z0-9.-]{1,20}$/),
    fc.option(fc.stringMatching(/^[ -'*-~]{0,30}$/), { nil: undefined }),
  )
  .map(([protocol, by, comment]) => `${protocol} ${by}${comment === undefined ? '' : ` (${comment})`}`);

describe('forwarding-loop', () => {
  it('makes a token no other process will share: olla- and 16 hex digits, fresh each time', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newInstanceToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^olla-[0-9a-f]{16}$/);
  });

  it('names the instance in a comment, leaving the received-by part as it was', () => {
    expect(viaNaming('1.1 olla/0.1.0', 'olla-0123456789abcdef')).toBe('1.1 olla/0.1.0 (olla-0123456789abcdef)');
  });

  it('sees its own name wherever it sits in a Via, and in no Via without it', () => {
    const token = newInstanceToken();
    const ours = viaNaming('1.1 olla/0.1.0', token);
    fc.assert(
      fc.property(fc.array(viaElement, { maxLength: 6 }), fc.nat(), fc.boolean(), (others, at, split) => {
        const without = others.join(', ');
        expect(passedThrough(without === '' ? undefined : without, token)).toBe(false);
        // Another Olla's element is not ours either.
        expect(passedThrough([...others, viaNaming('1.1 olla/0.1.0', newInstanceToken())].join(', '), token)).toBe(
          false,
        );
        const elements = [...others];
        elements.splice(at % (elements.length + 1), 0, ours);
        // Node joins repeated Via lines with ", "; other clients may hand them over as a list.
        expect(passedThrough(split ? elements : elements.join(', '), token)).toBe(true);
      }),
    );
  });
});

import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerSafe } from './header-value.js';

describe('headerSafe', () => {
  it('gives Node a value it sends, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(() => validateHeaderValue('x-olla-model', headerSafe(text))).not.toThrow();
      }),
    );
  });

  it('keeps the text: its UTF-8 bytes on the wire, line breaks and controls as spaces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const wire = Buffer.from(headerSafe(text), 'latin1').toString('utf8');
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the controls are what is replaced.
        expect(wire).toBe(text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' '));
      }),
    );
  });

  it('returns plain ASCII as it is', () => {
    expect(headerSafe('llama3.2:3b')).toBe('llama3.2:3b');
    expect(headerSafe('fallback from a\tb (model_unavailable)')).toBe('fallback from a\tb (model_unavailable)');
    expect(headerSafe('модель')).toBe(Buffer.from('модель').toString('latin1'));
    expect(headerSafe('a\r\nSet-Cookie: x')).toBe('a  Set-Cookie: x');
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal ${VAR} placeholders in config values
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandPlaceholders } from './expand.js';

describe('expandPlaceholders', () => {
  const env = { SET: 'value', EMPTY: '' };

  it.each([
    ['${SET}', 'value'],
    ['pre-${SET}-post', 'pre-value-post'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY}', ''],
    ['$SET stays literal', '$SET stays literal'],
    ['${SET}${SET}', 'valuevalue'],
  ])('expands %j to %j', (text, expected) => {
    expect(expandPlaceholders(text, env)).toEqual({ ok: true, value: expected });
  });

  it('names every unset variable and nothing else', () => {
    expect(expandPlaceholders('secret-${A}-${SET}-${B}', env)).toEqual({
      ok: false,
      reason: 'environment variables "A", "B" are not set',
    });
  });

  it('leaves text without placeholders exactly as it was', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !text.includes('${')),
        (text) => {
          expect(expandPlaceholders(text, env)).toEqual({ ok: true, value: text });
        },
      ),
    );
  });
});

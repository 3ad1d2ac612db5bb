import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTraversalPath } from './path-traversal.js';

/** Every way one character can be written in a path: as is, or percent-encoded once or twice, either case. */
function spellings(char: string): fc.Arbitrary<string> {
  const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
  return fc.constantFrom(
    char,
    `%${hex.toLowerCase()}`,
    `%${hex.toUpperCase()}`,
    `%25${hex.toLowerCase()}`,
    `%25${hex.toUpperCase()}`,
    `%2525${hex}`,
  );
}

const separator = fc.oneof(spellings('/'), spellings('\\'));
const dot = spellings('.');
const dotSegment = fc.oneof(
  dot,
  fc.tuple(dot, dot).map(([a, b]) => a + b),
);
/** Segment names that hold dots, escapes and the like but are never `.` or `..` however decoded. */
const safeName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_~-]{1,10}$/),
  fc.stringMatching(/^[a-z0-9]{1,6}\.[a-z0-9]{1,6}$/),
  fc.constantFrom('...', '.hidden', 'llama3.2:3b', 'a%2eb', '%2e%2e%2e', 'x%20y', '%zz', '%2', '..a', 'a..'),
);

function pathOf(segments: string[], separators: string[]): string {
  return segments.map((segment, i) => (i === 0 ? '' : (separators[i - 1] ?? '/')) + segment).join('');
}

describe('isTraversalPath', () => {
  it('finds a dot segment however it is spelt, separated by / or \\ in any encoding', () => {
    fc.assert(
      fc.property(
        fc.array(safeName, { maxLength: 4 }),
        dotSegment,
        fc.array(safeName, { maxLength: 4 }),
        fc.array(separator, { minLength: 10, maxLength: 10 }),
        fc.boolean(),
        (before, dots, after, separators, trailing) => {
          const segments = ['/olla', 'proxy', ...before, dots, ...after];
          const path = pathOf(trailing && after.length === 0 ? segments : [...segments, 'v1'], separators);
          expect(isTraversalPath(path)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('passes paths whose segments are never . or .., dots inside names included', () => {
    fc.assert(
      fc.property(fc.array(safeName, { minLength: 1, maxLength: 6 }), (names) => {
        expect(isTraversalPath(`/olla/proxy/${names.join('/')}`)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the cases from the issue', () => {
    expect(isTraversalPath('/olla/proxy/v1/%2e%2e%2f%2e%2e%2fetc/passwd')).toBe(true);
    expect(isTraversalPath('/olla/proxy/v1/..%2Fetc')).toBe(true);
    expect(isTraversalPath('/olla/proxy/v1/..%5Cetc')).toBe(true);
    expect(isTraversalPath('/olla/proxy/v1/%2E%2e/x')).toBe(true);
    expect(isTraversalPath('/olla/proxy/v1/%252e%252e/x')).toBe(true);
    expect(isTraversalPath('/olla/proxy/v1/.')).toBe(true);
    expect(isTraversalPath('/olla/proxy/v1/chat/completions')).toBe(false);
    expect(isTraversalPath('/olla/models/llama3.2:3b')).toBe(false);
    expect(isTraversalPath('/olla/proxy/engines/llama.cpp/v1')).toBe(false);
  });

  it('refuses a path still escaped after four decodings, since it cannot be shown safe', () => {
    expect(isTraversalPath('/olla/proxy/%2525252525252e')).toBe(true);
    expect(isTraversalPath('/olla/proxy/%25252e%25252e')).toBe(true);
    expect(isTraversalPath('/olla/proxy/%252541')).toBe(false);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { knownResponseFormats, parserFor } from './index.js';

const NOW = Date.UTC(2025, 0, 1);

/** Where each wire format keeps its list and each entry's name. */
function listShape(format: string): { list: string; name: string } {
  return format === 'ollama' ? { list: 'models', name: 'name' } : { list: 'data', name: 'id' };
}

/** An entry with any extra fields and a name that may be missing, empty, or not a string. */
const entry = fc.record({
  extra: fc.dictionary(
    fc.string({ maxLength: 8 }).filter((key) => key !== 'id' && key !== 'name'),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 4 },
  ),
  name: fc.oneof(fc.string({ maxLength: 24 }), fc.constant(undefined), fc.integer(), fc.constant(null)),
});

describe('every parser keeps the names backends list', () => {
  it.each(knownResponseFormats())(
    '%s returns exactly the non-empty string names, unchanged and in order, the same on every parse',
    (format) => {
      const shape = listShape(format);
      fc.assert(
        fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
          const body = {
            [shape.list]: entries.map(({ extra, name }) => ({
              ...extra,
              ...(name === undefined ? {} : { [shape.name]: name }),
            })),
          };
          const expected = entries.flatMap(({ name }) => (typeof name === 'string' && name !== '' ? [name] : []));
          const parsed = parserFor(format)(body, NOW);
          expect(parsed.map((m) => m.name)).toEqual(expected);
          expect(parserFor(format)(body, NOW)).toEqual(parsed);
        }),
        { numRuns: 200 },
      );
    },
  );
});

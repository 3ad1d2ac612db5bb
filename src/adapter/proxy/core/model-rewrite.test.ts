import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTopLevelModel, rewriteModel } from './model-rewrite.js';

const rewrite = (body: string, model: string) => rewriteModel(Buffer.from(body), model).toString();

describe('rewriteModel', () => {
  it('replaces the top-level model value and keeps every other byte', () => {
    expect(rewrite('{"model":"a","stream":true}', 'b')).toBe('{"model":"b","stream":true}');
    expect(rewrite(' {\n "x" : [1, {"model":"n"}],\t"model" :  "a" }', 'org/b')).toBe(
      ' {\n "x" : [1, {"model":"n"}],\t"model" :  "org/b" }',
    );
  });

  it('escapes the new name as a JSON string', () => {
    expect(JSON.parse(rewrite('{"model":"a"}', 'we"ird\\name')).model).toBe('we"ird\\name');
  });

  it('ignores nested model keys and model text inside strings', () => {
    expect(rewrite('{"messages":[{"content":"\\"model\\":\\"x\\""}],"options":{"model":"n"}}', 'b')).toBe(
      '{"messages":[{"content":"\\"model\\":\\"x\\""}],"options":{"model":"n"}}',
    );
  });

  it('leaves bodies alone when there is nothing to rewrite', () => {
    for (const body of ['', 'not json', '[{"model":"a"}]', '{"model":42}', '{"model":null}', '{"model":"a"', '{}']) {
      expect(rewrite(body, 'b')).toBe(body);
    }
  });

  it('agrees with JSON.parse on any object with a string model', () => {
    const bodies = fc.record({
      model: fc.string(),
      extra: fc.jsonValue(),
      after: fc.dictionary(fc.string(), fc.jsonValue()),
    });
    fc.assert(
      fc.property(bodies, fc.string(), fc.nat(3), (value, replacement, indent) => {
        const text = JSON.stringify(value, null, indent);
        const out = JSON.parse(rewriteModel(Buffer.from(text), replacement).toString());
        expect(out).toEqual({ ...JSON.parse(text), model: replacement });
      }),
    );
  });

  it('finds nothing in malformed input without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        findTopLevelModel(Buffer.from(bytes));
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestBody } from './request-body.js';

/** `bytes` cut at `cuts` (positions, any order, repeats allowed: empty chunks happen too). */
function split(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    chunks.push(Buffer.from(bytes.subarray(from, to)));
    from = to;
  }
  return chunks;
}

const small = fc.uint8Array({ maxLength: 60, max: 3 });

describe('RequestBody', () => {
  it('finds a needle wherever the chunks were cut, as a search of the joined bytes does', () => {
    fc.assert(
      fc.property(
        small,
        fc.uint8Array({ maxLength: 5, max: 3 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (bytes, needle, cuts) => {
          const body = RequestBody.ofChunks(split(bytes, cuts), bytes.length);
          expect(body.includes(Buffer.from(needle))).toBe(Buffer.from(bytes).includes(Buffer.from(needle)));
        },
      ),
    );
  });

  it('finds a marker split over three chunks, the middle one shorter than the marker', () => {
    const across = RequestBody.ofChunks([Buffer.from('{"x":"'), Buffer.from('to'), Buffer.from('ol":1}')], 14);
    expect(across.includes(Buffer.from('"tool'))).toBe(true);
    const near = RequestBody.ofChunks([Buffer.from('{"x":'), Buffer.from('to'), Buffer.from('ol')], 9);
    expect(near.includes(Buffer.from('"tool'))).toBe(false);
    const split3 = RequestBody.ofChunks([Buffer.from('{"'), Buffer.from('to'), Buffer.from('ols":[]}')], 12);
    expect(split3.includes(Buffer.from('"tools"'))).toBe(true);
  });

  it('joins once, keeps the bytes in order and forwards the joined buffer from then on', () => {
    fc.assert(
      fc.property(small, fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        const chunks = split(bytes, cuts);
        const body = RequestBody.ofChunks(chunks, bytes.length);
        expect(Buffer.concat(body.chunks).equals(Buffer.from(bytes))).toBe(true);
        const whole = body.whole;
        expect(whole.equals(Buffer.from(bytes))).toBe(true);
        expect(body.whole).toBe(whole);
        expect(body.chunks).toEqual([whole]);
        expect(body.joined).toBe(true);
        expect(body.length).toBe(bytes.length);
      }),
    );
  });

  it('renames a top-level string as a rewrite of the joined bytes does, however the chunks were cut', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
        fc.option(fc.string()),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.string(),
        (obj, model, cuts, renamed) => {
          const doc: Record<string, unknown> = model === null ? obj : { model, ...obj };
          const bytes = Buffer.from(JSON.stringify(doc));
          const expected = RequestBody.of(bytes).withTopLevelString('model', renamed).whole;
          const body = RequestBody.ofChunks(split(bytes, cuts), bytes.length).withTopLevelString('model', renamed);
          expect(Buffer.concat(body.chunks).equals(expected)).toBe(true);
          expect(body.length).toBe(expected.length);
        },
      ),
    );
  });

  it('renames a model named first in the first chunk and leaves the others as they came', () => {
    const rest = Buffer.from(',"messages":[]}');
    const body = RequestBody.ofChunks([Buffer.from('{"model":"a"'), rest], 27).withTopLevelString('model', 'bb');
    expect(body.chunks.map(String)).toEqual(['{"model":"bb"', ',"messages":[]}']);
    expect(body.chunks[1]).toBe(rest);
    expect(body.length).toBe(28);
  });

  it('keeps a body that came in one buffer as that buffer, with no copy', () => {
    const buffer = Buffer.from('{"model":"m"}');
    const body = RequestBody.of(buffer);
    expect(body.head).toBe(buffer);
    expect(body.whole).toBe(buffer);
    expect(body.joined).toBe(true);
    expect(RequestBody.ofChunks([], 0).whole.length).toBe(0);
  });
});

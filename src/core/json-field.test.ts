import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findTopLevelField,
  findTopLevelFields,
  readTopLevelString,
  readTopLevelStringAndList,
  replaceTopLevelString,
} from './json-field.js';

const buf = (s: string) => Buffer.from(s, 'utf8');

describe('readTopLevelString', () => {
  it('reads the model of a chat request', () => {
    expect(readTopLevelString(buf('{"model":"llama3.2:3b","messages":[]}'), 'model')).toBe('llama3.2:3b');
  });

  it('ignores a nested field of the same name', () => {
    const body = '{"options":{"model":"nested"},"messages":[{"model":"x"}],"model":"top"}';
    expect(readTopLevelString(buf(body), 'model')).toBe('top');
  });

  it('finds a key written with escapes, as JSON.parse reads it', () => {
    expect(readTopLevelString(buf('{"mod\\u0065l":"escaped"}'), 'model')).toBe('escaped');
    expect(findTopLevelField(buf('{"\\\\":{}}'), '\\')).toEqual({ start: 6, end: 8 });
    expect(findTopLevelField(buf('{"a\\"b":1}'), 'a"b')).toEqual({ start: 8, end: 9 });
    // A malformed escape names no key, and an escaped key of another name is passed over.
    expect(readTopLevelString(buf('{"mod\\x65l":"bad","model":"good"}'), 'model')).toBe('good');
    expect(readTopLevelString(buf('{"\\u006dodels":"no","model":"yes"}'), 'model')).toBe('yes');
  });

  it('decodes escapes and unicode', () => {
    expect(readTopLevelString(buf('{"model":"a\\"b\\u00e9"}'), 'model')).toBe('a"bé');
    expect(readTopLevelString(buf('{ "model" : "模型" }'), 'model')).toBe('模型');
  });

  it('returns undefined for absent, non-string, malformed and non-object bodies', () => {
    expect(readTopLevelString(buf('{"messages":[]}'), 'model')).toBeUndefined();
    expect(readTopLevelString(buf('{"model":42}'), 'model')).toBeUndefined();
    expect(readTopLevelString(buf('{"model":"unterminated'), 'model')).toBeUndefined();
    expect(readTopLevelString(buf('["model","x"]'), 'model')).toBeUndefined();
    expect(readTopLevelString(buf(''), 'model')).toBeUndefined();
  });

  it('agrees with JSON.parse on any object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.option(fc.string()), (obj, model) => {
        const doc: Record<string, unknown> = { ...obj };
        if (model !== null) doc.model = model;
        const parsed = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
        const expected = typeof parsed.model === 'string' ? parsed.model : undefined;
        expect(readTopLevelString(buf(JSON.stringify(doc)), 'model')).toBe(expected);
        expect(readTopLevelString(buf(JSON.stringify(doc, null, 2)), 'model')).toBe(expected);
      }),
    );
  });

  it('finds in any prefix of a document either nothing or what the whole document holds', () => {
    // The proxy reads `model` from a large body's first chunk and renames it there (RequestBody).
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.option(fc.string()),
        fc.boolean(),
        fc.nat(),
        (obj, model, spaced, cut) => {
          const doc: Record<string, unknown> = { ...obj };
          if (model !== null) doc.model = model;
          const whole = buf(spaced ? JSON.stringify(doc, null, 2) : JSON.stringify(doc));
          const prefix = whole.subarray(0, cut % (whole.length + 1));
          const inPrefix = findTopLevelField(prefix, 'model');
          if (inPrefix !== undefined) expect(inPrefix).toEqual(findTopLevelField(whole, 'model'));
          const read = readTopLevelString(prefix, 'model');
          if (read !== undefined) expect(read).toBe(readTopLevelString(whole, 'model'));
        },
      ),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        readTopLevelString(Buffer.from(bytes), 'model');
      }),
    );
  });
});

describe('findTopLevelField', () => {
  it('spans arrays and objects', () => {
    const body = buf('{"model":"m","messages":[{"role":"user","content":"hi ]"}],"n":1}');
    const span = findTopLevelField(body, 'messages');
    expect(span && body.subarray(span.start, span.end).toString()).toBe('[{"role":"user","content":"hi ]"}]');
  });
});

describe('replaceTopLevelString', () => {
  it('replaces only the top-level value and keeps every other byte', () => {
    const body = buf('{"model": "alias", "messages":[{"model":"alias"}]}');
    expect(replaceTopLevelString(body, 'model', 'llama3:8b')?.toString()).toBe(
      '{"model": "llama3:8b", "messages":[{"model":"alias"}]}',
    );
  });

  it('escapes the new name and ignores nested keys and key-like text inside strings', () => {
    const body = buf('{"messages":[{"content":"\\"model\\":\\"x\\""}],"options":{"model":"n"},"model":"a"}');
    const out = JSON.parse(replaceTopLevelString(body, 'model', 'we"ird\\name')!.toString());
    expect(out).toEqual({ ...JSON.parse(body.toString()), model: 'we"ird\\name' });
  });

  it('leaves bodies alone when there is nothing to rewrite', () => {
    for (const body of ['', 'not json', '[{"model":"a"}]', '{"model":42}', '{"model":null}', '{}']) {
      expect(replaceTopLevelString(buf(body), 'model', 'b')).toBeUndefined();
    }
  });

  it('round-trips through JSON.parse for any object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), fc.string(), (obj, from, to) => {
        const doc = { ...obj, model: from };
        const out = replaceTopLevelString(buf(JSON.stringify(doc)), 'model', to);
        expect(JSON.parse(out!.toString())).toEqual(JSON.parse(JSON.stringify({ ...doc, model: to })));
      }),
    );
  });
});

describe('findTopLevelFields', () => {
  it('finds every wanted key in one pass, agreeing with JSON.parse', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.uniqueArray(fc.string(), { maxLength: 4 }),
        (obj, keys) => {
          const body = buf(JSON.stringify(obj));
          const spans = findTopLevelFields(body, keys);
          keys.forEach((key, k) => {
            const span = spans[k];
            if (!Object.hasOwn(obj, key)) expect(span).toBeUndefined();
            else
              expect(JSON.parse(body.subarray(span!.start, span!.end).toString())).toEqual(
                JSON.parse(JSON.stringify(obj[key])),
              );
          });
        },
      ),
    );
  });

  it('treats a quote after an even run of backslashes as the end of the string', () => {
    const body = buf('{"a":"x\\\\\\\\","tools":[1],"b":"\\\\\\"q"}');
    expect(JSON.parse(body.toString())).toEqual({ a: 'x\\\\', tools: [1], b: '\\"q' });
    const [tools] = findTopLevelFields(body, ['tools']);
    expect(body.subarray(tools!.start, tools!.end).toString()).toBe('[1]');
  });
});

describe('readTopLevelStringAndList', () => {
  it('reads the model and its fallback list in one pass, ignoring nested lookalikes', () => {
    const body = Buffer.from('{"meta":{"models":["x"]},"model":"a\\u0062","models":["b", 3, "", "c"]}');
    expect(readTopLevelStringAndList(body, 'model', 'models')).toEqual(['ab', ['b', 'c']]);
  });

  it('gives undefined for a list that is absent, not an array or malformed', () => {
    expect(readTopLevelStringAndList(Buffer.from('{"model":"a"}'), 'model', 'models')).toEqual(['a', undefined]);
    expect(readTopLevelStringAndList(Buffer.from('{"models":"a"}'), 'model', 'models')).toEqual([undefined, undefined]);
  });

  it('agrees with JSON.parse on any object of strings and string lists', () => {
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.array(fc.string())), (model, models) => {
        const doc: Record<string, unknown> = { other: { model: 'nested' } };
        if (model !== null) doc.model = model;
        if (models !== null) doc.models = models;
        const [m, list] = readTopLevelStringAndList(Buffer.from(JSON.stringify(doc)), 'model', 'models');
        return (
          m === (model ?? undefined) &&
          JSON.stringify(list) === JSON.stringify(models?.filter((s) => s !== '') ?? undefined)
        );
      }),
    );
  });
});

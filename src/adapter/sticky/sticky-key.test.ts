import { describe, expect, it } from 'vitest';
import type { StickySessionsConfig } from '../../config/types.js';
import { RequestBody } from '../../core/domain/request-body.js';
import type { SelectionContext } from '../../core/ports/balancer.js';
import { deriveStickyKey } from './sticky-key.js';

type KeyConfig = Pick<StickySessionsConfig, 'keySources' | 'prefixHashBytes'>;
const ALL: KeyConfig = { keySources: ['session_header', 'prefix_hash', 'auth_header', 'ip'], prefixHashBytes: 512 };

/** A selection context; a `body` given as bytes arrives as the proxy hands it over. */
function ctx({
  body,
  ...overrides
}: Partial<Omit<SelectionContext, 'body'>> & { body?: Buffer } = {}): SelectionContext {
  return { headers: {}, clientIp: '', model: 'llama3', ...overrides, ...(body ? { body: RequestBody.of(body) } : {}) };
}

function body(json: unknown): Buffer {
  return Buffer.from(JSON.stringify(json));
}

/** A chat whose opening system prompt alone is longer than the hashed prefix. */
function conversation(system: string, turns: string[]): Buffer {
  return body({
    model: 'llama3',
    messages: [{ role: 'system', content: system }, ...turns.map((content) => ({ role: 'user', content }))],
  });
}

describe('deriveStickyKey', () => {
  it('hashes the session header and scopes it to the model, as the original does', () => {
    const key = deriveStickyKey(ctx({ headers: { 'x-olla-session-id': 'my-session-id' } }), ALL);
    expect(key).toEqual({ key: 'bd95cc3ab55faccc:llama3', source: 'session_header' });
  });

  it('gives one session different keys for different models', () => {
    const headers = { 'x-olla-session-id': 'same' };
    expect(deriveStickyKey(ctx({ headers }), ALL)?.key).not.toBe(
      deriveStickyKey(ctx({ headers, model: 'mistral' }), ALL)?.key,
    );
  });

  it('never keeps the raw session id or credential in the key', () => {
    const session = deriveStickyKey(ctx({ headers: { 'x-olla-session-id': 'x'.repeat(10_000) } }), ALL);
    expect(session?.key).toHaveLength(16 + 1 + 'llama3'.length);
    const auth = deriveStickyKey(ctx({ headers: { authorization: 'Bearer secret-token' } }), {
      keySources: ['auth_header'],
      prefixHashBytes: 512,
    });
    expect(auth?.source).toBe('auth_header');
    expect(auth?.key).toMatch(/^auth:[0-9a-f]{16}:llama3$/);
  });

  it('keeps a conversation on one prefix hash as it grows turn by turn', () => {
    const system = 'You are a careful assistant. '.repeat(30);
    const first = deriveStickyKey(ctx({ body: conversation(system, ['hello']) }), ALL);
    const third = deriveStickyKey(ctx({ body: conversation(system, ['hello', 'and then?', 'why?']) }), ALL);
    expect(first?.source).toBe('prefix_hash');
    expect(third?.key).toBe(first?.key);
  });

  it('separates conversations that open differently', () => {
    const a = deriveStickyKey(ctx({ body: conversation('Translate to French. '.repeat(30), ['hi']) }), ALL);
    const b = deriveStickyKey(ctx({ body: conversation('Write Go code. '.repeat(40), ['hi']) }), ALL);
    expect(a?.key).not.toBe(b?.key);
  });

  it('hashes the raw messages bytes, prefixed by the model with colons made safe', () => {
    const raw = '[{"role":"user","content":"hello"}]';
    const key = deriveStickyKey(ctx({ model: 'llama3:8b', body: Buffer.from(`{"model":"x","messages":${raw}}`) }), ALL);
    const expected = deriveStickyKey(ctx({ model: 'llama3:8b', body: Buffer.from(`{"messages":  ${raw} }`) }), ALL);
    expect(key?.key).toMatch(/^llama3_8b:[0-9a-f]{16}$/);
    expect(key?.key).toBe(expected?.key);
  });

  it('hashes only the first prefix_hash_bytes bytes of the messages', () => {
    const long = body({ messages: [{ role: 'user', content: 'z'.repeat(1000) }] });
    const k16 = deriveStickyKey(ctx({ body: long }), { keySources: ['prefix_hash'], prefixHashBytes: 16 });
    const k32 = deriveStickyKey(ctx({ body: long }), { keySources: ['prefix_hash'], prefixHashBytes: 32 });
    expect(k16?.key).not.toBe(k32?.key);
  });

  it('falls back to prompt when messages is absent, empty or null, and prefers messages otherwise', () => {
    const only = { keySources: ['prefix_hash'], prefixHashBytes: 512 } as KeyConfig;
    expect(deriveStickyKey(ctx({ body: body({ prompt: 'why is the sky blue?' }) }), only)?.source).toBe('prefix_hash');
    const viaEmpty = deriveStickyKey(ctx({ body: body({ messages: [], prompt: 'hi' }) }), only);
    const viaNull = deriveStickyKey(ctx({ body: body({ messages: null, prompt: 'hi' }) }), only);
    const viaPrompt = deriveStickyKey(ctx({ body: body({ prompt: 'hi' }) }), only);
    expect(viaEmpty?.key).toBe(viaPrompt?.key);
    expect(viaNull?.key).toBe(viaPrompt?.key);
    const chat = [{ role: 'user', content: 'hi' }];
    expect(deriveStickyKey(ctx({ body: body({ messages: chat, prompt: 'other' }) }), only)?.key).toBe(
      deriveStickyKey(ctx({ body: body({ messages: chat }) }), only)?.key,
    );
  });

  it('moves on to the next source when one yields nothing', () => {
    const key = deriveStickyKey(ctx({ body: body({ input: 'embed me' }), clientIp: '192.168.1.42' }), ALL);
    expect(key).toEqual({ key: 'ip:192.168.1.42:llama3', source: 'ip' });
  });

  it('yields no key when no configured source applies', () => {
    expect(
      deriveStickyKey(ctx({ clientIp: '10.0.0.1' }), { keySources: ['session_header'], prefixHashBytes: 512 }),
    ).toBeUndefined();
  });

  it('still keys a session when the model is unknown', () => {
    const a = deriveStickyKey(ctx({ model: undefined, headers: { 'x-olla-session-id': 'A' } }), ALL);
    const b = deriveStickyKey(ctx({ model: undefined, headers: { 'x-olla-session-id': 'B' } }), ALL);
    expect(a?.source).toBe('session_header');
    expect(a?.key).not.toBe(b?.key);
  });
});

describe('deriveStickyKey on long conversations', () => {
  it('hashes the same prefix whether or not the rest of the history is well-formed', () => {
    const only = { keySources: ['prefix_hash'], prefixHashBytes: 64 } as KeyConfig;
    const whole = Buffer.from(`{"model":"m","messages":[{"role":"user","content":"${'q'.repeat(200)}"}]}`);
    // Same first 64 bytes of messages, then truncated mid-string: only the prefix is ever read.
    const cut = whole.subarray(0, whole.indexOf('[') + 100);
    expect(deriveStickyKey(ctx({ body: cut }), only)?.key).toBe(deriveStickyKey(ctx({ body: whole }), only)?.key);
  });

  it('hashes the whole value when prefix_hash_bytes is not positive', () => {
    const all = { keySources: ['prefix_hash'], prefixHashBytes: 0 } as KeyConfig;
    const a = body({ messages: [{ role: 'user', content: `${'x'.repeat(600)}a` }] });
    const b = body({ messages: [{ role: 'user', content: `${'x'.repeat(600)}b` }] });
    expect(deriveStickyKey(ctx({ body: a }), all)?.key).not.toBe(deriveStickyKey(ctx({ body: b }), all)?.key);
  });
});

import { describe, expect, it } from 'vitest';
import type { ClientKeyConfig } from '../../config/types.js';
import { ForbiddenError, KeyLimitError } from '../../core/errors.js';
import type { ResponseTap } from '../../core/ports/proxy.js';
import type { StateStore } from '../../core/ports/state-store.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import { ConfiguredKeyDirectory } from './configured-directory.js';
import { keyConfig } from './key-config.fixture.js';
import { ClientKeyGate, presentedKey } from './gate.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 10);

/** The memory store without its synchronous face, as a networked store would be. */
function asynchronousStore(): StateStore {
  const s = new MemoryStateStore();
  return {
    addToWindow: (key, amount, windowMs, now) => s.addToWindow(key, amount, windowMs, now),
    windowUse: (key, windowMs, now) => s.windowUse(key, windowMs, now),
    acquireSlot: (key, max) => s.acquireSlot(key, max),
    releaseSlot: (key) => s.releaseSlot(key),
    slotsInUse: (key) => s.slotsInUse(key),
    updateCounters: (key, increments, set) => s.updateCounters(key, increments, set),
    readCounters: (key) => s.readCounters(key),
    close: () => s.close(),
  };
}

const STORES: [string, () => StateStore][] = [
  ['the memory store (synchronous)', () => new MemoryStateStore()],
  ['an asynchronous store', asynchronousStore],
];

function gateOn(store: StateStore, configs: ClientKeyConfig[], clock = { now: T0 }) {
  const gate = new ClientKeyGate(new ConfiguredKeyDirectory(configs), store, {
    now: () => clock.now,
    namesOf: (model) => (model === 'fast' ? ['llama3:8b'] : []),
  });
  const key = (name: string) => gate.keys().find((k) => k.name === name)!;
  // A refusal is thrown at once on a synchronous store and rejected on an asynchronous one.
  const admit = async (name: string, model: string | undefined, method = 'POST') =>
    gate.admit(key(name), model, method);
  return { gate, store, clock, key, admit };
}

const tapOf = (input: number, output: number): ResponseTap => ({
  data: (c) => c,
  end: () => undefined,
  tokens: () => ({ input, output, estimated: false }),
});

async function settle() {
  await new Promise((r) => setImmediate(r));
}

describe('presentedKey', () => {
  it('reads a Bearer token (any case) or x-api-key, and nothing else', () => {
    expect(presentedKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedKey({ authorization: 'bearer  abc ' })).toBe('abc');
    expect(presentedKey({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(presentedKey({ authorization: 'Basic Zm9v' })).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer ' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });
});

describe('ClientKeyGate', () => {
  it('identifies a key by its secret only, whatever the case of a configured key_sha256', () => {
    const upper = keyConfig('c', { sha256: keyConfig('c').sha256.toUpperCase() });
    const { gate } = gateOn(new MemoryStateStore(), [keyConfig('a'), keyConfig('b'), upper]);
    expect(gate.identify({ authorization: 'Bearer b-secret' })?.name).toBe('b');
    expect(gate.identify({ 'x-api-key': 'a-secret' })?.name).toBe('a');
    expect(gate.identify({ 'x-api-key': 'c-secret' })?.name).toBe('c');
    expect(gate.identify({ authorization: 'Bearer a-secre' })).toBeUndefined();
  });

  it('answers at once on the memory store: an admission, or a refusal thrown, never a promise', () => {
    const { gate, key } = gateOn(new MemoryStateStore(), [keyConfig('a', { requestsPerMinute: 1 })]);
    expect(gate.admit(key('a'), 'm', 'POST')).not.toBeInstanceOf(Promise);
    expect(() => gate.admit(key('a'), 'm', 'POST')).toThrow(KeyLimitError);
  });

  it('answers with a promise on an asynchronous store', async () => {
    const { gate, key } = gateOn(asynchronousStore(), [keyConfig('a')]);
    const admitted = gate.admit(key('a'), 'm', 'POST');
    expect(admitted).toBeInstanceOf(Promise);
    await admitted;
  });
});

describe.each(STORES)('ClientKeyGate rules on %s', (_name, createStore) => {
  const gateWith = (configs: ClientKeyConfig[], clock = { now: T0 }) => gateOn(createStore(), configs, clock);

  it('allows a model by any name it is known by, and refuses a model-less POST under an allow-list', async () => {
    const { gate, key, admit } = gateWith([keyConfig('a', { models: ['llama3*'] })]);
    expect(gate.mayUse(key('a'), 'LLAMA3:8b')).toBe(true);
    expect(gate.mayUse(key('a'), 'fast')).toBe(true);
    expect(gate.mayUse(key('a'), 'qwen')).toBe(false);
    await expect(admit('a', 'qwen', 'POST')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(admit('a', undefined, 'POST')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(admit('a', undefined, 'GET')).resolves.toBeDefined();
    expect(gate.counts('a')!.rejections.model).toBe(2);
  });

  it('admits requests_per_minute requests a minute, then 429 until the window turns', async () => {
    const { admit, clock } = gateWith([keyConfig('a', { requestsPerMinute: 2 })]);
    await admit('a', 'm', 'POST');
    await admit('a', 'm', 'POST');
    const refused = await admit('a', 'm', 'POST').catch((e) => e);
    expect(refused).toBeInstanceOf(KeyLimitError);
    expect(refused.window).toEqual({ limit: 2, remaining: 0, reset: Date.UTC(2026, 0, 1, 12, 1) / 1000 });
    expect(refused.retryAfterSeconds).toBe(50);
    expect(refused.details).toEqual({ limit: 'requests_per_minute' });
    clock.now = Date.UTC(2026, 0, 1, 12, 1, 0);
    await expect(admit('a', 'm', 'POST')).resolves.toBeDefined();
  });

  it('lets the request that crosses a token limit finish, and refuses the next one', async () => {
    const { gate, admit } = gateWith([keyConfig('a', { tokensPerMinute: 100, tokensPerDay: 1000 })]);
    const first = await admit('a', 'm', 'POST');
    first.finish(200, tapOf(60, 70));
    await settle();
    const refused = await admit('a', 'm', 'POST').catch((e) => e);
    expect(refused).toBeInstanceOf(KeyLimitError);
    expect(refused.details).toEqual({ limit: 'tokens_per_minute' });
    expect(gate.counts('a')).toMatchObject({ tokensIn: 60, tokensOut: 70, requests: 1 });
  });

  it('holds max_concurrent slots until each admission finishes, once', async () => {
    const { admit, store } = gateWith([keyConfig('a', { maxConcurrent: 1 })]);
    const first = await admit('a', 'm', 'POST');
    await expect(admit('a', 'm', 'POST')).rejects.toMatchObject({ details: { limit: 'max_concurrent' } });
    first.finish(200, undefined);
    first.finish(200, undefined);
    await settle();
    expect(await store.slotsInUse('conc:a')).toBe(0);
    await admit('a', 'm', 'POST');
    expect(await store.slotsInUse('conc:a')).toBe(1);
  });

  it('gives the slot back when requests_per_minute refuses after it was taken', async () => {
    const { admit, store } = gateWith([keyConfig('a', { maxConcurrent: 5, requestsPerMinute: 1 })]);
    await admit('a', 'm', 'POST');
    await expect(admit('a', 'm', 'POST')).rejects.toBeInstanceOf(KeyLimitError);
    expect(await store.slotsInUse('conc:a')).toBe(1);
  });

  it('counts no tokens for a failed reply', async () => {
    const { gate, admit } = gateWith([keyConfig('a', { tokensPerMinute: 10 })]);
    (await admit('a', 'm', 'POST')).finish(502, tapOf(50, 50));
    await settle();
    await expect(admit('a', 'm', 'POST')).resolves.toBeDefined();
    expect(gate.counts('a')!.tokensIn).toBe(0);
  });
});

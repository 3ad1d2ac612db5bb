import type { IncomingHttpHeaders } from 'node:http';
import { type ClientKey, KEY_REJECTIONS, type KeyRejection, type TokenUsage } from '../../core/domain/client-key.js';
import type { UnifiedModel } from '../../core/domain/model.js';
import { RequestBody } from '../../core/domain/request-body.js';
import { ForbiddenError, KeyLimitError } from '../../core/errors.js';
import type { ClientKeyDirectory } from '../../core/ports/client-keys.js';
import type { ResponseTap } from '../../core/ports/proxy.js';
import { type StateStore, windowEnd } from '../../core/ports/state-store.js';
import { matchesGlob } from '../filter/glob.js';
import { askForStreamUsage, reportsStreamUsageOnRequest, UsageChunkFilter } from './stream-usage.js';
import { UsageMeter } from './usage-meter.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How long a client refused for concurrency is told to wait: a slot frees when a reply ends. */
const CONCURRENCY_RETRY_SECONDS = 1;
const NO_TOKENS: TokenUsage = { input: 0, output: 0, estimated: false };
const ONE_REQUEST: Readonly<Record<string, number>> = { requests: 1 };

/** The state-store keys of one client key's windows, slots and counters. */
export interface StateKeys {
  readonly rpm: string;
  readonly tpm: string;
  readonly tpd: string;
  readonly slots: string;
  readonly usage: string;
}

export function stateKeysOf(name: string): StateKeys {
  return { rpm: `rpm:${name}`, tpm: `tpm:${name}`, tpd: `tpd:${name}`, slots: `conc:${name}`, usage: `usage:${name}` };
}

/** What the gate holds for one key name: its counters and the store keys of its state. */
interface KeyState {
  readonly counts: KeyCounts;
  readonly ids: StateKeys;
}

/** How many model names a key's allow-list verdicts are remembered for, before they start over. */
const MODEL_VERDICTS = 256;

/** Counts one key's traffic in this process, for Prometheus. */
export interface KeyCounts {
  requests: number;
  tokensIn: number;
  tokensOut: number;
  rejections: Record<KeyRejection, number>;
}

export interface GateOptions {
  /** Every name a requested model is known by (its unified ID, aliases, native names). */
  namesOf?: (model: string) => readonly string[];
  now?: () => number;
  /** Told when the state store fails; a store failure never fails a request already served. */
  warn?: (fields: Record<string, unknown>, message: string) => void;
}

/** The scheme, in any case; a test builds no lower-cased copy of the header. */
const BEARER = /^bearer /i;

/** The secret a client presented: `Authorization: Bearer …` (OpenAI, Ollama) or `x-api-key` (Anthropic). */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined && authorization.length > 7 && BEARER.test(authorization)) {
    const token = authorization.slice(7).trim();
    if (token !== '') return token;
  }
  const apiKey = headers['x-api-key'];
  const value = Array.isArray(apiKey) ? apiKey[0] : apiKey;
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The rules of client API keys: who may call, which models, how much. Keys come from a
 * directory and every window, slot and counter from the state store, so the rules stay the
 * same whichever store holds them. Windows are fixed and aligned to the epoch (a minute, a UTC
 * day); a request is admitted while its window is under the limit, so the one that crosses a
 * token limit completes and the next is refused.
 */
export class ClientKeyGate {
  #directory: ClientKeyDirectory;
  readonly #store: StateStore;
  readonly #namesOf: (model: string) => readonly string[];
  readonly #now: () => number;
  readonly #warn: NonNullable<GateOptions['warn']>;
  readonly #state = new Map<string, KeyState>();
  /** Per key, whether a model name itself passes its globs (a pure function of the two, so safe to keep). */
  readonly #verdicts = new WeakMap<ClientKey, Map<string, boolean>>();
  // Reused for each write to a synchronous store, which copies the values before it returns.
  readonly #lastSeen = { last_seen: 0 };
  readonly #tokens = { tokens_in: 0, tokens_out: 0 };
  #unauthenticated = 0;

  constructor(directory: ClientKeyDirectory, store: StateStore, options: GateOptions = {}) {
    this.#directory = directory;
    this.#store = store;
    this.#namesOf = options.namesOf ?? (() => []);
    this.#now = options.now ?? Date.now;
    this.#warn = options.warn ?? (() => {});
    this.#track(directory);
  }

  /**
   * The keys of a config reload: requests from now are identified against them. A request
   * already admitted keeps its key and finishes its metering; a key kept by name keeps its
   * counters and its windows in the store, so a reload neither resets nor doubles a quota.
   */
  replaceDirectory(directory: ClientKeyDirectory): void {
    this.#track(directory);
    this.#directory = directory;
  }

  /** Counters for keys not seen before; a revoked key's stay, for its requests still in flight. */
  #track(directory: ClientKeyDirectory): void {
    for (const key of directory.all()) {
      if (this.#state.has(key.name)) continue;
      const rejections = Object.fromEntries(KEY_REJECTIONS.map((r) => [r, 0])) as Record<KeyRejection, number>;
      const counts = { requests: 0, tokensIn: 0, tokensOut: 0, rejections };
      this.#state.set(key.name, { counts, ids: stateKeysOf(key.name) });
    }
  }

  get store(): StateStore {
    return this.#store;
  }

  keys(): readonly ClientKey[] {
    return this.#directory.all();
  }

  /** The key the request presents, or undefined (the caller answers 401 and calls `refusedUnknown`). */
  identify(headers: IncomingHttpHeaders): ClientKey | undefined {
    const presented = presentedKey(headers);
    return presented === undefined ? undefined : this.#directory.identify(presented);
  }

  refusedUnknown(): void {
    this.#unauthenticated++;
  }

  get unauthenticated(): number {
    return this.#unauthenticated;
  }

  counts(name: string): KeyCounts | undefined {
    return this.#state.get(name)?.counts;
  }

  /** Whether `key` may use the model requested as `model`, by any name the model is known by. */
  mayUse(key: ClientKey, model: string): boolean {
    const globs = key.models;
    if (globs === undefined) return true;
    if (this.#passes(key, globs, model)) return true;
    for (const name of this.#namesOf(model)) if (matchesAny(name, globs)) return true;
    return false;
  }

  #passes(key: ClientKey, globs: readonly string[], model: string): boolean {
    let verdicts = this.#verdicts.get(key);
    if (verdicts === undefined) {
      verdicts = new Map();
      this.#verdicts.set(key, verdicts);
    }
    let verdict = verdicts.get(model);
    if (verdict === undefined) {
      // Model names come from clients: the memo starts over rather than grow without bound.
      if (verdicts.size >= MODEL_VERDICTS) verdicts.clear();
      verdict = matchesAny(model, globs);
      verdicts.set(model, verdict);
    }
    return verdict;
  }

  /** Whether a listed model is shown to `key`. */
  shows(key: ClientKey, model: UnifiedModel): boolean {
    const globs = key.models;
    if (globs === undefined) return true;
    if (matchesAny(model.id, globs)) return true;
    for (const alias of model.aliases) if (matchesAny(alias, globs)) return true;
    for (const source of model.sourceEndpoints) if (matchesAny(source.nativeName, globs)) return true;
    return false;
  }

  /**
   * Admits one request of `key` for `model` (undefined when it names none), or throws: 403 for a
   * model outside the allow-list, 429 (`KeyLimitError`, naming the limit) for a spent window or
   * no free slot. The admission must be finished exactly once, however the request ends. With a
   * store in this process the answer comes at once; a networked store's comes as a promise.
   */
  admit(key: ClientKey, model: string | undefined, method: string): Admission | Promise<Admission> {
    if (key.models !== undefined) this.#checkModel(key, model, method);
    const now = this.#now();
    const local = this.#store.sync;
    if (local === undefined) return this.#admitShared(key, now);
    const limits = key.limits;
    const state = this.#state.get(key.name)!;
    const ids = state.ids;
    if (limits.tokensPerMinute > 0)
      this.#checkTokens(key, 'tokens_per_minute', local.windowUse(ids.tpm, MINUTE, now), now);
    if (limits.tokensPerDay > 0) this.#checkTokens(key, 'tokens_per_day', local.windowUse(ids.tpd, DAY, now), now);
    const slot = limits.maxConcurrent > 0;
    if (slot && !local.acquireSlot(ids.slots, limits.maxConcurrent)) this.#refuseSlot(key, now);
    if (limits.requestsPerMinute > 0) {
      if (local.addToWindow(ids.rpm, 1, MINUTE, now) > limits.requestsPerMinute) {
        if (slot) local.releaseSlot(ids.slots);
        this.#refuseRequests(key, now);
      }
    }
    return this.#admitted(key, state, slot, now);
  }

  /** `admit` on a store that answers asynchronously: the same steps in the same order. */
  async #admitShared(key: ClientKey, now: number): Promise<Admission> {
    const limits = key.limits;
    const store = this.#store;
    const state = this.#state.get(key.name)!;
    const ids = state.ids;
    if (limits.tokensPerMinute > 0)
      this.#checkTokens(key, 'tokens_per_minute', (await store.windowUse(ids.tpm, MINUTE, now)).used, now);
    if (limits.tokensPerDay > 0)
      this.#checkTokens(key, 'tokens_per_day', (await store.windowUse(ids.tpd, DAY, now)).used, now);
    const slot = limits.maxConcurrent > 0;
    if (slot && !(await store.acquireSlot(ids.slots, limits.maxConcurrent))) this.#refuseSlot(key, now);
    if (limits.requestsPerMinute > 0) {
      if ((await store.addToWindow(ids.rpm, 1, MINUTE, now)).used > limits.requestsPerMinute) {
        if (slot) await store.releaseSlot(ids.slots);
        this.#refuseRequests(key, now);
      }
    }
    return this.#admitted(key, state, slot, now);
  }

  #checkModel(key: ClientKey, model: string | undefined, method: string): void {
    if (model === undefined ? method === 'GET' || method === 'HEAD' : this.mayUse(key, model)) return;
    this.#reject(key, 'model');
    throw new ForbiddenError(
      model === undefined
        ? `API key '${key.name}' may only use its allowed models, and this request names none`
        : `API key '${key.name}' may not use model '${model}'`,
      model === undefined ? undefined : { model },
    );
  }

  /** A token window is spent once its use reaches the limit: the request that crossed it completed. */
  #checkTokens(key: ClientKey, reason: 'tokens_per_minute' | 'tokens_per_day', used: number, now: number): void {
    const minute = reason === 'tokens_per_minute';
    const limit = minute ? key.limits.tokensPerMinute : key.limits.tokensPerDay;
    if (used >= limit) this.#refuse(key, reason, limit, 0, windowEnd(now, minute ? MINUTE : DAY), now);
  }

  #refuseSlot(key: ClientKey, now: number): never {
    const limit = key.limits.maxConcurrent;
    this.#refuse(key, 'max_concurrent', limit, 0, now + CONCURRENCY_RETRY_SECONDS * 1000, now);
  }

  #refuseRequests(key: ClientKey, now: number): never {
    this.#refuse(key, 'requests_per_minute', key.limits.requestsPerMinute, 0, windowEnd(now, MINUTE), now);
  }

  #admitted(key: ClientKey, state: KeyState, slot: boolean, now: number): Admission {
    state.counts.requests++;
    this.#update(state.ids.usage, ONE_REQUEST, now);
    return new Admission(this, key, slot);
  }

  /** Called by `Admission.finish`: gives the slot back and counts the tokens. */
  settle(key: ClientKey, slot: boolean, tokens: TokenUsage): void {
    const state = this.#state.get(key.name)!;
    const ids = state.ids;
    const total = tokens.input + tokens.output;
    if (slot) this.#release(ids.slots);
    if (total === 0) return;
    const now = this.#now();
    if (key.limits.tokensPerMinute > 0) this.#add(ids.tpm, total, MINUTE, now);
    if (key.limits.tokensPerDay > 0) this.#add(ids.tpd, total, DAY, now);
    state.counts.tokensIn += tokens.input;
    state.counts.tokensOut += tokens.output;
    this.#tokens.tokens_in = tokens.input;
    this.#tokens.tokens_out = tokens.output;
    this.#update(ids.usage, this.#tokens);
  }

  #refuse(key: ClientKey, reason: KeyRejection, limit: number, remaining: number, resetAt: number, now: number): never {
    this.#reject(key, reason);
    const retryAfter = Math.max(1, Math.ceil((resetAt - now) / 1000));
    throw new KeyLimitError(
      `API key '${key.name}' has used its ${reason.replaceAll('_', ' ')} (${limit}); retry in ${retryAfter}s`,
      retryAfter,
      { limit, remaining, reset: Math.ceil(resetAt / 1000) },
      { limit: reason },
    );
  }

  #reject(key: ClientKey, reason: KeyRejection): void {
    const state = this.#state.get(key.name)!;
    state.counts.rejections[reason]++;
    this.#update(state.ids.usage, { [`rejected_${reason}`]: 1 }, this.#now());
  }

  // What the request path writes and does not wait for: at once to a local store, else in the
  // background, a failure only logged (a store failure never fails a request already served).
  // `now`, when given, is the key's last sighting.
  #update(usageKey: string, increments: Readonly<Record<string, number>>, now?: number): void {
    const local = this.#store.sync;
    if (local === undefined) {
      // A store that answers later may read its arguments after this returns, when the reused
      // objects below hold the next request's values: it gets copies.
      const set = now === undefined ? undefined : { last_seen: now };
      this.#store.updateCounters(usageKey, { ...increments }, set).catch(this.#storeFailed);
      return;
    }
    if (now !== undefined) this.#lastSeen.last_seen = now;
    local.updateCounters(usageKey, increments, now === undefined ? undefined : this.#lastSeen);
  }

  #add(windowKey: string, amount: number, windowMs: number, now: number): void {
    const local = this.#store.sync;
    if (local !== undefined) local.addToWindow(windowKey, amount, windowMs, now);
    else this.#store.addToWindow(windowKey, amount, windowMs, now).catch(this.#storeFailed);
  }

  #release(slotKey: string): void {
    const local = this.#store.sync;
    if (local !== undefined) local.releaseSlot(slotKey);
    else this.#store.releaseSlot(slotKey).catch(this.#storeFailed);
  }

  readonly #storeFailed = (err: unknown): void => {
    this.#warn({ error: err instanceof Error ? err.message : String(err) }, 'client key state store failed');
  };
}

/** One admitted request: finish it once with what its reply used. */
export class Admission {
  readonly key: ClientKey;
  readonly #gate: ClientKeyGate;
  readonly #slot: boolean;
  #finished = false;

  constructor(gate: ClientKeyGate, key: ClientKey, slot: boolean) {
    this.#gate = gate;
    this.key = key;
    this.#slot = slot;
  }

  /** `status` is what the client got; a refused or failed reply counts only usage the backend reported. */
  finish(status: number, tap: ResponseTap | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    const tokens = tap === undefined || status >= 400 ? NO_TOKENS : tap.tokens();
    this.#gate.settle(this.key, this.#slot, tokens);
  }
}

/**
 * The tap that meters one reply; when Olla asked for stream usage the client did not, it also
 * removes that usage chunk from the stream.
 */
export class MeteringTap implements ResponseTap {
  readonly #meter = new UsageMeter();
  readonly #filter: UsageChunkFilter | undefined;
  readonly #requestBytes: number;
  /** What `tokens` answered, until more bytes arrive: the recorder and the admission both ask. */
  #tokens: TokenUsage | undefined = undefined;

  constructor(requestBytes: number, dropUsageChunk: boolean) {
    this.#requestBytes = requestBytes;
    this.#filter = dropUsageChunk ? new UsageChunkFilter() : undefined;
  }

  data(chunk: Buffer): Buffer {
    this.#tokens = undefined;
    this.#meter.observe(chunk);
    return this.#filter === undefined ? chunk : this.#filter.data(chunk);
  }

  end(): Buffer | undefined {
    this.#meter.end();
    return this.#filter?.end();
  }

  tokens(): TokenUsage {
    if (this.#tokens !== undefined) return this.#tokens;
    this.#meter.end();
    this.#tokens = this.#meter.usage(this.#requestBytes);
    return this.#tokens;
  }
}

/**
 * The body to send and the tap to meter a proxied request with: an OpenAI completion stream
 * that did not ask for usage is made to, and the tap then drops the extra chunk.
 */
export function meteredRequest(
  path: string,
  body: RequestBody | undefined,
  json: boolean,
): { body: RequestBody | undefined; tap: MeteringTap } {
  const asked = json && body !== undefined && reportsStreamUsageOnRequest(path) ? askForStreamUsage(body) : undefined;
  return {
    body: asked === undefined ? body : RequestBody.of(asked),
    tap: new MeteringTap(body === undefined ? 0 : body.length, asked !== undefined),
  };
}

function matchesAny(name: string, globs: readonly string[]): boolean {
  for (const glob of globs) if (matchesGlob(name, glob)) return true;
  return false;
}

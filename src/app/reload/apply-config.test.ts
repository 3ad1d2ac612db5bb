import { describe, expect, it } from 'vitest';
import { ReloadableSelector } from '../../adapter/balancer/reloadable-selector.js';
import { ConfiguredKeyDirectory } from '../../adapter/client-keys/configured-directory.js';
import { ClientKeyGate } from '../../adapter/client-keys/gate.js';
import { buildEndpoints } from '../../adapter/discovery/endpoints/build-endpoints.js';
import { StaticEndpointRepository } from '../../adapter/discovery/endpoints/static-endpoint-repository.js';
import { loadProfileRegistry } from '../../adapter/profile/load-profiles.js';
import type { EngineKind } from '../../adapter/proxy/core/engine.js';
import { FallbackChains } from '../../adapter/registry/fallback-chains.js';
import { ReloadableClientIp } from '../../adapter/security/client-ip.js';
import { RateLimiter } from '../../adapter/security/rate-limit.js';
import { RequestSizeLimits } from '../../adapter/security/size-limit.js';
import { MemoryStateStore } from '../../adapter/state/memory-state-store.js';
import { MemoryResponseStore } from '../../adapter/translator/responses/memory-store.js';
import { parseConfig } from '../../config/parse.js';
import type { CorsConfig, OllaConfig, ProxyConfig } from '../../config/types.js';
import { ConfigError } from '../../core/errors.js';
import { applyConfig, type ReloadableParts } from './apply-config.js';
import { LiveTranslators } from './live-translators.js';

const profiles = await loadProfileRegistry();
const config = (doc: Record<string, unknown>) => parseConfig(doc, { env: {} }).config;
const ENDPOINTS = { discovery: { static: { endpoints: [{ name: 'a', url: 'http://a:11434', type: 'ollama' }] } } };
const KEY_A = { name: 'team-a', key: 'sk-team-a-000000000001' };
const KEY_B = { name: 'team-b', key: 'sk-team-b-000000000002' };
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** Real holders where they are cheap, recorders for the parts that talk to the network. */
function partsFor(startedWith: OllaConfig) {
  const engineCalls: { config: ProxyConfig; kind: EngineKind | undefined }[] = [];
  const corsCalls: CorsConfig[] = [];
  const keys = startedWith.server.auth.enabled
    ? new ClientKeyGate(new ConfiguredKeyDirectory(startedWith.server.auth.keys), new MemoryStateStore())
    : undefined;
  const parts = {
    profiles,
    endpoints: new StaticEndpointRepository(buildEndpoints(startedWith.discovery.static.endpoints, profiles)),
    health: { reconcile() {} },
    catalogue: { setAliases() {}, removeEndpoint() {} },
    discovery: { setFilters() {}, forget() {}, refresh: async () => {} },
    router: { setStrategy() {} },
    selector: new ReloadableSelector(startedWith.proxy),
    engine: { reconfigure: (c: ProxyConfig, kind?: EngineKind) => engineCalls.push({ config: c, kind }) },
    limiter: new RateLimiter(startedWith.server.rateLimits),
    clientIp: new ReloadableClientIp(startedWith.server.rateLimits),
    sizeLimits: new RequestSizeLimits(startedWith.server.requestLimits),
    fallbacks: new FallbackChains(startedWith.modelFallbacks),
    ...(keys ? { keys } : {}),
    ...(startedWith.server.cors.enabled ? { cors: (c: CorsConfig) => corsCalls.push(c) } : {}),
    translators: new LiveTranslators(startedWith.translators, {
      inspectorLogger: { warn() {} },
      responseStore: () => new MemoryResponseStore(startedWith.translators.responses.store),
    }),
    httpServer: { headersTimeout: 0, requestTimeout: 0, keepAliveTimeout: 0 },
    startedWith,
    loggers: () => [],
  } satisfies ReloadableParts;
  return { parts, keys, engineCalls, corsCalls };
}

describe('applyConfig', () => {
  it('adds and revokes client keys: a new key is known at once, a revoked one is refused', () => {
    const before = config({ ...ENDPOINTS, server: { auth: { enabled: true, keys: [KEY_A] } } });
    const after = config({ ...ENDPOINTS, server: { auth: { enabled: true, keys: [KEY_B] } } });
    const { parts, keys } = partsFor(before);
    const admitted = keys!.identify(bearer(KEY_A.key));
    expect(admitted?.name).toBe('team-a');
    expect(keys!.identify(bearer(KEY_B.key))).toBeUndefined();

    expect(applyConfig(parts, before, after).applied).toEqual(['server.auth.keys']);
    expect(keys!.identify(bearer(KEY_B.key))?.name).toBe('team-b');
    expect(keys!.identify(bearer(KEY_A.key))).toBeUndefined();
    expect(keys!.counts('team-b')).toMatchObject({ requests: 0 });
    // A request admitted before the reload still has its key's counters to finish on.
    expect(keys!.counts('team-a')).toBeDefined();
    expect(keys!.keys().map((k) => k.name)).toEqual(['team-b']);
  });

  it('adds a fallback chain to an Olla that started without one', () => {
    const before = config(ENDPOINTS);
    const { parts } = partsFor(before);
    expect(parts.fallbacks.empty).toBe(true);
    applyConfig(parts, before, config({ ...ENDPOINTS, model_fallbacks: { big: ['medium', 'small'] } }));
    expect(parts.fallbacks.empty).toBe(false);
    expect(parts.fallbacks.chainFor('big')).toEqual(['big', 'medium', 'small']);
    applyConfig(parts, before, before);
    expect(parts.fallbacks.empty).toBe(true);
  });

  it('switches rate limits on when they were off at start-up, and changes them again', () => {
    const before = config({ ...ENDPOINTS, server: { rate_limits: { per_ip_requests_per_minute: 0 } } });
    const on = config({
      ...ENDPOINTS,
      server: { rate_limits: { per_ip_requests_per_minute: 60, burst_size: 1, global_requests_per_minute: 0 } },
    });
    const { parts } = partsFor(before);
    expect(parts.limiter.active).toBe(false);
    applyConfig(parts, before, on);
    expect(parts.limiter.active).toBe(true);
    expect(parts.limiter.check('10.0.0.1', false).error).toBeUndefined();
    expect(parts.limiter.check('10.0.0.1', false).error?.status).toBe(429);
    applyConfig(parts, on, before);
    expect(parts.limiter.active).toBe(false);
    parts.limiter.stop();
  });

  it('trusts forwarded client addresses once a reload names the proxy', () => {
    const before = config(ENDPOINTS);
    const after = config({
      ...ENDPOINTS,
      server: { rate_limits: { trust_proxy_headers: true, trusted_proxy_cidrs: ['10.0.0.0/8'] } },
    });
    const { parts } = partsFor(before);
    const resolve = parts.clientIp.resolve;
    const headers = { 'x-forwarded-for': '203.0.113.9' };
    expect(resolve('10.1.2.3', headers)).toBe('10.1.2.3');
    applyConfig(parts, before, after);
    expect(resolve('10.1.2.3', headers)).toBe('203.0.113.9');
    parts.limiter.stop();
  });

  it('lowers the request size limits', () => {
    const before = config(ENDPOINTS);
    const { parts } = partsFor(before);
    applyConfig(parts, before, config({ ...ENDPOINTS, server: { request_limits: { max_body_size: '1KB' } } }));
    expect(parts.sizeLimits.maxBodySize).toBe(1024);
    expect(parts.sizeLimits.checkContentLength('2048')?.status).toBe(413);
    parts.limiter.stop();
  });

  it('hands the engine a new transport only when the engine or a transport timeout changed', () => {
    const before = config(ENDPOINTS);
    const { parts, engineCalls } = partsFor(before);
    applyConfig(parts, before, config({ ...ENDPOINTS, proxy: { response_timeout: '5s' } }));
    expect(engineCalls.at(-1)?.kind).toBeUndefined();
    expect(before.proxy.engine).toBe('olla');
    applyConfig(parts, before, config({ ...ENDPOINTS, proxy: { engine: 'sherpa' } }));
    expect(engineCalls.at(-1)?.kind).toMatchObject({ name: 'sherpa', useBreakers: false });
    applyConfig(parts, before, config({ ...ENDPOINTS, proxy: { read_timeout: '7s' } }));
    expect(engineCalls.at(-1)?.kind?.name).toBe(before.proxy.engine);
    for (const call of engineCalls) void call.kind?.transport.close();
    parts.limiter.stop();
  });

  it('re-sets CORS when it was on at start-up', () => {
    const before = config({ ...ENDPOINTS, server: { cors: { enabled: true, allowed_origins: ['https://a.test'] } } });
    const after = config({ ...ENDPOINTS, server: { cors: { enabled: true, allowed_origins: ['https://b.test'] } } });
    const { parts, corsCalls } = partsFor(before);
    applyConfig(parts, before, after);
    expect(corsCalls.map((c) => c.allowedOrigins)).toEqual([['https://b.test']]);
    parts.limiter.stop();
  });

  it('swaps a translator for one with the new settings; requests holding the old keep it', () => {
    const before = config(ENDPOINTS);
    const { parts } = partsFor(before);
    const old = parts.translators.anthropic;
    const heldByARequest = parts.translators.anthropic!;
    applyConfig(parts, before, config({ ...ENDPOINTS, translators: { anthropic: { max_message_size: '1KB' } } }));
    expect(parts.translators.anthropic).not.toBe(old);
    expect(parts.translators.anthropic!.maxBodySize).toBe(1024);
    expect(heldByARequest.maxBodySize).toBe(old!.maxBodySize);
    // Unchanged settings keep the instance (its model list cache included).
    const current = parts.translators.anthropic;
    applyConfig(parts, before, config({ ...ENDPOINTS, translators: { anthropic: { max_message_size: '1KB' } } }));
    expect(parts.translators.anthropic).toBe(current);
    parts.limiter.stop();
  });

  it('sets the listening socket timeouts', () => {
    const before = config(ENDPOINTS);
    const { parts } = partsFor(before);
    applyConfig(parts, before, config({ ...ENDPOINTS, server: { read_timeout: '9s', idle_timeout: '30s' } }));
    expect(parts.httpServer).toMatchObject({ requestTimeout: 9000, keepAliveTimeout: 30_000 });
    parts.limiter.stop();
  });

  it('hands new concurrency limits to the admission queue, or says they need a restart when there is none', () => {
    const limited = (n: number) => ({
      discovery: {
        static: { endpoints: [{ name: 'a', url: 'http://a:11434', type: 'ollama', max_concurrent_requests: n }] },
      },
    });
    const before = config(limited(2));
    const { parts } = partsFor(before);
    const seen: OllaConfig[] = [];
    const withQueue = { ...parts, admission: { reconfigure: (c: OllaConfig) => seen.push(c) } };
    expect(applyConfig(withQueue, before, config(limited(4))).restartRequired).toEqual([]);
    expect(seen.map((c) => c.discovery.static.endpoints[0]?.maxConcurrentRequests)).toEqual([4]);

    const unlimited = config(ENDPOINTS);
    const { parts: noQueue } = partsFor(unlimited);
    expect(applyConfig(noQueue, unlimited, config(limited(4))).restartRequired).toEqual([
      'discovery.static.endpoints[].max_concurrent_requests',
    ]);
    parts.limiter.stop();
    noQueue.limiter.stop();
  });

  it('touches nothing when the listening address moves', () => {
    const before = config({ ...ENDPOINTS, server: { auth: { enabled: true, keys: [KEY_A] } } });
    const after = config({ ...ENDPOINTS, server: { port: 41001, auth: { enabled: true, keys: [KEY_B] } } });
    const { parts, keys } = partsFor(before);
    expect(() => applyConfig(parts, before, after)).toThrow(ConfigError);
    expect(keys!.identify(bearer(KEY_A.key))?.name).toBe('team-a');
    expect(keys!.identify(bearer(KEY_B.key))).toBeUndefined();
    parts.limiter.stop();
  });
});

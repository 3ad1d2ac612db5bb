import { ConfigError } from '../../core/errors.js';
import type { ProxyConfig } from '../../config/types.js';
import { type EngineKind, type ProxyEngineDeps, StreamingProxyEngine } from './core/engine.js';
import { OllaTransport } from './olla/olla-transport.js';
import { SherpaTransport } from './sherpa/sherpa-transport.js';

/**
 * The proxy engines by their `proxy.engine` name. Both share the exchange logic; they differ in
 * transport, and only Olla consults the per-endpoint circuit breakers (as in the original).
 */
const ENGINES = {
  sherpa: (config: ProxyConfig): EngineKind => ({
    name: 'sherpa',
    transport: new SherpaTransport(config),
    useBreakers: false,
  }),
  olla: (config: ProxyConfig): EngineKind => ({
    name: 'olla',
    transport: new OllaTransport(config),
    useBreakers: true,
  }),
} as const;

export const PROXY_ENGINE_NAMES = Object.keys(ENGINES) as (keyof typeof ENGINES)[];

/** The named engine's transport, built from `config`'s timeouts (a reload hands it to a running engine). */
export function engineKind(name: string, config: ProxyConfig): EngineKind {
  if (!Object.hasOwn(ENGINES, name)) {
    throw new ConfigError([`proxy.engine: unknown engine "${name}" (allowed: ${PROXY_ENGINE_NAMES.join(', ')})`]);
  }
  return ENGINES[name as keyof typeof ENGINES](config);
}

export function createProxyEngine(name: string, deps: ProxyEngineDeps): StreamingProxyEngine {
  return new StreamingProxyEngine(engineKind(name, deps.config), deps);
}

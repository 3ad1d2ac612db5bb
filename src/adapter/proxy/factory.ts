import { ConfigError } from '../../core/errors.js';
import { type ProxyEngineDeps, StreamingProxyEngine } from './core/engine.js';
import { OllaTransport } from './olla/olla-transport.js';
import { SherpaTransport } from './sherpa/sherpa-transport.js';

/**
 * The proxy engines by their `proxy.engine` name. Both share the exchange logic; they differ in
 * transport, and only Olla consults the per-endpoint circuit breakers (as in the original).
 */
const ENGINES = {
  sherpa: (deps: ProxyEngineDeps) => new StreamingProxyEngine('sherpa', new SherpaTransport(deps.config), deps, false),
  olla: (deps: ProxyEngineDeps) => new StreamingProxyEngine('olla', new OllaTransport(deps.config), deps, true),
} as const;

export const PROXY_ENGINE_NAMES = Object.keys(ENGINES) as (keyof typeof ENGINES)[];

export function createProxyEngine(name: string, deps: ProxyEngineDeps): StreamingProxyEngine {
  if (!Object.hasOwn(ENGINES, name)) {
    throw new ConfigError([`proxy.engine: unknown engine "${name}" (allowed: ${PROXY_ENGINE_NAMES.join(', ')})`]);
  }
  return ENGINES[name as keyof typeof ENGINES](deps);
}

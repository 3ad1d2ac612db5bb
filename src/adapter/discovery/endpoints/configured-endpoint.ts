import type { Endpoint, EndpointStatus } from '../../../core/domain/endpoint.js';
import type { AuthHeader } from './auth-header.js';

export interface EndpointSettings {
  name: string;
  type: string;
  url: string;
  healthCheckUrl: string;
  modelUrl: string;
  priority: number;
  checkInterval: number;
  checkTimeout: number;
  preservePath: boolean;
  headers: Readonly<Record<string, string>>;
  authHeader: AuthHeader | undefined;
}

/**
 * An endpoint built from config. Credentials and configured headers live in private fields
 * behind prototype getters, so they are not own enumerable properties: `JSON.stringify`,
 * pino and `Object.keys` never see them, whatever object they end up inside.
 * Every field is assigned in the constructor, in one order, so all endpoints share one shape.
 */
export class ConfiguredEndpoint implements Endpoint {
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly healthCheckUrl: string;
  readonly modelUrl: string;
  readonly priority: number;
  readonly checkInterval: number;
  readonly checkTimeout: number;
  readonly preservePath: boolean;

  status: EndpointStatus;
  lastChecked: number;
  lastLatencyMs: number;
  consecutiveFailures: number;
  backoffMultiplier: number;
  nextCheckTime: number;
  lastError: string | undefined;

  readonly #headers: Readonly<Record<string, string>>;
  readonly #authHeader: AuthHeader | undefined;

  constructor(settings: EndpointSettings, now: number) {
    this.name = settings.name;
    this.type = settings.type;
    this.url = settings.url;
    this.healthCheckUrl = settings.healthCheckUrl;
    this.modelUrl = settings.modelUrl;
    this.priority = settings.priority;
    this.checkInterval = settings.checkInterval;
    this.checkTimeout = settings.checkTimeout;
    this.preservePath = settings.preservePath;
    this.status = 'unknown';
    this.lastChecked = 0;
    this.lastLatencyMs = 0;
    this.consecutiveFailures = 0;
    this.backoffMultiplier = 1;
    this.nextCheckTime = now; // due at once: the first health round checks every endpoint
    this.lastError = undefined;
    this.#headers = Object.freeze({ ...settings.headers });
    this.#authHeader = settings.authHeader && Object.freeze({ ...settings.authHeader });
  }

  get headers(): Readonly<Record<string, string>> {
    return this.#headers;
  }

  get authHeader(): AuthHeader | undefined {
    return this.#authHeader;
  }
}

/**
 * Sticky-session pins on the shared store, so a conversation pinned through one instance lands on
 * the same node through any other. Each pin is one string key with the idle TTL; reading it slides
 * the TTL (GETEX), exactly as a local hit does. Writes are fire-and-forget: a lost write only costs
 * a later repin, never a failed request.
 */
import type { SharedPins } from '../../../core/ports/shared-state.js';
import type { SharedConnection } from './shared-connection.js';

const PIN = 'sticky:';

export class RedisStickyPins implements SharedPins {
  readonly #connection: SharedConnection;
  readonly #ttlMs: number;

  /** `idleTtlMs` 0 keeps pins until Redis evicts them (as the local store keeps them until the LRU does). */
  constructor(connection: SharedConnection, idleTtlMs: number) {
    this.#connection = connection;
    this.#ttlMs = idleTtlMs;
  }

  /** The pinned endpoint's name; `null` when none is pinned, `undefined` when the store cannot say. */
  async fetch(key: string): Promise<string | null | undefined> {
    return this.#connection.call((client) =>
      this.#ttlMs > 0 ? client.getex(PIN + key, 'PX', this.#ttlMs) : client.get(PIN + key),
    );
  }

  pin(key: string, endpointName: string): void {
    void this.#connection.call((client) =>
      this.#ttlMs > 0 ? client.set(PIN + key, endpointName, 'PX', this.#ttlMs) : client.set(PIN + key, endpointName),
    );
  }
}

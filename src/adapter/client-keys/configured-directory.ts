import { hash, timingSafeEqual } from 'node:crypto';
import type { ClientKeyConfig } from '../../config/types.js';
import type { ClientKey } from '../../core/domain/client-key.js';
import type { ClientKeyDirectory } from '../../core/ports/client-keys.js';

interface Entry {
  digest: Buffer;
  key: ClientKey;
}

/**
 * The keys of `server.auth.keys`, held as SHA-256 digests only. A presented secret is hashed and
 * compared with every digest, without stopping at a match, so neither the comparison nor the
 * number of comparisons tells an attacker anything about how close a guess came.
 */
export class ConfiguredKeyDirectory implements ClientKeyDirectory {
  readonly #entries: readonly Entry[];
  readonly #keys: readonly ClientKey[];

  constructor(configs: readonly ClientKeyConfig[]) {
    this.#entries = configs.map((c) => ({
      digest: Buffer.from(c.sha256, 'hex'),
      key: {
        name: c.name,
        models: c.models,
        priority: c.priority,
        limits: {
          requestsPerMinute: c.requestsPerMinute,
          tokensPerMinute: c.tokensPerMinute,
          tokensPerDay: c.tokensPerDay,
          maxConcurrent: c.maxConcurrent,
        },
      },
    }));
    this.#keys = this.#entries.map((e) => e.key);
  }

  identify(presented: string): ClientKey | undefined {
    const digest = hash('sha256', presented, 'buffer');
    let found: ClientKey | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(digest, entry.digest)) found = entry.key;
    }
    return found;
  }

  all(): readonly ClientKey[] {
    return this.#keys;
  }
}

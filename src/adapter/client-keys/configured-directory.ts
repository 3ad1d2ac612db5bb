import { hash } from 'node:crypto';
import type { ClientKeyConfig } from '../../config/types.js';
import type { ClientKey } from '../../core/domain/client-key.js';
import type { ClientKeyDirectory } from '../../core/ports/client-keys.js';

interface Entry {
  /** The SHA-256 of the secret, lower-case hex. */
  digest: string;
  key: ClientKey;
}

/**
 * The keys of `server.auth.keys`, held as SHA-256 digests only. A presented secret is hashed and
 * its digest looked up in a map. Looking up by digest leaks nothing useful through timing: how
 * close a guess's digest comes to a stored one says nothing about how close the guess came to the
 * secret. The entry found is still confirmed with a constant-time comparison.
 */
export class ConfiguredKeyDirectory implements ClientKeyDirectory {
  readonly #byDigest: ReadonlyMap<string, Entry>;
  readonly #keys: readonly ClientKey[];

  constructor(configs: readonly ClientKeyConfig[]) {
    const entries = configs.map((c) => ({
      digest: c.sha256.toLowerCase(),
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
    this.#byDigest = new Map(entries.map((e) => [e.digest, e]));
    this.#keys = entries.map((e) => e.key);
  }

  identify(presented: string): ClientKey | undefined {
    // A hex digest: node's one-shot hash makes a string faster than it makes a Buffer.
    const digest = hash('sha256', presented, 'hex');
    const entry = this.#byDigest.get(digest);
    return entry !== undefined && sameDigest(digest, entry.digest) ? entry.key : undefined;
  }

  all(): readonly ClientKey[] {
    return this.#keys;
  }
}

/** Two digests of equal length compared without stopping at the first difference. */
function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

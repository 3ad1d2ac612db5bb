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
 * The keys of `server.auth.keys`, configured as SHA-256 digests only. A presented secret is hashed
 * and its digest looked up in a map. Looking up by digest leaks nothing useful through timing: how
 * close a guess's digest comes to a stored one says nothing about how close the guess came to the
 * secret. The entry found is still confirmed with a constant-time comparison.
 *
 * A secret once verified is remembered, so a key's later requests skip the hash (it was 1 % of
 * the CPU of a small request). That memo holds only secrets that hashed to a configured digest,
 * so it never outgrows the keys and a flood of guesses never enters it; a reload builds a new
 * directory, so a revoked key's secret goes with the old one. It leaks no more than the digest
 * map: V8 finds a string key by its hash, seeded at random per process, and compares contents
 * only with an entry of the same hash and length, so a guess that shares a prefix with a valid
 * secret takes no longer than one that shares nothing, and a guess can no more steer which
 * entry it is compared with than it can steer a SHA-256 digest. Found or not, the answer (200
 * or 401) already says whether that exact secret is valid. And a client presents its plain
 * secret on every request, so holding it here adds no secret to the heap that traffic does not
 * already put there.
 */
export class ConfiguredKeyDirectory implements ClientKeyDirectory {
  readonly #byDigest: ReadonlyMap<string, Entry>;
  readonly #keys: readonly ClientKey[];
  /** Secrets already verified, to their key: at most one per key. */
  readonly #verified = new Map<string, ClientKey>();

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
    const verified = this.#verified.get(presented);
    if (verified !== undefined) return verified;
    // A hex digest: node's one-shot hash makes a string faster than it makes a Buffer.
    const digest = hash('sha256', presented, 'hex');
    const entry = this.#byDigest.get(digest);
    if (entry === undefined || !sameDigest(digest, entry.digest)) return undefined;
    this.#verified.set(presented, entry.key);
    return entry.key;
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

import type { ClientKey } from '../domain/client-key.js';

/**
 * The client keys Olla knows. Configured keys live in memory today; a shared store could hold
 * them later without the gate's rules changing.
 */
export interface ClientKeyDirectory {
  /** The key whose secret is `presented`, compared in constant time; undefined when none is. */
  identify(presented: string): ClientKey | undefined;
  all(): readonly ClientKey[];
}

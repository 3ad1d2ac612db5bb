/** The original's predicates for which health transitions its callbacks act on. */
import { isRoutable } from '../../core/domain/endpoint.js';
import type { HealthTransition } from '../../core/ports/endpoints.js';

/**
 * A node came back: refresh its models. The first check after start-up (from `unknown`) is a
 * discovery, not a recovery; start-up discovery covers it.
 */
export function isRecovery(transition: HealthTransition): boolean {
  return transition.to === 'healthy' && transition.from !== 'unknown';
}

/**
 * A node stopped taking traffic: purge sticky sessions pinned to it. Healthy → busy keeps
 * routing (purging there would throw away KV-cache affinity for nothing), and nothing can be
 * pinned to a node that never routed.
 */
export function becameUnroutable(transition: HealthTransition): boolean {
  return isRoutable(transition.from) && !isRoutable(transition.to);
}

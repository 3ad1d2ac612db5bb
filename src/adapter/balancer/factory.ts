import type { BalancerName } from '../../config/types.js';
import { ConfigError } from '../../core/errors.js';
import type { EndpointSelector } from '../../core/ports/balancer.js';
import type { ConnectionCounter } from './connection-counter.js';
import { LeastConnectionsBalancer } from './least-connections.js';
import { PriorityBalancer } from './priority.js';
import { RoundRobinBalancer } from './round-robin.js';

const BALANCERS: Readonly<Record<BalancerName, (counter?: ConnectionCounter) => EndpointSelector>> = {
  priority: (counter) => new PriorityBalancer(counter),
  'round-robin': (counter) => new RoundRobinBalancer(counter),
  'least-connections': (counter) => new LeastConnectionsBalancer(counter),
};

/** The names `proxy.load_balancer` accepts. */
export const BALANCER_NAMES = Object.keys(BALANCERS) as readonly BalancerName[];

function isBalancerName(name: string): name is BalancerName {
  return Object.hasOwn(BALANCERS, name);
}

/** Builds the balancer `proxy.load_balancer` names; an unknown name is a config error. */
export function createBalancer(name: string, counter?: ConnectionCounter): EndpointSelector {
  if (!isBalancerName(name)) {
    throw new ConfigError([
      `proxy.load_balancer: unknown load balancer "${name}" (allowed: ${BALANCER_NAMES.join(', ')})`,
    ]);
  }
  return BALANCERS[name](counter);
}

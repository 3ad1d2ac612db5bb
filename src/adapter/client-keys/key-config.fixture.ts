import { createHash } from 'node:crypto';
import type { ClientKeyConfig } from '../../config/types.js';

/** A key named `name` whose secret is `<name>-secret`, held as its digest, no limits unless `over` sets them. */
export function keyConfig(name: string, over: Partial<ClientKeyConfig> = {}): ClientKeyConfig {
  return {
    name,
    sha256: createHash('sha256').update(`${name}-secret`).digest('hex'),
    models: undefined,
    requestsPerMinute: 0,
    tokensPerMinute: 0,
    tokensPerDay: 0,
    maxConcurrent: 0,
    priority: 'normal',
    ...over,
  };
}

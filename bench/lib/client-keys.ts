/**
 * The `olla-keys` target: Olla with client API keys on, to weigh what they cost against the plain
 * `olla` row. One key with every limit set, far above what the load reaches, and an allow-list,
 * so each request is authenticated, checked against the model globs, admitted through every
 * window and slot, metered (streams included, with the usage chunk asked for and removed) and
 * settled, just as a key near its limits would be.
 */
import { BENCH_MODEL } from './mock.js';

const BENCH_KEY = 'bench-client-key-0123456789abcdef';
const HIGH = 1_000_000_000;

/** The Olla config with `server.auth` switched on (inserted under `server:`). */
export function withClientKeys(yaml: string): string {
  const auth = `server:
  auth:
    enabled: true
    keys:
      - name: bench
        key: "${BENCH_KEY}"
        models: ["${BENCH_MODEL}*"]
        requests_per_minute: ${HIGH}
        tokens_per_minute: ${HIGH}
        tokens_per_day: ${HIGH}
        max_concurrent: 100000
`;
  return yaml.replace(/^server:\n/m, auth);
}

/** What every request of the target carries. */
export const CLIENT_KEY_HEADERS: Readonly<Record<string, string>> = { authorization: `Bearer ${BENCH_KEY}` };

/**
 * The `olla-keys` target: Olla with client API keys on, to weigh what they cost against the plain
 * `olla` row; the rest of the shipped config is left as it is. A handful of keys, as a small team
 * would configure; the load presents one with every limit set, far above what the load reaches,
 * and an allow-list, so each request is authenticated, checked against the model globs, admitted
 * through every window and slot, metered (streams included, with the usage chunk asked for and
 * removed) and settled, just as a key near its limits would be.
 */
import { parse, stringify } from 'yaml';
import { BENCH_MODEL } from './mock.js';

const BENCH_KEY = 'bench-client-key-0123456789abcdef';
const HIGH = 1_000_000_000;
/** The other keys of the team, never presented by the load. */
const OTHER_KEYS = ['alice', 'bob', 'ci', 'notebooks'].map((name) => ({
  name,
  key: `bench-${name}-key-fedcba9876543210`,
  models: ['llama3*', 'qwen*'],
  requests_per_minute: 600,
  tokens_per_minute: 200_000,
}));

/** The Olla config with `server.auth` switched on (the shipped file already has a `server.auth` block). */
export function withClientKeys(yaml: string): string {
  const config = parse(yaml) as { server?: { auth?: Record<string, unknown> } };
  config.server ??= {};
  config.server.auth = {
    ...config.server.auth,
    enabled: true,
    keys: [
      ...OTHER_KEYS,
      {
        name: 'bench',
        key: BENCH_KEY,
        models: [`${BENCH_MODEL}*`],
        requests_per_minute: HIGH,
        tokens_per_minute: HIGH,
        tokens_per_day: HIGH,
        max_concurrent: 100_000,
      },
    ],
  };
  return stringify(config);
}

/** What every request of the target carries. */
export const CLIENT_KEY_HEADERS: Readonly<Record<string, string>> = { authorization: `Bearer ${BENCH_KEY}` };

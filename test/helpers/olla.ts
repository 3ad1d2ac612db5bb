/**
 * Starts a real Olla on 127.0.0.1 with an ephemeral port, from a config document written the
 * way users write `config.yaml` (snake_case sections), for end-to-end tests.
 */
import { Writable } from 'node:stream';
import { createOlla, type Olla } from '../../src/app/app.js';
import { parseConfig } from '../../src/config/parse.js';
import type { OllaConfig } from '../../src/config/types.js';
import { createLogger } from '../../src/logger/logger.js';

export interface RunningOlla {
  olla: Olla;
  config: OllaConfig;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every log line Olla wrote, as text (for tests that grep the logs). */
  logs(): string;
  close(): Promise<void>;
}

export interface TestEndpoint {
  name: string;
  url: string;
  type: string;
  priority?: number;
  check_interval?: string;
  check_timeout?: string;
  [key: string]: unknown;
}

type Doc = Record<string, unknown>;

function merge(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Doc, v as Doc)
        : v;
  }
  return out;
}

/**
 * Test defaults: fast health checks and discovery, generous rate limits, quiet logs captured in
 * memory. `overrides` is merged over them (arrays replace); `options.env` stands in for the
 * environment `${VAR}` placeholders read.
 */
export async function startOlla(
  endpoints: TestEndpoint[],
  overrides: Doc = {},
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<RunningOlla> {
  const doc = merge(
    {
      server: {
        host: '127.0.0.1',
        port: 40114,
        shutdown_timeout: '2s',
        rate_limits: { global_requests_per_minute: 0, per_ip_requests_per_minute: 0 },
      },
      proxy: { engine: 'olla', load_balancer: 'round-robin', response_header_timeout: '5s', read_timeout: '5s' },
      discovery: {
        health_check: { initial_delay: '0s' },
        static: {
          endpoints: endpoints.map((e) => ({ check_interval: '1s', check_timeout: '500ms', ...e })),
        },
        model_discovery: { interval: '200ms', timeout: '1s', retry_attempts: 0 },
      },
      logging: { level: 'info', format: 'json' },
    },
    overrides,
  );
  const { config } = parseConfig(doc, { filename: 'test', env: options.env });
  // Tests may go below what users may configure: an ephemeral port and fast health checks
  // (unless the test set its own interval), so they never wait on wall-clock seconds.
  config.server.port = 0;
  for (const [i, e] of config.discovery.static.endpoints.entries()) {
    if (endpoints[i]?.check_interval === undefined) e.checkInterval = 100;
  }
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const olla = await createOlla(config, createLogger(config.logging, { destination: sink, pretty: false }));
  const address = await olla.listen();
  return {
    olla,
    config,
    url: address.replace('localhost', '127.0.0.1'),
    logs: () => lines.join(''),
    close: () => olla.close(),
  };
}

/** Polls `check` every 25 ms until it returns true, or fails after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Waits until every named endpoint is healthy and, when `models` is set, has them discovered. */
export async function waitForHealthy(
  running: RunningOlla,
  names: string[],
  options: { models?: string[]; timeoutMs?: number } = {},
): Promise<void> {
  const { endpoints, models } = running.olla;
  await waitFor(
    () =>
      names.every((n) => endpoints.get(n)?.status === 'healthy') &&
      (options.models ?? []).every((m) => models.find(m) !== undefined),
    options.timeoutMs ?? 5000,
    `${names.join(', ')} healthy`,
  );
}

/**
 * What the bench measures: the mock hit directly, the floor, Olla with each engine, and the
 * reference proxies when this machine has them. Each target runs as its own process, pointed at
 * the one mock, and says how it serves each kind of request (or that it does not).
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { ProjectCommand } from './build.js';
import { CLIENT_KEY_HEADERS, withClientKeys } from './client-keys.js';
import { haproxyConfig, litellmConfig, nginxConfig, type OllaConfigKind, ollaConfig } from './configs.js';
import { BENCH_MODEL, type RunningMock } from './mock.js';
import { startBenchRedis, withSharedState } from './shared-state.js';
import { BenchProcess, freePort, waitForHttp } from './processes.js';

/** The kinds of request the scenarios send. */
export type Api = 'openai-chat' | 'ollama-chat' | 'echo';

export interface Route {
  path: string;
  headers: Record<string, string>;
}

export interface RunningTarget {
  url: string;
  /** The process whose tree is weighed for memory. */
  pid: number;
  stop(): Promise<void>;
}

/** What every target is started with. */
export interface TargetEnv {
  workDir: string;
  /** How to run the project's own entry points (compiled, or under tsx). */
  project: ProjectCommand;
  /** Which configuration Olla and the Go original run with. */
  ollaConfig: OllaConfigKind;
}

export interface Target {
  name: string;
  description: string;
  /** Why it cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
  start(mock: RunningMock, env: TargetEnv): Promise<RunningTarget>;
  /** How it serves `api` from `mock`, or undefined when it does not. */
  route(api: Api, mock: RunningMock): Route | undefined;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAME_PATHS: Record<Api, string> = {
  'openai-chat': '/v1/chat/completions',
  'ollama-chat': '/api/chat',
  echo: '/echo',
};
const OLLA_PATHS: Record<Api, string> = {
  'openai-chat': '/olla/proxy/v1/chat/completions',
  'ollama-chat': '/olla/ollama/api/chat',
  echo: '/olla/proxy/echo',
};
export const PORTKEY_DIR = process.env.OLLA_BENCH_PORTKEY_DIR ?? '/tmp/portkey';
const PORTKEY_SERVER = join(PORTKEY_DIR, 'node_modules/@portkey-ai/gateway/build/start-server.js');

function samePath(api: Api): Route {
  return { path: SAME_PATHS[api], headers: {} };
}

/** An executable on PATH (or in the sbin directories Debian puts servers in). */
function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

function running(proc: BenchProcess, url: string): RunningTarget {
  return { url, pid: proc.pid, stop: () => proc.stop() };
}

const direct: Target = {
  name: 'direct',
  description: 'the mock backend with nothing in between (the baseline every "added" figure is measured from)',
  unavailable: () => undefined,
  async start(mock) {
    return { url: mock.url, pid: mock.process.pid, stop: async () => {} };
  },
  route: samePath,
};

/** bench/floor.ts started with `extraArgs` (given the run's environment). */
function floorTarget(name: string, description: string, extraArgs: (env: TargetEnv) => string[]): Target {
  return {
    name,
    description,
    unavailable: () => undefined,
    async start(mock, env) {
      const [command, ...args] = env.project('bench/floor.ts');
      const proc = new BenchProcess(name, command!, [...args, mock.url, ...extraArgs(env)], {});
      const { url } = await proc.waitForJson<{ url: string }>(30_000);
      return running(proc, url);
    },
    route: samePath,
  };
}

const floor = floorTarget(
  'floor',
  'bench/floor.ts: node:http + undici Pool.dispatch, hop-by-hop headers dropped, nothing else',
  () => [],
);

/** The floor doing only what Olla's wire contract demands: the yardstick for Olla's own design. */
const floorEssentials = floorTarget(
  'floor-essentials',
  "bench/floor.ts --essentials: the floor plus Olla's wire contract (body read, model found by byte search, " +
    'proxy and X-Olla-* headers, a batched JSON request line); no routing, limits or stats',
  (env) => ['--essentials', join(env.workDir, 'floor-essentials.log')],
);

/** Starts Olla from `src/cli/main.ts` (or another binary reading the same YAML) and waits for its health route. */
export async function startOllaProcess(
  name: string,
  command: readonly string[],
  engine: string,
  mock: RunningMock,
  env: TargetEnv,
  editConfig: (yaml: string) => string = (yaml) => yaml,
): Promise<{ proc: BenchProcess; url: string }> {
  const port = await freePort();
  const file = join(env.workDir, `${name}.yaml`);
  writeFileSync(file, editConfig(ollaConfig(env.ollaConfig, engine, port, mock)));
  const proc = new BenchProcess(name, command[0]!, [...command.slice(1), '--config', file], {
    cwd: ROOT,
    logFile: join(env.workDir, `${name}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/internal/health`, { timeoutMs: 30_000, everyMs: 5, status: 200, server: proc });
  return { proc, url };
}

export const OLLA_ENTRY = 'src/cli/main.ts';

/** A change to the shipped config that a target weighs against the plain engine row. */
interface OllaVariant {
  suffix: string;
  describe: string;
  edit: (yaml: string) => string;
  headers?: Record<string, string>;
}

/** Client API keys on (see client-keys.ts). */
const WITH_KEYS: OllaVariant = {
  suffix: 'keys',
  describe: 'client API keys on',
  edit: withClientKeys,
  headers: CLIENT_KEY_HEADERS,
};

/** `server.request_logging: false`, nothing else: what a log line per request costs. */
const WITHOUT_REQUEST_LOGS: OllaVariant = {
  suffix: 'nolog',
  describe: 'request logging off (server.request_logging: false), nothing else changed',
  edit: (yaml) => {
    const config = parse(yaml) as { server?: Record<string, unknown> };
    config.server = { ...config.server, request_logging: false };
    return stringify(config);
  },
};

/** Olla with `engine`, the shipped config or a `variant` of it. */
function ollaEngine(engine: string, variant?: OllaVariant): Target {
  const name = variant ? `${engine}-${variant.suffix}` : engine;
  return {
    name,
    description: `Olla (TypeScript), ${engine} engine${variant ? `, ${variant.describe}` : ''}: node dist/bundle/olla.js`,
    unavailable: () => undefined,
    async start(mock, env) {
      const { proc, url } = await startOllaProcess(name, env.project(OLLA_ENTRY), engine, mock, env, variant?.edit);
      return running(proc, url);
    },
    route: (api) => ({ path: OLLA_PATHS[api], headers: { ...variant?.headers } }),
  };
}

/** Two instances sharing one redis-server, the load on the first (see shared-state.ts). */
const ollaShared: Target = {
  name: 'olla-shared',
  description: 'Olla (TypeScript), olla engine, two instances sharing state on one redis-server; load on the first',
  unavailable: () =>
    findExecutable('redis-server') ? undefined : 'redis-server is not installed (apt-get install redis-server)',
  async start(mock, env) {
    const redis = await startBenchRedis(findExecutable('redis-server')!);
    const edit = withSharedState(redis.url);
    const first = await startOllaProcess('olla-shared-a', env.project(OLLA_ENTRY), 'olla', mock, env, edit);
    const second = await startOllaProcess('olla-shared-b', env.project(OLLA_ENTRY), 'olla', mock, env, edit);
    return {
      url: first.url,
      pid: first.proc.pid,
      async stop() {
        await Promise.all([first.proc.stop(), second.proc.stop()]);
        await redis.stop();
      },
    };
  },
  route: (api) => ({ path: OLLA_PATHS[api], headers: {} }),
};

const goOriginal: Target = {
  name: 'olla-go',
  description: 'the Go original, from OLLA_REFERENCE_BIN, with the same YAML',
  unavailable() {
    const bin = process.env.OLLA_REFERENCE_BIN;
    if (!bin) return 'OLLA_REFERENCE_BIN is not set';
    return existsSync(bin) ? undefined : `OLLA_REFERENCE_BIN names ${bin}, which does not exist`;
  },
  async start(mock, env) {
    const bin = process.env.OLLA_REFERENCE_BIN!;
    const { proc, url } = await startOllaProcess('olla-go', [bin], 'olla', mock, env);
    return running(proc, url);
  },
  route: (api) => ({ path: OLLA_PATHS[api], headers: {} }),
};

const nginx: Target = {
  name: 'nginx',
  description: 'nginx, one worker, upstream keep-alive pool, buffering off',
  unavailable: () =>
    findExecutable('nginx') ? undefined : 'nginx is not installed (npm run bench -- --install-references)',
  async start(mock, env) {
    const prefix = join(env.workDir, 'nginx');
    mkdirSync(prefix, { recursive: true });
    const port = await freePort();
    const file = join(prefix, 'nginx.conf');
    writeFileSync(file, nginxConfig(prefix, port, mock));
    const proc = new BenchProcess('nginx', findExecutable('nginx')!, ['-p', prefix, '-c', file], {});
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/`, { timeoutMs: 10_000, server: proc });
    return running(proc, url);
  },
  route: samePath,
};

const haproxy: Target = {
  name: 'haproxy',
  description: 'HAProxy, nbthread 1, http-reuse always',
  unavailable: () =>
    findExecutable('haproxy') ? undefined : 'HAProxy is not installed (npm run bench -- --install-references)',
  async start(mock, env) {
    const port = await freePort();
    const file = join(env.workDir, 'haproxy.cfg');
    writeFileSync(file, haproxyConfig(port, mock));
    // -db: stay in the foreground, one process.
    const proc = new BenchProcess('haproxy', findExecutable('haproxy')!, ['-db', '-f', file], {});
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/`, { timeoutMs: 10_000, server: proc });
    return running(proc, url);
  },
  route: samePath,
};

/** Portkey's gateway routes by provider; the custom-host header points its OpenAI provider at the mock. */
const portkey: Target = {
  name: 'portkey',
  description: "Portkey's open-source gateway (@portkey-ai/gateway), OpenAI provider with x-portkey-custom-host",
  unavailable: () =>
    existsSync(PORTKEY_SERVER)
      ? undefined
      : `@portkey-ai/gateway is not installed in ${PORTKEY_DIR} (npm run bench -- --install-references)`,
  async start() {
    const port = await freePort();
    const env = { ...process.env, NODE_ENV: 'production' };
    const proc = new BenchProcess('portkey', process.execPath, [PORTKEY_SERVER, `--port=${port}`, '--headless'], {
      env,
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/`, { timeoutMs: 30_000, status: 200, server: proc });
    return running(proc, url);
  },
  route(api, mock) {
    if (api !== 'openai-chat') return undefined;
    return {
      path: '/v1/chat/completions',
      headers: {
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${mock.url}/v1`,
        authorization: 'Bearer bench',
      },
    };
  },
};

/** A venv under bench/ (gitignored), made with `python3 -m venv bench/litellm-venv && bench/litellm-venv/bin/pip install 'litellm[proxy]'`. */
export const LITELLM_VENV = join(ROOT, 'bench/litellm-venv');
const LITELLM_BIN = join(LITELLM_VENV, 'bin/litellm');
/** A fresh master key each run: the proxy refuses weak ones and nothing else may reuse it. */
const LITELLM_MASTER_KEY = `sk-${randomBytes(24).toString('hex')}`;

const litellm: Target = {
  name: 'litellm',
  description:
    "LiteLLM's proxy (litellm[proxy] in bench/litellm-venv), one worker, OpenAI provider pointed at the mock",
  unavailable: () =>
    existsSync(LITELLM_BIN)
      ? undefined
      : `LiteLLM is not installed in ${LITELLM_VENV} (npm run bench -- --install-references)`,
  async start(mock, env) {
    const port = await freePort();
    const file = join(env.workDir, 'litellm.yaml');
    writeFileSync(file, litellmConfig(mock.url, BENCH_MODEL));
    const proc = new BenchProcess(
      'litellm',
      LITELLM_BIN,
      ['--config', file, '--host', '127.0.0.1', '--port', String(port), '--num_workers', '1'],
      {
        // The local cost map: no fetch of model prices from the network at start-up.
        env: { ...process.env, LITELLM_LOCAL_MODEL_COST_MAP: 'True', LITELLM_MASTER_KEY },
      },
    );
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health/liveliness`, { timeoutMs: 120_000, status: 200, server: proc });
    return running(proc, url);
  },
  route(api) {
    if (api !== 'openai-chat') return undefined;
    return { path: '/v1/chat/completions', headers: { authorization: `Bearer ${LITELLM_MASTER_KEY}` } };
  },
};

export const TARGETS: readonly Target[] = [
  direct,
  floor,
  floorEssentials,
  ollaEngine('olla'),
  ollaEngine('olla', WITH_KEYS),
  ollaEngine('olla', WITHOUT_REQUEST_LOGS),
  ollaShared,
  ollaEngine('sherpa'),
  goOriginal,
  nginx,
  haproxy,
  portkey,
  litellm,
];

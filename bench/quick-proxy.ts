/**
 * A quick end-to-end throughput check of the whole proxy path: requests/s and latency through
 * `/olla/proxy/v1/chat/completions` for each engine, next to the mock backend hit directly, so
 * the table shows what Olla adds (routing, model lookup, headers, pooling) on top of the network.
 *
 *   npx tsx bench/quick-proxy.ts [connections=64] [seconds=5]
 *
 * The mock (OpenAI flavour, non-streaming answers) and autocannon each run in a child process;
 * Olla runs here, one engine at a time, so it has this event loop to itself. A quick look, not a
 * benchmark suite: numbers on a shared machine move by ±10 % from run to run.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createOlla } from '../src/app/app.js';
import { parseConfig } from '../src/config/parse.js';
import { createLogger } from '../src/logger/logger.js';

const [connections = 64, seconds = 5] = process.argv.slice(2).map(Number);
const MODEL = 'bench-model';
const BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hello there' }] });
const ENGINES = ['sherpa', 'olla'] as const;

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

function load(url: string, duration: number): Promise<LoadResult> {
  const args = ['-c', String(connections), '-d', String(duration), '-j', '-m', 'POST'];
  args.push('-H', 'content-type=application/json', '-b', BODY, url);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [autocannonBin, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      const r = JSON.parse(stdout);
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx });
    });
  });
}

/** The mock backend in its own process; resolves with its URL and a way to stop it. */
async function startMock(): Promise<{ url: string; stop: () => void }> {
  const cli = fileURLToPath(new URL('../test/mock/cli.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, '--flavour', 'openai', '--name', 'bench', '--models', MODEL, '--json'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { url: (JSON.parse(line) as { url: string }).url, stop: () => child.kill('SIGTERM') };
}

async function startOlla(engine: string, backendUrl: string) {
  const { config } = parseConfig(
    {
      server: {
        host: '127.0.0.1',
        rate_limits: { global_requests_per_minute: 0, per_ip_requests_per_minute: 0 },
      },
      proxy: { engine, load_balancer: 'round-robin' },
      discovery: {
        health_check: { initial_delay: '0s' },
        static: { endpoints: [{ name: 'bench', url: backendUrl, type: 'openai-compatible' }] },
      },
      logging: { level: 'warn', format: 'json' },
    },
    { filename: 'bench' },
  );
  config.server.port = 0;
  const olla = await createOlla(config, createLogger(config.logging, { pretty: false }));
  const address = (await olla.listen()).replace('localhost', '127.0.0.1');
  const deadline = Date.now() + 10_000;
  while (olla.endpoints.get('bench')?.status !== 'healthy' || olla.models.find(MODEL) === undefined) {
    if (Date.now() > deadline) throw new Error('the mock never became healthy behind Olla');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { olla, address };
}

function row(label: string, r: LoadResult, direct?: LoadResult): string {
  const added = direct ? `+${r.p50 - direct.p50} / +${r.p99 - direct.p99}` : '—';
  return `| ${label} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${added} | ${r.errors} |`;
}

const mock = await startMock();
try {
  console.log(`autocannon -c ${connections} -d ${seconds} -m POST (chat completion, non-streaming, OpenAI mock)`);
  console.log('| target | req/s | p50 ms | p99 ms | added p50 / p99 ms | errors |');
  console.log('|---|---|---|---|---|---|');
  const directUrl = `${mock.url}/v1/chat/completions`;
  await load(directUrl, 2); // let sockets and the JIT settle
  const direct = await load(directUrl, seconds);
  console.log(row('mock directly', direct));
  for (const engine of ENGINES) {
    const { olla, address } = await startOlla(engine, mock.url);
    const url = `${address}/olla/proxy/v1/chat/completions`;
    await load(url, 2);
    console.log(row(`Olla, ${engine} engine`, await load(url, seconds), direct));
    await olla.close();
  }
} finally {
  mock.stop();
}

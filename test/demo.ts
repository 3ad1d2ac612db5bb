/**
 * `npm run demo`: two mock backends behind a real Olla, and a short guided tour of what Olla does
 * with them (model listing, streaming, translation, failover). Ctrl-C stops everything.
 *
 *   npm run demo               tour, then keep running so you can try the commands yourself
 *   npm run demo -- --once     tour, then stop (handy as a smoke test)
 *   npm run demo -- --verbose  also show Olla's own log lines
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { type MockBackend, type MockBackendOptions, startMockBackend } from './mock/backend.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEMO_CONFIG = join(ROOT, 'config', 'demo.yaml');
const HOST = '127.0.0.1';
const SHARED_MODEL = 'qwen2.5:7b';
/** Every tour request gives up after this long, so a half-built Olla cannot stall the demo. */
const REQUEST_TIMEOUT_MS = 15_000;
const STARTUP_TIMEOUT_MS = 30_000;

const { values: flags } = parseArgs({ options: { once: { type: 'boolean' }, verbose: { type: 'boolean' } } });
const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text: string) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);

interface Demo {
  ollama: MockBackend;
  vllm: MockBackend;
  olla: ChildProcess;
  ollaUrl: string;
  tempConfig: string | undefined;
}

/** A mock on its preferred port, or on any free one when that is taken. */
async function startMockOn(preferredPort: number, options: MockBackendOptions): Promise<MockBackend> {
  try {
    return await startMockBackend({ ...options, port: preferredPort });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return startMockBackend({ ...options, port: 0 });
  }
}

/** The preferred port if it is free on 127.0.0.1, else one the system hands out. */
function freePort(preferred: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE' || preferred === 0) return reject(error);
      resolve(freePort(0));
    });
    probe.listen(preferred, HOST, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** config/demo.yaml as it is, or a temporary copy pointing at the ports actually in use. */
function demoConfig(ollaPort: number, endpointUrls: Record<string, string>): { path: string; temporary: boolean } {
  const document = parseDocument(readFileSync(DEMO_CONFIG, 'utf8'));
  let changed = document.getIn(['server', 'port']) !== ollaPort;
  document.setIn(['server', 'port'], ollaPort);
  const endpoints = document.getIn(['discovery', 'static', 'endpoints']) as { items: unknown[] };
  endpoints.items.forEach((_, index) => {
    const name = document.getIn(['discovery', 'static', 'endpoints', index, 'name']) as string;
    const url = endpointUrls[name];
    if (url && document.getIn(['discovery', 'static', 'endpoints', index, 'url']) !== url) {
      document.setIn(['discovery', 'static', 'endpoints', index, 'url'], url);
      changed = true;
    }
  });
  if (!changed) return { path: DEMO_CONFIG, temporary: false };
  const path = join(tmpdir(), `olla-demo-${process.pid}.yaml`);
  writeFileSync(path, document.toString());
  return { path, temporary: true };
}

/** Olla's recent output, shown when it fails to start or dies. */
const ollaOutput: string[] = [];

function startOlla(configPath: string): ChildProcess {
  // node --import tsx rather than npx, so Ctrl-C reaches Olla itself and not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--config', configPath], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      if (flags.verbose) console.log(dim(`olla| ${line}`));
      ollaOutput.push(line);
      if (ollaOutput.length > 40) ollaOutput.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function waitForHealth(olla: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (olla.exitCode !== null) throw new Error(`Olla exited with code ${olla.exitCode} while starting`);
    try {
      if ((await fetch(`${url}/internal/health`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // Not listening yet.
    }
    await pause(250);
  }
  throw new Error(`Olla did not answer ${url}/internal/health within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

/** Wait until Olla's model discovery has seen the shared model, so the tour does not race it. */
async function waitForModels(url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const listing = await fetch(`${url}/olla/models`, { signal: AbortSignal.timeout(1000) });
      if (listing.ok && (await listing.text()).includes(SHARED_MODEL)) return;
    } catch {
      // Discovery still running.
    }
    await pause(250);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function step(title: string, curl: string): void {
  console.log(`\n${bold(`▸ ${title}`)}\n  ${dim(`$ ${curl}`)}`);
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

function curlPost(url: string, body: unknown): string {
  return `curl -N ${url} -H 'content-type: application/json' -d '${JSON.stringify(body)}'`;
}

/** Feed each complete line of a streamed body to `onLine` as it arrives. */
async function forEachLine(response: Response, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  }
  if (pending !== '') onLine(pending);
}

function modelNames(listing: unknown): string[] {
  const record = listing as { data?: unknown; models?: unknown };
  const items = Array.isArray(record.data) ? record.data : Array.isArray(record.models) ? record.models : [];
  return items.map((item) => {
    const model = item as { id?: string; name?: string };
    return model.id ?? model.name ?? JSON.stringify(item);
  });
}

async function showModels(demo: Demo): Promise<void> {
  step('Olla merges the models of both backends', `curl ${demo.ollaUrl}/olla/models`);
  const listing = await fetch(`${demo.ollaUrl}/olla/models`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  console.log(`  ${listing.status}: ${modelNames(await listing.json()).join(', ')}`);
  console.log(`  ${SHARED_MODEL} is served by both backends; llama3.2:3b only by the Ollama one.`);
}

async function streamOllamaChat(demo: Demo): Promise<void> {
  const url = `${demo.ollaUrl}/olla/ollama/api/chat`;
  const body = { model: 'llama3.2:3b', messages: [{ role: 'user', content: 'Say hello' }] };
  step('Stream a chat from Ollama, token by token (NDJSON)', curlPost(url, body));
  const response = await post(url, body);
  process.stdout.write(`  ${response.status} via ${response.headers.get('x-olla-endpoint') ?? '?'}: `);
  await forEachLine(response, (line) => {
    const part = JSON.parse(line) as { message?: { content?: string }; done?: boolean; eval_count?: number };
    process.stdout.write(part.message?.content ?? '');
    if (part.done) process.stdout.write(dim(`  [done, ${part.eval_count} tokens]`));
  });
  process.stdout.write('\n');
}

/** Ask for the shared model a few times and say which backend answered each. */
async function spread(demo: Demo, times: number): Promise<void> {
  const url = `${demo.ollaUrl}/olla/proxy/v1/chat/completions`;
  for (let i = 0; i < times; i++) {
    const response = await post(url, {
      model: SHARED_MODEL,
      messages: [{ role: 'user', content: `Request ${i + 1}` }],
    });
    const answer = (await response.json()) as { choices?: Array<{ message?: { content?: string } }> };
    const text = answer.choices?.[0]?.message?.content ?? JSON.stringify(answer);
    // The mock's reply opens with "Hello from <backend> (<model>)"; that much tells the story.
    const opening = /^[^)]*\)/.exec(text)?.[0] ?? text.slice(0, 40);
    console.log(`  ${response.status} via ${response.headers.get('x-olla-endpoint') ?? '?'}: ${opening} …`);
  }
}

async function showBalancing(demo: Demo): Promise<void> {
  const body = { model: SHARED_MODEL, messages: [{ role: 'user', content: 'Request 1' }] };
  step(
    'OpenAI-compatible requests for the shared model are balanced',
    curlPost(`${demo.ollaUrl}/olla/proxy/v1/chat/completions`, body),
  );
  await spread(demo, 4);
}

async function showAnthropic(demo: Demo): Promise<void> {
  const url = `${demo.ollaUrl}/olla/anthropic/v1/messages`;
  const body = { model: SHARED_MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Say hello' }] };
  step('Claude-style clients speak the Anthropic Messages API', curlPost(url, body));
  const response = await post(url, body);
  const message = (await response.json()) as { content?: Array<{ text?: string }> };
  const mode = response.headers.get('x-olla-mode');
  console.log(`  ${response.status} via ${response.headers.get('x-olla-endpoint') ?? '?'}${mode ? ` (${mode})` : ''}:`);
  console.log(`  ${message.content?.[0]?.text ?? JSON.stringify(message)}`);
}

async function showFailover(demo: Demo): Promise<void> {
  step(`Failover: the Ollama backend goes away`, `(the demo stops ${demo.ollama.url})`);
  await demo.ollama.stop();
  await spread(demo, 3);

  console.log(`\n  ${dim('…and comes back; waiting for Olla’s health check to find it')}`);
  demo.ollama.clear();
  await demo.ollama.start();
  const deadline = Date.now() + REQUEST_TIMEOUT_MS;
  while (demo.ollama.requests.every((request) => request.path !== demo.ollama.healthPath) && Date.now() < deadline) {
    await pause(200);
  }
  // One more check interval, so Olla has taken the healthy answer into account.
  await pause(1200);
  await spread(demo, 4);
}

async function tour(demo: Demo): Promise<void> {
  step('Olla is up', `curl ${demo.ollaUrl}/internal/health`);
  const health = await fetch(`${demo.ollaUrl}/internal/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  console.log(`  ${health.status}: ${await health.text()}`);
  for (const show of [showModels, streamOllamaChat, showBalancing, showAnthropic, showFailover]) {
    try {
      await show(demo);
    } catch (error) {
      console.log(`  this step failed: ${(error as Error).message}`);
    }
  }
}

let shuttingDown = false;

async function shutdown(demo: Partial<Demo>, code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  const { olla } = demo;
  if (olla && olla.exitCode === null) {
    const exited = new Promise((resolve) => olla.once('exit', resolve));
    olla.kill('SIGTERM');
    const forced = setTimeout(() => olla.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(forced);
  }
  await Promise.all([demo.ollama?.close(), demo.vllm?.close()]);
  if (demo.tempConfig) rmSync(demo.tempConfig, { force: true });
  process.exit(code);
}

async function main(): Promise<void> {
  const demo: Partial<Demo> = {};
  const stop = () => void shutdown(demo, 0);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    demo.ollama = await startMockOn(41434, {
      name: 'demo-ollama',
      flavour: 'ollama',
      models: ['llama3.2:3b', SHARED_MODEL],
      tokens: 12,
      tokenDelayMs: 40,
    });
    demo.vllm = await startMockOn(41800, {
      name: 'demo-vllm',
      flavour: 'vllm',
      models: [SHARED_MODEL, 'mistral-small:24b'],
      tokens: 12,
      tokenDelayMs: 40,
    });
    const ollaPort = await freePort(40114);
    const config = demoConfig(ollaPort, { 'demo-ollama': demo.ollama.url, 'demo-vllm': demo.vllm.url });
    if (config.temporary) demo.tempConfig = config.path;
    demo.ollaUrl = `http://${HOST}:${ollaPort}`;

    console.log(bold('Olla demo'));
    console.log(`  mock Ollama backend  ${demo.ollama.url}  (llama3.2:3b, ${SHARED_MODEL})`);
    console.log(`  mock vLLM backend    ${demo.vllm.url}  (${SHARED_MODEL}, mistral-small:24b)`);
    console.log(`  starting Olla: npx tsx src/cli/main.ts --config ${config.path}`);
    demo.olla = startOlla(config.path);
    demo.olla.once('exit', (code) => {
      if (shuttingDown) return;
      console.log(`\nOlla exited (code ${code}). Its last words:\n${ollaOutput.join('\n')}`);
      void shutdown(demo, 1);
    });
    await waitForHealth(demo.olla, demo.ollaUrl);
    await waitForModels(demo.ollaUrl);
    console.log(`  Olla is listening on ${demo.ollaUrl}`);

    await tour(demo as Demo);
  } catch (error) {
    console.error(`\nThe demo could not run: ${(error as Error).message}`);
    if (ollaOutput.length > 0) console.error(`Olla said:\n${ollaOutput.join('\n')}`);
    return void shutdown(demo, 1);
  }
  if (flags.once) return void shutdown(demo, 0);
  console.log(
    `\n${bold('Olla is still running')} at ${demo.ollaUrl}: try the commands above. Ctrl-C stops everything.`,
  );
}

void main();

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';
import { toolCallThenText } from '../mock/tool-turn.js';

/**
 * The real Codex CLI (the pinned devDependency's bundled binary) through Olla's Responses
 * translator to a chat-only mock (llama.cpp). HOME and CODEX_HOME are throwaway directories, the
 * API key a dummy, and every run is killed at its deadline so a stuck CLI fails the test, never hangs it.
 */

const MODEL = 'mock-coder';
const DEADLINE_MS = 60_000;

/** The platform package's native binary, found through the package rather than a fixed path. */
function codexBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@openai/codex-linux-x64/package.json');
  const bin = join(dirname(pkg), 'vendor', 'x86_64-unknown-linux-musl', 'bin', 'codex');
  if (!existsSync(bin)) throw new Error(`codex binary not found at ${bin}`);
  return bin;
}

interface CodexRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCodex(baseUrl: string, prompt: string, cwd: string): Promise<CodexRun> {
  const home = mkdtempSync(join(tmpdir(), 'olla-codex-home-'));
  const provider = `{name="olla",base_url="${baseUrl}",wire_api="responses",env_key="OLLA_DUMMY_KEY",request_max_retries=0,stream_max_retries=0}`;
  const args = [
    'exec',
    '--skip-git-repo-check',
    '-c',
    `model_providers.olla=${provider}`,
    '-c',
    'model_provider=olla',
    '-c',
    'check_for_update_on_startup=false',
    '-c',
    'analytics.enabled=false',
    '-m',
    MODEL,
    prompt,
  ];
  return new Promise((resolve) => {
    const child = spawn(codexBinary(), args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: home, CODEX_HOME: home, OLLA_DUMMY_KEY: 'dummy', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

let mock: MockBackend | undefined;
let olla: RunningOlla | undefined;
let work: string | undefined;

afterEach(async () => {
  await olla?.close();
  await mock?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  olla = undefined;
  mock = undefined;
  work = undefined;
});

async function start(): Promise<string> {
  mock = await startMockBackend({ name: 'cpp', flavour: 'llamacpp', models: [MODEL], recordBodies: true });
  olla = await startOlla([{ name: 'cpp', url: mock.url, type: 'llamacpp' }]);
  await waitForHealthy(olla, ['cpp'], { models: [MODEL] });
  work = mkdtempSync(join(tmpdir(), 'olla-codex-work-'));
  return `${olla.url}/olla/proxy/v1`;
}

const chatBodies = () =>
  mock!.requests
    .filter((r) => r.path === '/v1/chat/completions')
    .map(
      (r) =>
        JSON.parse(r.body!) as {
          messages: { role: string; content: unknown; tool_call_id?: string }[];
          tools?: { function: { name: string } }[];
        },
    );

describe('Codex CLI through the Responses translator', () => {
  it('gets a plain answer from a chat-only backend', { timeout: DEADLINE_MS + 10_000 }, async () => {
    const base = await start();
    mock!.setScript((req) =>
      req.path === '/v1/chat/completions'
        ? {
            kind: 'sse',
            frames: [
              { data: { choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello from Olla' } }] } },
              { data: { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] } },
            ],
          }
        : undefined,
    );
    const run = await runCodex(base, 'say hello', work!);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Hello from Olla');
    expect(chatBodies().length).toBeGreaterThanOrEqual(1);
  });

  it('runs one of its own tools when the model calls it and sends the output back', {
    timeout: DEADLINE_MS + 10_000,
  }, async () => {
    const base = await start();
    writeFileSync(join(work!, 'marker.txt'), 'olla-marker-42\n');
    mock!.setScript(
      toolCallThenText({
        name: 'exec_command',
        arguments: { cmd: 'cat marker.txt' },
        callId: 'call_codex_1',
        answer: 'The file says olla-marker-42',
      }),
    );
    const run = await runCodex(base, 'what is in marker.txt?', work!);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('The file says olla-marker-42');
    const bodies = chatBodies();
    expect(bodies[0]!.tools?.map((t) => t.function.name)).toContain('exec_command');
    const second = bodies.at(-1)!;
    const output = second.messages.find((m) => m.role === 'tool');
    expect(output?.tool_call_id).toBe('call_codex_1');
    expect(String(output?.content)).toContain('olla-marker-42');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeCodeVersion, runClaudeCode } from '../helpers/claude-code.js';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type RecordingProxy, startRecordingProxy } from '../helpers/recording-proxy.js';
import {
  agentToolScript,
  type MockBackend,
  type MockBackendOptions,
  mockReplyText,
  startMockBackend,
} from '../mock/backend.js';

/**
 * The real Claude Code CLI (the pinned devDependency, print mode) against Olla and the mock
 * backend, all on 127.0.0.1: a plain answer through translation, a turn where the model calls one
 * of Claude Code's tools and the CLI sends the result back, and passthrough to a backend that
 * speaks Anthropic natively, which must receive exactly the bytes the CLI sent.
 */

const MODEL = 'qwen3-coder:30b';
const BACKEND = 'local';
const CLI_TIMEOUT_MS = 60_000;

let mock: MockBackend | undefined;
let olla: RunningOlla | undefined;
let recorder: RecordingProxy | undefined;
let workdir: string | undefined;

afterEach(async () => {
  await recorder?.close();
  await olla?.close();
  await mock?.close();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
  recorder = olla = mock = workdir = undefined;
});

async function startStack(type: string, options: MockBackendOptions, passthrough: boolean): Promise<string> {
  mock = await startMockBackend({ name: BACKEND, models: [MODEL], recordBodies: true, ...options });
  olla = await startOlla([{ name: BACKEND, url: mock.url, type }], {
    translators: { anthropic: { passthrough_enabled: passthrough } },
  });
  await waitForHealthy(olla, [BACKEND], { models: [MODEL] });
  return `${olla.url}/olla/anthropic`;
}

type Json = Record<string, unknown>;

function bodiesAt(path: string): Json[] {
  return (mock?.requests ?? []).filter((r) => r.path === path).map((r) => JSON.parse(r.body ?? '{}') as Json);
}

/** What a failed run printed, so a red test says why. */
function describeRun(run: Awaited<ReturnType<typeof runClaudeCode>>): string {
  return `claude ${claudeCodeVersion()} exited ${run.code ?? run.signal} (timed out: ${run.timedOut})\n${run.stdout}\n${run.stderr}`;
}

describe(`Claude Code ${claudeCodeVersion()} through Olla`, () => {
  it('gets a plain answer through translation to chat completions', async () => {
    const baseUrl = await startStack('openai-compatible', { flavour: 'openai' }, false);
    const run = await runClaudeCode({ baseUrl, prompt: 'Say hello', model: MODEL, timeoutMs: CLI_TIMEOUT_MS });

    expect(run.result, describeRun(run)).toMatchObject({ is_error: false, result: mockReplyText(BACKEND, MODEL, 10) });
    const [chat] = bodiesAt('/v1/chat/completions');
    expect(chat).toBeDefined();
    const messages = chat!.messages as Array<{ role: string; content: unknown }>;
    // One system prompt, first; the CLI's mid-conversation system message folded into a user turn.
    expect(messages.filter((m) => m.role === 'system')).toHaveLength(1);
    expect(messages[0]!.role).toBe('system');
    expect(JSON.stringify(messages)).not.toContain('x-anthropic-billing-header');
    expect(chat).toMatchObject({ model: MODEL, stream: true });
    // Claude Code's server tools and deferred tools are not offered as functions.
    const names = (chat!.tools as Array<{ function: { name: string } }>).map((t) => t.function.name);
    expect(names).toContain('Read');
    expect(names).not.toContain('DeferredToolPlaceholder');
  });

  it('runs a tool the model calls and sends the tool_result back', async () => {
    workdir = mkdtempSync(join(tmpdir(), 'olla-claude-work-'));
    const file = join(workdir, 'notes.txt');
    writeFileSync(file, 'the secret word is kookaburra\n');
    const baseUrl = await startStack(
      'vllm',
      {
        flavour: 'vllm',
        script: agentToolScript({
          tool: { name: 'Read', input: { file_path: file } },
          finalText: 'The notes say kookaburra.',
          reasoning: { text: 'I should read the file first.', field: 'reasoning' },
        }),
      },
      false,
    );
    const run = await runClaudeCode({
      baseUrl,
      prompt: 'What does notes.txt say?',
      model: MODEL,
      cwd: workdir,
      args: ['--allowedTools', 'Read'],
      timeoutMs: CLI_TIMEOUT_MS,
    });

    expect(run.result, describeRun(run)).toMatchObject({ is_error: false, result: 'The notes say kookaburra.' });
    const chats = bodiesAt('/v1/chat/completions');
    expect(chats).toHaveLength(2);
    const second = chats[1]!.messages as Array<Json>;
    const call = second.find((m) => m.role === 'assistant' && Array.isArray(m.tool_calls));
    expect(call).toMatchObject({
      tool_calls: [{ id: 'call_mock_1', function: { name: 'Read' } }],
    });
    const result = second.find((m) => m.role === 'tool');
    expect(result).toMatchObject({ tool_call_id: 'call_mock_1' });
    expect(result!.content).toContain('kookaburra');
    // The tool result follows its call directly: nothing folded in between.
    expect(second.indexOf(result!)).toBe(second.indexOf(call!) + 1);
    // The CLI took the reasoning as a thinking block and sent it back: vLLM reads it as `reasoning`.
    expect(call!.reasoning).toBe('I should read the file first.');
    // Claude Code's `output_config.effort` becomes vLLM's reasoning_effort.
    expect(chats.map((c) => c.reasoning_effort)).toEqual(['high', 'high']);
  });

  it('passes the CLI request through byte for byte to a backend that speaks Anthropic', async () => {
    const ollaBase = await startStack('vllm', { flavour: 'vllm' }, true);
    recorder = await startRecordingProxy(olla!.url);
    const run = await runClaudeCode({
      baseUrl: `${recorder.url}/olla/anthropic`,
      prompt: 'Say hello',
      model: MODEL,
      timeoutMs: CLI_TIMEOUT_MS,
    });

    expect(ollaBase).toContain('/olla/anthropic');
    expect(run.result, describeRun(run)).toMatchObject({ is_error: false, result: mockReplyText(BACKEND, MODEL, 10) });
    const sent = recorder.requests.filter(
      (r) => r.method === 'POST' && r.url.startsWith('/olla/anthropic/v1/messages'),
    );
    const received = mock!.requests.filter((r) => r.path === '/v1/messages');
    expect(sent.length).toBeGreaterThan(0);
    expect(received).toHaveLength(sent.length);
    for (const [i, original] of sent.entries()) {
      const arrived = received[i]!;
      expect(Buffer.from(arrived.body ?? '').equals(original.body)).toBe(true);
      expect(`/v1/messages${arrived.query === '' ? '' : `?${arrived.query}`}`).toBe(
        original.url.slice('/olla/anthropic'.length),
      );
      // Every anthropic-* header goes along (the client's own key does not: backends have their own).
      const anthropicHeaders = Object.keys(original.headers).filter((h) => h.startsWith('anthropic-'));
      expect(anthropicHeaders).toEqual(expect.arrayContaining(['anthropic-version', 'anthropic-beta']));
      for (const header of anthropicHeaders) {
        expect(arrived.headers[header], header).toBe(original.headers[header]);
      }
    }
    expect(mock!.requests.some((r) => r.path === '/v1/chat/completions')).toBe(false);
  });
}, 120_000);

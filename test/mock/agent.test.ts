import { afterEach, describe, expect, it } from 'vitest';
import { agentToolScript, hasToolResult, type MockBackend, startMockBackend } from './backend.js';

let mock: MockBackend | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const script = agentToolScript({
  tool: { name: 'Read', input: { file_path: '/tmp/x' } },
  finalText: 'done',
  reasoning: { text: 'hmm', field: 'reasoning_content' },
});

async function post(path: string, body: object): Promise<string> {
  const res = await fetch(`${mock!.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.text();
}

describe('agentToolScript', () => {
  it('tells a conversation with a tool result from one without, in both dialects', () => {
    expect(hasToolResult({ messages: [{ role: 'user', content: 'hi' }] })).toBe(false);
    expect(hasToolResult({ messages: [{ role: 'tool', tool_call_id: 'c', content: 'r' }] })).toBe(true);
    expect(hasToolResult({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't' }] }] })).toBe(
      true,
    );
    expect(hasToolResult(null)).toBe(false);
  });

  it('streams reasoning and a tool call first, then the answer once the result is in (chat completions)', async () => {
    mock = await startMockBackend({ flavour: 'vllm', script });
    const first = await post('/v1/chat/completions', {
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'q' }],
    });
    expect(first).toContain('"reasoning_content":"hmm"');
    expect(first).toContain('"tool_calls":[{"index":0,"id":"call_mock_1"');
    expect(first).toContain('"finish_reason":"tool_calls"');
    expect(first.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const second = JSON.parse(
      await post('/v1/chat/completions', {
        model: 'm',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'tool', tool_call_id: 'call_mock_1', content: 'r' },
        ],
      }),
    ) as { choices: Array<{ message: Record<string, unknown>; finish_reason: string }> };
    expect(second.choices[0]).toMatchObject({
      message: { content: 'done', reasoning_content: 'hmm' },
      finish_reason: 'stop',
    });
  });

  it('answers the Messages API with a tool_use block, then text', async () => {
    mock = await startMockBackend({ flavour: 'anthropic', script });
    const first = await post('/v1/messages', { model: 'm', stream: true, messages: [{ role: 'user', content: 'q' }] });
    expect(first).toContain('event: content_block_start');
    expect(first).toContain('"type":"tool_use","id":"toolu_mock_1","name":"Read","input":{}');
    expect(first).toContain('"stop_reason":"tool_use"');
    const second = JSON.parse(
      await post('/v1/messages', {
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_mock_1', content: 'r' }] }],
      }),
    ) as Record<string, unknown>;
    expect(second).toMatchObject({ content: [{ type: 'text', text: 'done' }], stop_reason: 'end_turn' });
  });
});

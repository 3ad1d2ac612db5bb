import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chatDialectOf } from '../../../core/domain/chat-dialect.js';
import { anthropicToOpenAI } from './request.js';
import { BILLING_HEADER_PREFIX } from './system-messages.js';
import { countTokens } from './token-count.js';
import { checkEnvelope, validateAnthropicRequest } from './validate.js';

/**
 * What Claude Code 2.1 really sends (recorded by test/fixtures/claude-code/record.ts against the
 * mock backend), replayed through the translator for each kind of backend.
 */

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/claude-code');

interface Fixture {
  cli: string;
  requests: Array<{ path: string; query: string; headers: Record<string, string>; body: unknown }>;
}

const recorded = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .flatMap((name) => {
    const fixture = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Fixture;
    return fixture.requests.map((request, i) => ({ label: `${name} #${i} (CLI ${fixture.cli})`, ...request }));
  });

describe('Claude Code request fixtures', () => {
  it('were recorded (at least a plain turn and a tool turn)', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(3);
    expect(recorded.every((r) => r.query === 'beta=true')).toBe(true);
  });

  it.each(recorded)('$label passes the passthrough check and translates for every backend type', (request) => {
    expect(checkEnvelope(structuredClone(request.body)).model).toBe('mock-model');
    for (const type of ['vllm', 'ollama', 'llamacpp', 'openai-compatible']) {
      const validated = validateAnthropicRequest(structuredClone(request.body));
      const out = anthropicToOpenAI(validated, { dialect: chatDialectOf(type) });
      expect(out.messages[0]!.role).toBe('system');
      expect(out.messages.slice(1).every((m) => m.role !== 'system')).toBe(true);
      expect(JSON.stringify(out)).not.toContain(BILLING_HEADER_PREFIX);
      expect(out.stream).toBe(true);
      expect(out.tools!.length).toBeGreaterThan(5);
    }
    expect(countTokens(JSON.stringify(request.body)).input_tokens).toBeGreaterThan(1000);
  });

  it('keep a tool result straight after its call', () => {
    const turn = recorded.find((r) => JSON.stringify(r.body).includes('"tool_result"'));
    expect(turn).toBeDefined();
    const out = anthropicToOpenAI(validateAnthropicRequest(structuredClone(turn!.body)));
    const call = out.messages.findIndex((m) => m.role === 'assistant' && m.tool_calls !== undefined);
    expect(out.messages[call + 1]).toMatchObject({ role: 'tool', tool_call_id: 'toolu_mock_1' });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrangeSystemMessages, systemText } from './system-messages.js';
import type { AnthropicContentBlock, AnthropicMessageParam } from './types.js';

const user = (content: AnthropicMessageParam['content']): AnthropicMessageParam => ({ role: 'user', content });
const assistant = (content: AnthropicMessageParam['content']): AnthropicMessageParam => ({
  role: 'assistant',
  content,
});
const system = (content: AnthropicMessageParam['content']): AnthropicMessageParam => ({ role: 'system', content });

describe('systemText', () => {
  it('joins text blocks with newlines and drops the per-session billing line', () => {
    const blocks: AnthropicContentBlock[] = [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.328.b7f; cc_entrypoint=sdk-cli;' },
      { type: 'text', text: 'You are a Claude agent.' },
      { type: 'text', text: 'Be careful.' },
    ];
    expect(systemText(blocks)).toBe('You are a Claude agent.\nBe careful.');
    expect(systemText('plain')).toBe('plain');
    expect(systemText(undefined)).toBe('');
  });
});

describe('arrangeSystemMessages', () => {
  it('joins leading system messages to the system prompt', () => {
    const out = arrangeSystemMessages('top', [system('lead'), user('hi')]);
    expect(out).toEqual({ system: 'top\nlead', messages: [user('hi')] });
  });

  it('appends a system message to the user turn just before it, as Claude Code sends it', () => {
    const out = arrangeSystemMessages(undefined, [
      user([{ type: 'text', text: 'hi' }]),
      system([{ type: 'text', text: '# Environment' }]),
      assistant('ok'),
    ]);
    expect(out.system).toBe('');
    expect(out.messages).toEqual([
      user([
        { type: 'text', text: 'hi' },
        { type: 'text', text: '\n\n# Environment' },
      ]),
      assistant('ok'),
    ]);
  });

  it('puts it at the start of the next user turn when it follows an assistant turn, after the tool result', () => {
    const toolUse = assistant([{ type: 'tool_use', id: 't1', name: 'Read', input: {} }]);
    const result = user([{ type: 'tool_result', tool_use_id: 't1', content: 'data' }]);
    const out = arrangeSystemMessages(undefined, [user('go'), toolUse, system('reminder'), result]);
    expect(out.messages[1]).toBe(toolUse);
    expect(out.messages[2]).toEqual(
      user([
        { type: 'text', text: 'reminder\n\n' },
        { type: 'tool_result', tool_use_id: 't1', content: 'data' },
      ]),
    );
  });

  it('keeps it as a user turn of its own when no user turn neighbours it', () => {
    expect(arrangeSystemMessages(undefined, [user('a'), assistant('b'), system('c')]).messages).toEqual([
      user('a'),
      assistant('b'),
      user('c'),
    ]);
    expect(arrangeSystemMessages(undefined, [user('a'), assistant('b'), system('c'), assistant('d')]).messages).toEqual(
      [user('a'), assistant('b'), user('c'), assistant('d')],
    );
  });

  const role = fc.constantFrom<AnthropicMessageParam['role']>('user', 'assistant', 'system');
  const conversation = fc.array(fc.record({ role, content: fc.stringMatching(/^[a-z]{1,8}$/) }), { maxLength: 12 });

  it('never leaves a system turn, never loses system text, and keeps user and assistant turns in order', () => {
    fc.assert(
      fc.property(conversation, (messages) => {
        const out = arrangeSystemMessages(undefined, messages);
        expect(out.messages.every((m) => m.role !== 'system')).toBe(true);
        const rendered = `${out.system}\n${JSON.stringify(out.messages)}`;
        for (const m of messages) expect(rendered).toContain(m.content as string);
        const assistants = (list: readonly AnthropicMessageParam[]) => list.filter((m) => m.role === 'assistant');
        expect(assistants(out.messages)).toEqual(assistants(messages));
      }),
    );
  });
});

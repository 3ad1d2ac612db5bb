import type { AnthropicContentBlock, AnthropicMessageParam, AnthropicRequest } from './types.js';

/**
 * Claude Code puts a billing line at the top of the system prompt that changes every session
 * (`x-anthropic-billing-header: cc_version=…; cch=…`). It means nothing to a local model, and
 * leaving it in would change the prompt's first bytes each session, defeating the backend's prefix
 * cache and Olla's sticky prefix hashing.
 */
export const BILLING_HEADER_PREFIX = 'x-anthropic-billing-header:';

/** The text of a system prompt or system message: text blocks joined by newlines, billing line left out. */
export function systemText(content: string | AnthropicContentBlock[] | undefined): string {
  if (content === undefined) return '';
  const texts: string[] = [];
  for (const block of typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content) {
    if (block.type !== 'text' || block.text === '' || block.text.startsWith(BILLING_HEADER_PREFIX)) continue;
    texts.push(block.text);
  }
  return texts.join('\n');
}

export interface ArrangedMessages {
  /** The top-level system prompt with any leading system messages joined to it. */
  system: string;
  /** Only user and assistant turns. */
  messages: AnthropicMessageParam[];
}

function withText(message: AnthropicMessageParam, text: string, at: 'start' | 'end'): AnthropicMessageParam {
  const blocks: AnthropicContentBlock[] =
    typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : [...message.content];
  // Separated from its neighbour: user text blocks are joined without a gap.
  if (at === 'start') blocks.unshift({ type: 'text', text: `${text}\n\n` });
  else blocks.push({ type: 'text', text: `\n\n${text}` });
  return { role: message.role, content: blocks };
}

/**
 * Where system-role messages go. Leading ones join the system prompt. Later ones (Claude Code
 * sends one right after the first user turn) are folded into the neighbouring user turn, since
 * many chat templates (Qwen3 among them) refuse a system message after the first: appended to the
 * user turn just before, else put at the start of the user turn just after (where, after
 * translation, it follows that turn's tool results, so it never splits a tool call from its
 * result), else kept as a user turn of its own. Message-level options (`output_config`) are ignored.
 */
export function arrangeSystemMessages(
  system: AnthropicRequest['system'],
  messages: readonly AnthropicMessageParam[],
): ArrangedMessages {
  const leading = [systemText(system)];
  let i = 0;
  for (; i < messages.length && messages[i]!.role === 'system'; i++) leading.push(systemText(messages[i]!.content));
  const out: AnthropicMessageParam[] = [];
  let pending = '';
  for (; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.role !== 'system') {
      if (pending !== '' && message.role === 'user') out.push(withText(message, pending, 'start'));
      else {
        if (pending !== '') out.push({ role: 'user', content: pending });
        out.push(message);
      }
      pending = '';
      continue;
    }
    const text = systemText(message.content);
    if (text === '') continue;
    const previous = out.at(-1);
    if (pending === '' && previous?.role === 'user') out[out.length - 1] = withText(previous, text, 'end');
    else pending = pending === '' ? text : `${pending}\n${text}`;
  }
  if (pending !== '') out.push({ role: 'user', content: pending });
  return { system: leading.filter((t) => t !== '').join('\n'), messages: out };
}

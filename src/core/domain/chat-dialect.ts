import { ProviderType } from '../constants.js';

/**
 * What each endpoint type's chat-completions API takes beyond OpenAI's common core: the knobs a
 * translator may send, and the field it uses for a model's reasoning. One table, so "does llama.cpp
 * take top_k?" or "where does Ollama want the reasoning?" has one answer.
 */
export interface ChatDialect {
  /** Honours `top_k` (OpenAI itself refuses unknown fields). */
  topK: boolean;
  /** The assistant message field reasoning travels in, both ways; undefined where none is known. */
  reasoningField?: 'reasoning' | 'reasoning_content';
  /** The `reasoning_effort` values it takes, strongest last; undefined where it takes none. */
  reasoningEffort?: readonly ReasoningEffort[];
  /**
   * Fields that switch reasoning off. Chat templates such as Qwen3's read `enable_thinking`; a
   * template without it ignores the kwarg, so it is safe to send to these servers.
   */
  reasoningOff?: Readonly<Record<string, unknown>>;
}

export type ReasoningEffort = 'none' | 'low' | 'medium' | 'high';

const EFFORT: readonly ReasoningEffort[] = ['low', 'medium', 'high'];
const TEMPLATE_THINKING_OFF = Object.freeze({ chat_template_kwargs: Object.freeze({ enable_thinking: false }) });

const DIALECTS: Readonly<Record<string, ChatDialect>> = {
  [ProviderType.vllm]: {
    topK: true,
    reasoningField: 'reasoning',
    reasoningEffort: EFFORT,
    reasoningOff: TEMPLATE_THINKING_OFF,
  },
  [ProviderType.sglang]: { topK: true, reasoningField: 'reasoning_content', reasoningOff: TEMPLATE_THINKING_OFF },
  [ProviderType.llamaCpp]: { topK: true, reasoningField: 'reasoning_content', reasoningOff: TEMPLATE_THINKING_OFF },
  // Both stream reasoning back, but which field they read it from in history is not settled.
  [ProviderType.lmDeploy]: { topK: true },
  [ProviderType.lmStudio]: { topK: true },
  // Ollama's OpenAI API maps reasoning_effort onto `think`, and only knows these four values.
  [ProviderType.ollama]: {
    topK: false,
    reasoningField: 'reasoning',
    reasoningEffort: ['none', 'low', 'medium', 'high'],
    reasoningOff: Object.freeze({ reasoning_effort: 'none' }),
  },
};

const PLAIN: ChatDialect = { topK: false };

export function chatDialectOf(endpointType: string): ChatDialect {
  return DIALECTS[endpointType] ?? PLAIN;
}

/**
 * What can be sent whichever of these endpoint types the balancer picks: a knob only when every
 * one takes it, a field only when they all agree on it. No types at all means nothing extra.
 */
export function commonChatDialect(endpointTypes: Iterable<string>): ChatDialect {
  const dialects = [...new Set(endpointTypes)].map(chatDialectOf);
  const [first, ...rest] = dialects;
  if (!first) return PLAIN;
  const same = <K extends keyof ChatDialect>(key: K) => rest.every((d) => d[key] === first[key]);
  const effort = first.reasoningEffort?.filter((level) => rest.every((d) => d.reasoningEffort?.includes(level)));
  const out: ChatDialect = { topK: dialects.every((d) => d.topK) };
  if (same('reasoningField') && first.reasoningField) out.reasoningField = first.reasoningField;
  if (effort && effort.length > 0) out.reasoningEffort = effort;
  if (same('reasoningOff') && first.reasoningOff) out.reasoningOff = first.reasoningOff;
  return out;
}

import type { ChatDialect, ReasoningEffort } from '../../../core/domain/chat-dialect.js';
import type { AnthropicRequest, OpenAIChatRequest } from './types.js';

/**
 * Anthropic's reasoning controls (`thinking`, `output_config.effort`) as the fields a backend's
 * chat API takes (`reasoning_effort`, or a chat-template switch), from the backend types'
 * `ChatDialect`. A backend type that takes none of them gets none: its own default applies.
 */

type Level = Exclude<ReasoningEffort, 'none'>;
const ORDER: readonly Level[] = ['low', 'medium', 'high'];

/** Anthropic's effort names, strongest ones (`max`, `xhigh`) clamped to `high`. */
const EFFORT_LEVEL: Readonly<Record<string, Level>> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
  max: 'high',
};

/** A thinking budget as a level: the bands are rough, as budgets and efforts do not map exactly. */
function budgetLevel(budget: number): Level {
  if (budget < 4096) return 'low';
  if (budget < 16384) return 'medium';
  return 'high';
}

function requestedLevel(req: AnthropicRequest): Level | undefined {
  const effort = req.output_config?.effort;
  if (typeof effort === 'string' && EFFORT_LEVEL[effort]) return EFFORT_LEVEL[effort];
  const thinking = req.thinking;
  if (thinking?.type === 'enabled' && typeof thinking.budget_tokens === 'number') {
    return budgetLevel(thinking.budget_tokens);
  }
  return undefined;
}

/** The strongest level the backend takes that does not exceed the request's, else its weakest. */
export function clampEffort(level: Level, accepted: readonly ReasoningEffort[]): Level | undefined {
  const levels = ORDER.filter((l) => accepted.includes(l));
  const wanted = ORDER.indexOf(level);
  let best: Level | undefined;
  for (const l of levels) if (ORDER.indexOf(l) <= wanted) best = l;
  return best ?? levels[0];
}

export function reasoningFields(
  req: AnthropicRequest,
  dialect: ChatDialect,
): Pick<OpenAIChatRequest, 'reasoning_effort' | 'chat_template_kwargs'> {
  if (req.thinking?.type === 'disabled') return { ...dialect.reasoningOff };
  const level = requestedLevel(req);
  if (level === undefined || dialect.reasoningEffort === undefined) return {};
  const effort = clampEffort(level, dialect.reasoningEffort);
  return effort === undefined ? {} : { reasoning_effort: effort };
}

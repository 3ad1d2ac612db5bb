import type { AnthropicTranslatorConfig } from '../../../config/types.js';
import type { Endpoint } from '../../../core/domain/endpoint.js';
import type { AnthropicSupport } from '../../../core/domain/profile.js';
import type { FallbackReason } from '../mode.js';
import type { AnthropicEnvelope } from './validate.js';

/**
 * Passthrough or translation, decided as the original decides it. Passthrough forwards the
 * Anthropic body untouched to backends that speak the Messages API natively (profile
 * `api.anthropic_support.enabled`); it needs `passthrough_enabled` and at least one capable
 * candidate. Capable candidates are the subset used: a mixed fleet does not block it. A backend
 * whose profile lists a limitation the request hits (`no_tool_use` with tools, and so on) is left
 * out. Translation is the fallback, with the reason counted in the translator stats.
 */

/** Where a native backend takes Messages requests unless its profile says otherwise. */
export const DEFAULT_MESSAGES_PATH = '/v1/messages';

/** Profile limitations that rule a backend out for requests using the feature. */
export const Limitation = {
  noToolUse: 'no_tool_use',
  noExtendedThinking: 'no_extended_thinking',
  noVision: 'no_vision',
} as const;

export interface RequestFeatures {
  toolUse: boolean;
  extendedThinking: boolean;
  vision: boolean;
}

export type PassthroughDecision =
  | {
      mode: 'passthrough';
      /** The candidates to hand the balancer: capable ones sharing `targetPath`. */
      endpoints: Endpoint[];
      /** The backend path for the Messages API (from the profiles). */
      targetPath: string;
    }
  | { mode: 'translation'; fallbackReason: Exclude<FallbackReason, ''> };

function hasImage(message: unknown): boolean {
  const content = (message as { content?: unknown } | null)?.content;
  return Array.isArray(content) && content.some((block) => (block as { type?: unknown } | null)?.type === 'image');
}

/**
 * Which profile-limited features a request uses (tools, a `thinking` setting, image blocks). Runs
 * before full validation (passthrough does not validate), so any shape is tolerated.
 */
export function detectRequestFeatures(req: AnthropicEnvelope): RequestFeatures {
  return {
    toolUse: Array.isArray(req.tools) && req.tools.length > 0,
    extendedThinking: req.thinking !== undefined && req.thinking !== null,
    vision: req.messages.some(hasImage),
  };
}

function excludedBy(support: AnthropicSupport, features: RequestFeatures): boolean {
  const limits = support.limitations;
  if (limits.length === 0) return false;
  return (
    (features.toolUse && limits.includes(Limitation.noToolUse)) ||
    (features.extendedThinking && limits.includes(Limitation.noExtendedThinking)) ||
    (features.vision && limits.includes(Limitation.noVision))
  );
}

/**
 * The proxy picks the endpoint after the path is fixed, so every endpoint handed over must share
 * one path. When capable backends disagree (Docker Model Runner's `/anthropic/v1/messages` beside
 * vLLM's `/v1/messages`) the largest group wins; a tie goes to the default path, then to the group
 * whose first endpoint comes first in the candidate order.
 */
export function resolveTargetPath(capable: readonly { endpoint: Endpoint; path: string }[]): {
  targetPath: string;
  endpoints: Endpoint[];
} {
  const groups = new Map<string, Endpoint[]>();
  for (const { endpoint, path } of capable) {
    const group = groups.get(path);
    if (group) group.push(endpoint);
    else groups.set(path, [endpoint]);
  }
  let bestPath = '';
  let best: Endpoint[] = [];
  // Map iteration follows first insertion, i.e. first-seen order, which settles the last tie-break.
  for (const [path, group] of groups) {
    if (
      group.length > best.length ||
      (group.length === best.length && path === DEFAULT_MESSAGES_PATH && bestPath !== DEFAULT_MESSAGES_PATH)
    ) {
      bestPath = path;
      best = group;
    }
  }
  return { targetPath: bestPath, endpoints: best };
}

export function decidePassthrough(
  config: Pick<AnthropicTranslatorConfig, 'passthroughEnabled'>,
  candidates: readonly Endpoint[],
  supportFor: (endpointType: string) => AnthropicSupport | undefined,
  features: RequestFeatures,
): PassthroughDecision {
  if (candidates.length === 0) return { mode: 'translation', fallbackReason: 'no_compatible_endpoints' };
  if (!config.passthroughEnabled) return { mode: 'translation', fallbackReason: 'cannot_passthrough' };
  const capable: { endpoint: Endpoint; path: string }[] = [];
  for (const endpoint of candidates) {
    const support = supportFor(endpoint.type);
    if (!support?.enabled || excludedBy(support, features)) continue;
    capable.push({ endpoint, path: support.messagesPath || DEFAULT_MESSAGES_PATH });
  }
  if (capable.length === 0) return { mode: 'translation', fallbackReason: 'cannot_passthrough' };
  return { mode: 'passthrough', ...resolveTargetPath(capable) };
}

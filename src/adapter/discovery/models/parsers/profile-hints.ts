import type { ModelInfo } from '../../../../core/domain/model.js';
import type { PlatformProfile } from '../../../../core/domain/profile.js';
import { matchesGlob } from '../../../filter/glob.js';

/**
 * Our addition: the original loads each profile's `capability_patterns` and `context_patterns`
 * but never applies them to discovered models. Here they annotate each model once at discovery
 * time, so capability routing and listings see them: matching capability names are appended,
 * and the first matching context pattern fills `details.contextLength` (never overriding a
 * context length the backend reported itself).
 */
export function annotateFromProfile(
  models: readonly ModelInfo[],
  patterns: PlatformProfile['models'] | undefined,
): ModelInfo[] {
  if (!patterns) return [...models];
  const capabilityEntries = Object.entries(patterns.capabilityPatterns ?? {});
  const contextPatterns = patterns.contextPatterns ?? [];
  if (capabilityEntries.length === 0 && contextPatterns.length === 0) return [...models];
  return models.map((model) => {
    const matched = capabilityEntries
      .filter(([, globs]) => globs.some((g) => matchesGlob(model.name, g)))
      .map(([capability]) => capability);
    const context = contextPatterns.find((p) => matchesGlob(model.name, p.pattern))?.context;
    const hasOwnContext = model.details?.maxContextLength !== undefined || model.details?.contextLength !== undefined;
    if (matched.length === 0 && (context === undefined || hasOwnContext)) return model;
    const annotated: ModelInfo = { ...model };
    if (matched.length > 0) annotated.capabilities = [...new Set([...(model.capabilities ?? []), ...matched])];
    if (context !== undefined && !hasOwnContext) annotated.details = { ...model.details, contextLength: context };
    return annotated;
  });
}

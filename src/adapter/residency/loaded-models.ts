import type { ModelInfo } from '../../core/domain/model.js';

/**
 * The names in Ollama's `GET /api/ps` answer (`{"models":[{"name":…,"model":…}]}`): the models
 * it holds in memory. Anything unreadable yields undefined, which leaves residency unknown.
 */
export function parseOllamaRunning(json: unknown): string[] | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const models = (json as { models?: unknown }).models;
  if (!Array.isArray(models)) return undefined;
  const out: string[] = [];
  for (const entry of models) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { name, model } = entry as { name?: unknown; model?: unknown };
    const id = typeof name === 'string' && name !== '' ? name : model;
    if (typeof id === 'string' && id !== '') out.push(id);
  }
  return out;
}

/**
 * LM Studio's listing marks each model `state: loaded` or `not-loaded`; undefined when no model
 * carries a state (another backend type), so residency stays unknown rather than empty.
 */
export function loadedFromListing(models: readonly ModelInfo[]): string[] | undefined {
  let any = false;
  const out: string[] = [];
  for (const model of models) {
    const state = model.details?.state;
    if (state === undefined) continue;
    any = true;
    if (state === 'loaded') out.push(model.name);
  }
  return any ? out : undefined;
}

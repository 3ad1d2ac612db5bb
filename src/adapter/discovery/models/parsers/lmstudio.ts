import type { ModelDetails, ModelInfo } from '../../../../core/domain/model.js';
import { asObject, asString, listAt, nonEmptyString, positiveInt } from './fields.js';

/**
 * LM Studio `GET /api/v0/models`. The same `data[]` list also reads LM Studio's plain OpenAI
 * `/v1/models` (the extra fields are simply absent), which is the fallback when v0 is not there.
 */
export function parseLmStudioModels(json: unknown, now = Date.now()): ModelInfo[] {
  const out: ModelInfo[] = [];
  for (const raw of listAt(json, 'data') ?? []) {
    const entry = asObject(raw);
    const name = nonEmptyString(entry?.id);
    if (!entry || !name) continue;
    const info: ModelInfo = { name, lastSeen: now };
    const object = asString(entry.object);
    if (object) info.type = object;
    const details = lmStudioDetails(entry);
    if (details) info.details = details;
    out.push(info);
  }
  return out;
}

function lmStudioDetails(entry: Record<string, unknown>): ModelDetails | undefined {
  const details: ModelDetails = {};
  let any = false;
  const type = asString(entry.type);
  if (type !== undefined) {
    details.type = type;
    any = true;
  }
  const publisher = asString(entry.publisher);
  if (publisher !== undefined) {
    // LM Studio's publisher doubles as the parent model, as the original records it.
    details.publisher = publisher;
    details.parentModel = publisher;
    any = true;
  }
  const quantization = asString(entry.quantization);
  if (quantization !== undefined) {
    details.quantizationLevel = quantization;
    any = true;
  }
  const arch = asString(entry.arch);
  if (arch !== undefined) {
    details.family = arch;
    details.families = [arch];
    any = true;
  }
  const compatibility = asString(entry.compatibility_type);
  if (compatibility !== undefined) {
    details.format = compatibility;
    any = true;
  }
  const state = asString(entry.state);
  if (state !== undefined) {
    details.state = state;
    any = true;
  }
  const maxContext = positiveInt(entry.max_context_length);
  if (maxContext !== undefined) {
    details.maxContextLength = maxContext;
    any = true;
  }
  return any ? details : undefined;
}

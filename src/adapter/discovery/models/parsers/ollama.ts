import type { ModelDetails, ModelInfo } from '../../../../core/domain/model.js';
import { asObject, asString, isoTimestamp, listAt, nonEmptyString, positiveInt, stringArray } from './fields.js';

/** Ollama `GET /api/tags`: `{ models: [{ name, size, digest, modified_at, details: {...} }] }`. */
export function parseOllamaTags(json: unknown, now = Date.now()): ModelInfo[] {
  const out: ModelInfo[] = [];
  for (const raw of listAt(json, 'models') ?? []) {
    const entry = asObject(raw);
    const name = nonEmptyString(entry?.name);
    if (!entry || !name) continue;
    const info: ModelInfo = { name, lastSeen: now };
    const size = positiveInt(entry.size);
    if (size !== undefined) info.size = size;
    const description = asString(entry.description);
    if (description) info.description = description;
    const details = ollamaDetails(entry);
    if (details) info.details = details;
    out.push(info);
  }
  return out;
}

function ollamaDetails(entry: Record<string, unknown>): ModelDetails | undefined {
  const nested = asObject(entry.details);
  const digest = asString(entry.digest);
  const modified = asString(entry.modified_at);
  if (!nested && digest === undefined && modified === undefined) return undefined;
  const details: ModelDetails = {};
  if (digest !== undefined) details.digest = digest;
  const modifiedAt = isoTimestamp(modified);
  if (modifiedAt) details.modifiedAt = modifiedAt;
  if (nested) {
    const parameterSize = asString(nested.parameter_size);
    if (parameterSize !== undefined) details.parameterSize = parameterSize;
    const quantization = asString(nested.quantization_level);
    if (quantization !== undefined) details.quantizationLevel = quantization;
    const family = asString(nested.family);
    if (family !== undefined) details.family = family;
    const format = asString(nested.format);
    if (format !== undefined) details.format = format;
    const parent = asString(nested.parent_model);
    if (parent !== undefined) details.parentModel = parent;
    const families = stringArray(nested.families);
    if (families) details.families = families;
  }
  return details;
}

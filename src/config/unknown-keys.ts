/**
 * Keys the schema does not know, found by walking the document beside the schema. They are reported
 * as warnings, never failures, so a config written for the Go original (which ignores unknown keys)
 * still loads, while a typo does not go unnoticed.
 */
import type { z } from 'zod';
import { formatKeyPath } from './issues.js';

type Schema = z.core.$ZodType;

export function findUnknownKeys(schema: Schema, document: unknown): string[] {
  const found: string[] = [];
  walk(schema, document, [], found);
  return found;
}

function walk(schema: Schema, value: unknown, path: PropertyKey[], found: string[]): void {
  const structural = structureOf(schema);
  if (structural === undefined || value === null || typeof value !== 'object') return;
  const def = structural._zod.def;
  if (def.type === 'array' && Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(def.element, item, [...path, index], found);
  } else if (def.type === 'record' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) walk(def.valueType, item, [...path, key], found);
  } else if (def.type === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) {
      const child = def.shape[key];
      if (child === undefined) found.push(formatKeyPath([...path, key]));
      else walk(child, item, [...path, key], found);
    }
  }
}

/** The object, array or record schema under any defaults, optionals and pipes, if there is one. */
function structureOf(schema: Schema): z.core.$ZodObject | z.core.$ZodArray | z.core.$ZodRecord | undefined {
  const def = schema._zod.def;
  switch (def.type) {
    case 'object':
      return schema as z.core.$ZodObject;
    case 'array':
      return schema as z.core.$ZodArray;
    case 'record':
      return schema as z.core.$ZodRecord;
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
      return structureOf((def as z.core.$ZodDefaultDef).innerType);
    case 'pipe': {
      const pipe = def as z.core.$ZodPipeDef;
      return structureOf(pipe.in) ?? structureOf(pipe.out);
    }
    default:
      return undefined;
  }
}

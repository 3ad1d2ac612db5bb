import { DEFAULT_RULES, type ExtractionRules } from './extraction-rules.js';

/**
 * Pure extractors the unifier uses to describe a model from its name and whatever details its
 * backend reported. Each mirrors the original's rule of the same job.
 */

const QUANT_SHAPES: readonly [RegExp, string][] = [
  [/q(\d+)_k_([msl])/, 'q$1k$2'],
  [/q(\d+)_(\d+)/, 'q$1_$2'],
  [/q(\d+)/, 'q$1'],
  [/f(\d+)/, 'f$1'],
  [/fp(\d+)/, 'f$1'],
  [/int(\d+)/, 'int$1'],
];

const canonicalCache = new WeakMap<ExtractionRules, ReadonlySet<string>>();

function canonicalLabels(rules: ExtractionRules): ReadonlySet<string> {
  let labels = canonicalCache.get(rules);
  if (!labels) {
    labels = new Set(rules.quantisationMappings.values());
    canonicalCache.set(rules, labels);
  }
  return labels;
}

/** `Q4_K_M` → `q4km`, `Q8_0` → `q8`, `4bit` → `4bit`. Idempotent. */
export function normaliseQuantisation(quant: string, rules: ExtractionRules = DEFAULT_RULES): string {
  if (quant === '') return '';
  const mapped = rules.quantisationMappings.get(quant.toUpperCase());
  if (mapped) return mapped;
  const lower = quant.toLowerCase();
  // Our addition: a canonical label is its own normal form (the original turned `q4km` into `q4`).
  if (canonicalLabels(rules).has(lower)) return lower;
  for (const [shape, replacement] of QUANT_SHAPES) {
    const match = shape.exec(lower);
    if (match) return match[0].replace(shape, replacement);
  }
  return lower;
}

/** `3.2B` → [`3.2b`, 3.2e9], `137M` → [`137m`, 1.37e8]; unreadable sizes keep their text and count 0. */
export function parseParameterSize(size: string): [string, number] {
  if (size === '') return ['', 0];
  const match = /^(\d+(?:\.\d+)?)\s*([BM]?)$/.exec(size.trim().toUpperCase());
  if (!match) return [size, 0];
  const num = Number(match[1]);
  if (match[2] === 'M') {
    const billions = num / 1000;
    const label = billions >= 1 ? `${billions.toFixed(1)}b` : `${num.toFixed(0)}m`;
    return [label.replace(/\.0([bm])$/, '$1'), Math.trunc(num * 1_000_000)];
  }
  return [`${num.toFixed(1)}b`.replace(/\.0b$/, 'b'), Math.trunc(num * 1_000_000_000)];
}

/** Family and variant from a model name (`llama3.2:3b` → `llama`, `3.2`). */
export function extractFamilyAndVariant(
  modelName: string,
  arch = '',
  rules: ExtractionRules = DEFAULT_RULES,
): [string, string] {
  const name = modelName.trim().toLowerCase();
  // Preserved families (deepseek-coder-v2, kimi) win before any pattern could split them.
  const preserved = preservedFamily(name, arch, rules);
  if (preserved) return [preserved, ''];
  if (arch) {
    const fromArch = familyFromArchitecture(arch, name, rules);
    if (fromArch[0]) return fromArch;
  }
  for (const { pattern, familyGroup, variantGroup } of rules.familyPatterns) {
    const match = pattern.exec(name);
    const family = match?.[familyGroup];
    if (match && family) return [family, match[variantGroup] ?? ''];
  }
  return [familyFromDelimiters(name, rules), ''];
}

function preservedFamily(name: string, arch: string, rules: ExtractionRules): string {
  const archLower = arch.trim().toLowerCase();
  // Publisher-prefixed names match on the model's own segment, not the publisher.
  const own = name.slice(name.lastIndexOf('/') + 1);
  for (const entry of rules.preserveFamily) {
    const lower = entry.toLowerCase();
    if (archLower === lower || matchesTokenPrefix(own, lower)) return entry;
  }
  return '';
}

function matchesTokenPrefix(name: string, entry: string): boolean {
  if (name === entry) return true;
  if (!name.startsWith(entry)) return false;
  return '-_:/.'.includes(name.charAt(entry.length));
}

function familyFromArchitecture(arch: string, name: string, rules: ExtractionRules): [string, string] {
  const archLower = arch.toLowerCase();
  const family = rules.architectureMappings.get(archLower) ?? rules.familyAliases.get(archLower);
  if (!family) return ['', ''];
  if (!archLower.includes(family) || archLower.length <= family.length) return [family, ''];
  const rest = archLower.startsWith(family) ? archLower.slice(family.length) : archLower;
  if (!/^\d/.test(rest)) return [family, ''];
  const generic = rules.genericNames.includes(name);
  return [family, generic || name.includes(family) ? rest : ''];
}

function familyFromDelimiters(name: string, rules: ExtractionRules): string {
  const first = name.split(/[-_:/]/)[0] ?? '';
  for (const [alias, family] of rules.familyAliases) if (first.startsWith(alias)) return family;
  return rules.knownFamilies.find((known) => first.startsWith(known)) ?? '';
}

/** Capabilities from declared type, name patterns, context size and anything the backend declared. */
export function inferCapabilities(
  modelType: string,
  modelName: string,
  contextLength: number,
  declared: readonly string[],
  rules: ExtractionRules = DEFAULT_RULES,
): string[] {
  const caps = new Set<string>(['text-generation']);
  const type = modelType.toLowerCase();
  const typeCaps = rules.typeCapabilities.get(type);
  if (typeCaps) {
    for (const c of typeCaps) caps.add(c);
    // Embedding models encode text; they do not generate it.
    if (type === 'embeddings' || type === 'embedding') caps.delete('text-generation');
  }
  const name = modelName.toLowerCase();
  for (const { pattern, capabilities } of rules.nameCapabilities) {
    if (pattern.test(name)) for (const c of capabilities) caps.add(c);
  }
  const { extended, long, ultraLong } = rules.contextThresholds;
  if (contextLength >= ultraLong) {
    caps.add('ultra-long-context');
    caps.add('long-context');
  } else if (contextLength >= long) caps.add('long-context');
  else if (contextLength >= extended) caps.add('extended-context');
  for (const c of declared) caps.add(c);
  return [...caps].sort();
}

/** Publisher from the backend, a Hugging Face namespace, or the family's known maker. */
export function extractPublisher(
  modelName: string,
  declared: string | undefined,
  rules: ExtractionRules = DEFAULT_RULES,
): string {
  if (declared) return declared;
  const slash = modelName.indexOf('/');
  if (slash > 0) return modelName.slice(0, slash);
  const lower = modelName.toLowerCase();
  for (const [prefix, publisher] of rules.publisherMappings) if (lower.startsWith(prefix)) return publisher;
  return '';
}

/** `lm-studio` → `lmstudio`: the alias source the per-format listings look native names up by. */
export function normalisePlatform(endpointType: string): string {
  return endpointType.toLowerCase().replace(/[-_]/g, '');
}

/** A model's state on one endpoint: what the backend said, else available when it has a size. */
export function modelState(state: string | undefined, size: number): string {
  if (state) return state;
  return size > 0 ? 'available' : 'unknown';
}

/**
 * The operator's `models.yaml` (the original's unifier rules file), read over the built-in rules.
 * Every list or mapping the file sets replaces the built-in one whole; anything it leaves out
 * keeps the built-in value, so a file that only adds a publisher need not restate the rest. A
 * file that does not parse, has an unknown key or a regular expression that does not compile
 * stops start-up with a `ConfigError` naming the file and the key path (the original fell back
 * to its defaults with a warning, which hides the mistake).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { formatKeyPath } from '../../config/issues.js';
import { ConfigError } from '../../core/errors.js';
import { DEFAULT_RULES, type ExtractionRules, type FamilyPattern } from './extraction-rules.js';

/** Where the original looks, relative to the working directory, first found wins. */
const SEARCH_PATHS = [
  'models.yaml',
  'config/models.yaml',
  'config-base/models.yaml',
  '../config/models.yaml',
  '../../config/models.yaml',
];

export interface RulesSearch {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface LoadedRules {
  rules: ExtractionRules;
  /** The file the rules came from, or undefined for the built-ins. */
  file: string | undefined;
}

/** The original's candidates, then `$OLLA_CONFIG_DIR/models.yaml` when that is set. */
export function rulesFileCandidates({ cwd, env }: RulesSearch): string[] {
  const paths = SEARCH_PATHS.map((path) => resolve(cwd, path));
  if (env.OLLA_CONFIG_DIR) paths.push(resolve(cwd, join(env.OLLA_CONFIG_DIR, 'models.yaml')));
  return paths;
}

export async function loadExtractionRules(search: RulesSearch): Promise<LoadedRules> {
  for (const file of rulesFileCandidates(search)) {
    const source = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw new ConfigError([`${file}: cannot be read: ${error.message}`]);
    });
    if (source !== undefined) return { rules: parseRulesFile(source, file), file };
  }
  return { rules: DEFAULT_RULES, file: undefined };
}

const text = z.string();
const textMap = z.record(z.string(), text);
const textList = z.array(text);
const group = z.number().int().nonnegative();

/** A regular expression in the original's (Go) syntax, which it may open with `(?i)`. */
const regex = (flags: string) =>
  text.transform((pattern, ctx) => {
    const caseless = pattern.startsWith('(?i)');
    try {
      return new RegExp(caseless ? pattern.slice(4) : pattern, caseless && !flags.includes('i') ? `${flags}i` : flags);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
      return z.NEVER;
    }
  });

const rulesFileSchema = z.strictObject({
  version: z.union([text, z.number()]).optional(),
  model_extraction: z
    .strictObject({
      family_patterns: z
        .array(
          z.strictObject({
            pattern: regex(''),
            family_group: group,
            variant_group: group,
            description: text.optional(),
          }),
        )
        .optional(),
      architecture_mappings: textMap.optional(),
      family_aliases: textMap.optional(),
      publisher_mappings: textMap.optional(),
    })
    .optional(),
  quantization: z.strictObject({ mappings: textMap.optional() }).optional(),
  capabilities: z
    .strictObject({
      type_capabilities: z.record(z.string(), textList).optional(),
      // The original matches these without regard to case.
      name_patterns: z
        .array(z.strictObject({ pattern: regex('i'), capabilities: textList, description: text.optional() }))
        .optional(),
      context_thresholds: z
        .strictObject({
          extended_context: group.optional(),
          long_context: group.optional(),
          ultra_long_context: group.optional(),
        })
        .optional(),
    })
    .optional(),
  special_rules: z
    .strictObject({ preserve_family: textList.optional(), generic_names: textList.optional() })
    .optional(),
});

type RulesFile = z.infer<typeof rulesFileSchema>;

/** Parses one `models.yaml` over the built-in rules; `file` only names it in messages. */
export function parseRulesFile(source: string, file: string): ExtractionRules {
  let document: unknown;
  try {
    document = parseYaml(source);
  } catch (error) {
    throw new ConfigError([`${file}: not valid YAML: ${(error as Error).message}`]);
  }
  if (document === null || document === undefined) return DEFAULT_RULES;
  const result = rulesFileSchema.safeParse(document);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${file}: ${formatKeyPath(issue.path) || '(top level)'}: ${issue.message}`),
    );
  }
  return overBuiltIns(result.data);
}

function overBuiltIns(file: RulesFile): ExtractionRules {
  const base = DEFAULT_RULES;
  const extraction = file.model_extraction;
  const capabilities = file.capabilities;
  const thresholds = capabilities?.context_thresholds;
  const lowerKeys = (entries: Record<string, string>) =>
    new Map(Object.entries(entries).map(([key, value]) => [key.toLowerCase(), value]));
  return {
    ...base,
    familyPatterns:
      extraction?.family_patterns?.map(
        (p): FamilyPattern => ({ pattern: p.pattern, familyGroup: p.family_group, variantGroup: p.variant_group }),
      ) ?? base.familyPatterns,
    architectureMappings: extraction?.architecture_mappings
      ? lowerKeys(extraction.architecture_mappings)
      : base.architectureMappings,
    familyAliases: extraction?.family_aliases ? lowerKeys(extraction.family_aliases) : base.familyAliases,
    publisherMappings: extraction?.publisher_mappings
      ? lowerKeys(extraction.publisher_mappings)
      : base.publisherMappings,
    // Looked up by the upper-cased label.
    quantisationMappings: file.quantization?.mappings
      ? new Map(Object.entries(file.quantization.mappings).map(([key, value]) => [key.toUpperCase(), value]))
      : base.quantisationMappings,
    typeCapabilities: capabilities?.type_capabilities
      ? new Map(Object.entries(capabilities.type_capabilities))
      : base.typeCapabilities,
    nameCapabilities: capabilities?.name_patterns ?? base.nameCapabilities,
    contextThresholds: {
      extended: thresholds?.extended_context ?? base.contextThresholds.extended,
      long: thresholds?.long_context ?? base.contextThresholds.long,
      ultraLong: thresholds?.ultra_long_context ?? base.contextThresholds.ultraLong,
    },
    preserveFamily: file.special_rules?.preserve_family ?? base.preserveFamily,
    genericNames: file.special_rules?.generic_names ?? base.genericNames,
  };
}

/**
 * Turns a config document (the YAML file as plain data, env overrides already applied) into
 * `OllaConfig`, or a `ConfigError` listing every problem, one line each.
 */
import { ConfigError } from '../core/errors.js';
import { describeZodIssue, formatIssue, formatKeyPath } from './issues.js';
import { createConfigSchema } from './schema.js';
import type { OllaConfig } from './types.js';
import { findUnknownKeys } from './unknown-keys.js';

export interface ParseConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the document came from, kept on the result ('' = defaults only). */
  filename?: string;
  /** Names a key in messages; the loader uses it to name the env var that set the key. */
  keyLabel?: (path: string) => string;
}

export interface ParsedConfig {
  config: OllaConfig;
  warnings: string[];
}

export function parseConfig(document: unknown, options: ParseConfigOptions = {}): ParsedConfig {
  const label = options.keyLabel ?? ((path: string) => path);
  if (document !== null && document !== undefined && (typeof document !== 'object' || Array.isArray(document))) {
    throw new ConfigError(['the config must be a mapping of sections (server:, proxy:, discovery:, ...)']);
  }

  const warnings: string[] = [];
  const schema = createConfigSchema({
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    warn: (path, message) => warnings.push(formatIssue(label(path), message)),
  });
  // jitless: zod would otherwise generate and compile a fast parser for each object schema, which
  // pays only over many parses; a config is parsed once per start or reload (14 -> 9 ms at start-up).
  const result = schema.safeParse(document ?? {}, { error: describeZodIssue, jitless: true });
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => formatIssue(label(formatKeyPath(issue.path)), issue.message)),
    );
  }
  for (const path of findUnknownKeys(schema, document)) warnings.push(`unknown key ${label(path)} (ignored)`);
  return { config: { ...result.data, filename: options.filename ?? '' }, warnings };
}

/** The configuration Olla runs with when there is no file and no environment override. */
export function defaultConfig(): OllaConfig {
  return parseConfig({}, { env: {} }).config;
}

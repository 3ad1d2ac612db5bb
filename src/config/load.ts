/**
 * Finds, reads and validates the config, the way the original looks for it: the `--config` file,
 * else `OLLA_CONFIG_FILE`, else the first of `config/config.local.yaml`, `config/config.yaml`,
 * `config.yaml`, `default.yaml` under the working directory; with none of them, the defaults. A file
 * that was named explicitly must exist. Environment overrides apply over whichever was found.
 * Every failure is a `ConfigError`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { applyEnvOverrides, envKeyLabel } from './env.js';
import { type ParsedConfig, parseConfig } from './parse.js';

export const CONFIG_SEARCH_PATHS = ['config/config.local.yaml', 'config/config.yaml', 'config.yaml', 'default.yaml'];

export interface LoadConfigOptions {
  /** The `--config` flag's value. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function loadConfig(options: LoadConfigOptions = {}): ParsedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const found = findConfigFile(options);
  const { document, warnings } =
    found === undefined ? { document: {}, warnings: [] } : readDocument(found.path, found.text);
  const applied = applyEnvOverrides(document, env);
  const parsed = parseConfig(applied.document, {
    env,
    cwd,
    filename: found?.path ?? '',
    keyLabel: envKeyLabel(applied.sources),
  });
  return { config: parsed.config, warnings: [...warnings, ...parsed.warnings] };
}

/** The config file that `loadConfig` reads, with its text; undefined when the defaults apply. */
export function findConfigFile(options: LoadConfigOptions = {}): { path: string; text: string } | undefined {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const named = options.file || env.OLLA_CONFIG_FILE;
  if (named) {
    const text = readIfPresent(resolve(cwd, named));
    if (text === undefined) {
      const source = options.file ? '--config' : 'OLLA_CONFIG_FILE';
      throw new ConfigError([`${source} names ${JSON.stringify(named)}, which does not exist`]);
    }
    return { path: named, text };
  }
  for (const candidate of CONFIG_SEARCH_PATHS) {
    const text = readIfPresent(resolve(cwd, candidate));
    if (text !== undefined) return { path: candidate, text };
  }
  return undefined;
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw new ConfigError([`${path}: cannot be read (${code ?? String(error)})`]);
  }
}

function readDocument(path: string, text: string): { document: Record<string, unknown>; warnings: string[] } {
  const document = parseDocument(text, { merge: true });
  if (document.errors.length > 0) throw new ConfigError(document.errors.map((error) => locate(path, error)));
  const warnings = document.warnings.map((warning) => locate(path, warning));
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    throw new ConfigError([`${path}: ${(error as Error).message}`]);
  }
  if (value === null || value === undefined) return { document: {}, warnings };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([`${path}: the config must be a mapping of sections (server:, proxy:, discovery:, ...)`]);
  }
  return { document: value as Record<string, unknown>, warnings };
}

/** `file:line:column: message`, without the snippet the yaml library appends. */
function locate(path: string, error: YAMLError): string {
  const [headline = error.message] = error.message.split('\n');
  const message = headline.replace(/ at line \d+, column \d+:?$/, '');
  const position = error.linePos?.[0];
  return position ? `${path}:${position.line}:${position.col}: ${message}` : `${path}: ${message}`;
}

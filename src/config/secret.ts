/**
 * One secret given inline (with `${VAR}` expansion) or as a `*_file` sibling (read and trimmed,
 * the Docker/Kubernetes secret convention). Problems say what is wrong, never the secret itself.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expandPlaceholders } from './expand.js';
import { type ParseResult, parsed, rejected } from './parse-result.js';

export interface SecretSources {
  env: NodeJS.ProcessEnv;
  /** Relative `*_file` paths resolve against this directory. */
  cwd: string;
}

/** Reads a secret file; `file` is the path as written, for the message. */
export function readSecretFile(file: string, sources: SecretSources): ParseResult<string> {
  let contents: string;
  try {
    contents = readFileSync(resolve(sources.cwd, file), 'utf8');
  } catch (error) {
    return rejected(`cannot read ${JSON.stringify(file)} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const value = contents.trim();
  return value === '' ? rejected(`${JSON.stringify(file)} is empty`) : parsed(value);
}

/** Expands `${VAR}` placeholders in an inline secret; empty after expansion is a mistake. */
export function expandSecret(inline: string, sources: SecretSources): ParseResult<string> {
  const expanded = expandPlaceholders(inline, sources.env);
  if (!expanded.ok) return expanded;
  return expanded.value === '' ? rejected('resolved to an empty value') : expanded;
}

/**
 * One secret given inline (with `${VAR}` expansion) or as a `*_file` sibling (read and trimmed,
 * the Docker/Kubernetes secret convention). Problems say what is wrong, never the secret itself.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expandPlaceholders } from './expand.js';

export interface SecretSources {
  env: NodeJS.ProcessEnv;
  /** Relative `*_file` paths resolve against this directory. */
  cwd: string;
}

/**
 * One secret from its inline form (`${VAR}` expanded) or, when `file` is set, from that file (read
 * and trimmed). Exactly one of the two is expected to be non-empty; the failure says which one and
 * why, never the value.
 */
export function resolveSecret(
  inline: string,
  file: string,
  sources: SecretSources,
): string | { from: 'inline' | 'file'; message: string } {
  if (file !== '') {
    let contents: string;
    try {
      contents = readFileSync(resolve(sources.cwd, file), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      return { from: 'file', message: `cannot read ${JSON.stringify(file)} (${code})` };
    }
    const value = contents.trim();
    return value === '' ? { from: 'file', message: `${JSON.stringify(file)} is empty` } : value;
  }
  const expanded = expandPlaceholders(inline, sources.env);
  if (!expanded.ok) return { from: 'inline', message: expanded.reason };
  return expanded.value === '' ? { from: 'inline', message: 'resolved to an empty value' } : expanded.value;
}

/**
 * `server.auth.enabled` and `server.auth.keys`: the client API keys of the proxy routes. Each
 * secret is resolved from the environment (`${VAR}`), a file (`key_file`) or a literal, or given
 * only as its hash (`key_sha256`); from here on Olla keeps the hash alone. Problems name the key
 * path and never the secret.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { resolveSecret, type SecretSources } from './secret.js';
import { bool, count, oneOf, optional, text, textList } from './fields.js';
import type { ClientKeyConfig, ClientPriority } from './types.js';

const PRIORITIES: readonly ClientPriority[] = ['low', 'normal', 'high'];
const SHA256_HEX = /^[0-9a-f]{64}$/i;

const keyEntry = z.object({
  name: optional(text, ''),
  key: optional(text, ''),
  key_file: optional(text, ''),
  key_sha256: optional(text, ''),
  models: z.preprocess((input) => input ?? undefined, optional(textList, []).optional()),
  requests_per_minute: optional(count, 0),
  tokens_per_minute: optional(count, 0),
  tokens_per_day: optional(count, 0),
  max_concurrent: optional(count, 0),
  priority: optional(oneOf(PRIORITIES), 'normal'),
});

type KeyEntry = z.infer<typeof keyEntry>;

export function clientKeysShape() {
  return {
    enabled: optional(bool, false),
    keys: z.preprocess((input) => input ?? [], z.array(keyEntry, { error: 'is not a list of keys' })),
  };
}

/** Why a glob is not in Olla's dialect (`*` only at either end), or undefined when it is. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'is empty';
  const inner = pattern.replace(/^\*+/, '').replace(/\*+$/, '');
  if (inner.includes('*'))
    return `${JSON.stringify(pattern)} has a '*' in the middle; globs take '*' only at either end`;
  return undefined;
}

export interface KeyIssue {
  /** Path under `server.auth`, e.g. `['keys', 0, 'key']`. */
  path: (string | number)[];
  message: string;
}

/**
 * Resolves every entry to its hash and checks the set as a whole. Returns the keys and the issues;
 * any issue refuses start-up, whether or not `enabled` is on, so a key switched on later is sound.
 */
export function resolveClientKeys(
  enabled: boolean,
  entries: readonly KeyEntry[],
  sources: SecretSources,
): { keys: ClientKeyConfig[]; issues: KeyIssue[] } {
  const issues: KeyIssue[] = [];
  const keys: ClientKeyConfig[] = [];
  const names = new Map<string, number>();
  const hashes = new Map<string, number>();
  for (const [index, entry] of entries.entries()) {
    const at = (field: string, message: string) => issues.push({ path: ['keys', index, field], message });
    const name = entry.name.trim();
    if (name === '') at('name', 'is required (it names the key in stats, logs and metrics)');
    else if (names.has(name)) at('name', `${JSON.stringify(name)} is already used by keys[${names.get(name)}]`);
    else names.set(name, index);

    const sha256 = hashOf(entry, sources, at);
    if (sha256 !== undefined) {
      const twin = hashes.get(sha256);
      if (twin !== undefined) at(secretField(entry), `is the same secret as keys[${twin}]; every key needs its own`);
      else hashes.set(sha256, index);
    }

    if (entry.models !== undefined) {
      if (entry.models.length === 0) at('models', 'is empty, so nothing is allowed; remove it to allow every model');
      for (const [i, pattern] of entry.models.entries()) {
        const problem = globProblem(pattern);
        if (problem !== undefined) issues.push({ path: ['keys', index, 'models', i], message: problem });
      }
    }
    keys.push({
      name,
      sha256: sha256 ?? '',
      models: entry.models,
      requestsPerMinute: entry.requests_per_minute,
      tokensPerMinute: entry.tokens_per_minute,
      tokensPerDay: entry.tokens_per_day,
      maxConcurrent: entry.max_concurrent,
      priority: entry.priority,
    });
  }
  if (enabled && entries.length === 0) {
    issues.push({ path: ['keys'], message: 'is empty while auth is enabled, so every request would be refused' });
  }
  return { keys, issues };
}

function secretField(entry: KeyEntry): string {
  if (entry.key_sha256 !== '') return 'key_sha256';
  return entry.key_file !== '' ? 'key_file' : 'key';
}

function hashOf(
  entry: KeyEntry,
  sources: SecretSources,
  at: (field: string, message: string) => void,
): string | undefined {
  const given = (['key', 'key_file', 'key_sha256'] as const).filter((field) => entry[field] !== '');
  if (given.length !== 1) {
    at(
      given[1] ?? 'key',
      given.length === 0
        ? 'is required (or key_file, or key_sha256)'
        : `cannot be combined with ${given[0]}; use exactly one of key, key_file, key_sha256`,
    );
    return undefined;
  }
  if (entry.key_sha256 !== '') {
    if (SHA256_HEX.test(entry.key_sha256)) return entry.key_sha256.toLowerCase();
    at('key_sha256', 'is not a SHA-256 digest (64 hex characters, e.g. from `printf %s "$KEY" | sha256sum`)');
    return undefined;
  }
  const secret = resolveSecret(entry.key, entry.key_file, sources);
  if (typeof secret !== 'string') {
    at(secret.from === 'file' ? 'key_file' : 'key', secret.message);
    return undefined;
  }
  return createHash('sha256').update(secret).digest('hex');
}

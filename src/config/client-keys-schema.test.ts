// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal ${VAR} placeholders in config values
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { parseConfig } from './parse.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function auth(block: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, cwd = process.cwd()) {
  return parseConfig({ server: { auth: block } }, { env, cwd }).config.server.auth;
}

function issues(block: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    auth(block, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('server.auth keys', () => {
  it('is off with no keys by default, and keeps the admin token beside it', () => {
    expect(auth({ token: 'admin' })).toEqual({ token: 'admin', enabled: false, keys: [] });
  });

  it('keeps only the hash of a secret from the environment, a file or a literal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'olla-keys-'));
    writeFileSync(join(dir, 'bob.key'), 'bob-secret\n');
    const keys = parseConfig(
      {
        server: {
          auth: {
            enabled: true,
            keys: [
              { name: 'alice', key: '${ALICE_KEY}', models: ['llama3*'], tokens_per_minute: 20, priority: 'high' },
              { name: 'bob', key_file: 'bob.key', max_concurrent: 2 },
              { name: 'ci', key_sha256: sha('ci-secret').toUpperCase() },
              { name: 'lit', key: 'literal-secret', requests_per_minute: 5 },
            ],
          },
        },
      },
      { env: { ALICE_KEY: 'alice-secret' }, cwd: dir },
    ).config.server.auth.keys;
    expect(keys.map((k) => k.sha256)).toEqual([
      sha('alice-secret'),
      sha('bob-secret'),
      sha('ci-secret'),
      sha('literal-secret'),
    ]);
    expect(keys[0]).toMatchObject({ name: 'alice', models: ['llama3*'], tokensPerMinute: 20, priority: 'high' });
    expect(keys[1]).toMatchObject({ models: undefined, maxConcurrent: 2, priority: 'normal' });
    expect(JSON.stringify(keys)).not.toMatch(/alice-secret|bob-secret|literal-secret/);
  });

  it('refuses bad entries naming the key path and the reason, never the secret', () => {
    const found = issues(
      {
        enabled: true,
        keys: [
          { name: 'a', key: '${MISSING_KEY}' },
          { name: 'a', key: 'same-secret' },
          { name: 'b', key: 'same-secret' },
          { name: 'c', key_file: '/nonexistent/secret' },
          { name: 'd', key: 'x-secret', models: ['llama*7b', ''] },
          { name: 'e', key_sha256: 'abc' },
          { name: 'f', key: 'one-secret', key_sha256: sha('z') },
          { key: 'nameless-secret' },
        ],
      },
      {},
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server\.auth\.keys\[0\]\.key.*MISSING_KEY/),
        expect.stringMatching(/^server\.auth\.keys\[1\]\.name.*"a" is already used by keys\[0\]/),
        expect.stringMatching(/^server\.auth\.keys\[2\]\.key.*same secret as keys\[1\]/),
        expect.stringMatching(/^server\.auth\.keys\[3\]\.key_file.*cannot read.*ENOENT/),
        expect.stringMatching(/^server\.auth\.keys\[4\]\.models\[0\].*middle/),
        expect.stringMatching(/^server\.auth\.keys\[4\]\.models\[1\] is empty/),
        expect.stringMatching(/^server\.auth\.keys\[5\]\.key_sha256 is not a SHA-256/),
        expect.stringMatching(/^server\.auth\.keys\[6\]\.key_sha256.*exactly one/),
        expect.stringMatching(/^server\.auth\.keys\[7\]\.name is required/),
      ]),
    );
    expect(found.join('\n')).not.toMatch(/same-secret|x-secret|one-secret|nameless-secret/);
  });

  it('refuses an unknown priority', () => {
    expect(issues({ keys: [{ name: 'g', key: 'g-secret', priority: 'urgent' }] })).toEqual([
      'server.auth.keys[0].priority: "urgent" is not one of low, normal, high',
    ]);
  });

  it('refuses auth switched on with no keys, and an empty allow-list', () => {
    expect(issues({ enabled: true })).toEqual([expect.stringMatching(/^server\.auth\.keys is empty while auth/)]);
    expect(issues({ keys: [{ name: 'a', key: 'k', models: [] }] })).toEqual([
      expect.stringMatching(/^server\.auth\.keys\[0\]\.models is empty/),
    ]);
  });
});

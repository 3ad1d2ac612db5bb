import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { builtInProfilesDir, loadProfileRegistry } from './load-profiles.js';
import type { ProfileRegistry } from './profile-registry.js';

const SHIPPED = [
  'docker-model-runner',
  'lemonade',
  'litellm',
  'llamacpp',
  'lm-studio',
  'lmdeploy',
  'ollama',
  'omlx',
  'openai-compatible',
  'sglang',
  'vllm',
  'vllm-mlx',
];

describe('the shipped profiles', () => {
  let registry: ProfileRegistry;
  beforeAll(async () => {
    registry = await loadProfileRegistry();
  });

  it('are found in the package root config/profiles directory', () => {
    expect(builtInProfilesDir()).toBe(join(process.cwd(), 'config', 'profiles'));
  });

  it('load and validate, one per backend type', () => {
    expect(registry.names()).toEqual(SHIPPED);
    expect(registry.warnings()).toEqual([]);
  });

  it.each(SHIPPED)('%s declares the facts routing and discovery rely on', (name) => {
    const profile = registry.get(name)!;
    expect(profile.routing.prefixes.length).toBeGreaterThan(0);
    expect(profile.api.paths.length).toBeGreaterThan(0);
    expect(profile.api.modelDiscoveryPath).toMatch(/^\//);
    expect(profile.api.healthCheckPath).toMatch(/^\//);
    expect(profile.request.responseFormat).not.toBe('');
    for (const index of Object.values(profile.pathIndices)) {
      expect(index === -1 || (index >= 0 && index < profile.api.paths.length)).toBe(true);
    }
    expect(profile.extra).toHaveProperty('metrics');
  });

  it('carry the characteristics of the original', () => {
    const facts = Object.fromEntries(
      registry.all().map((p) => [p.name, [p.characteristics.defaultPriority, p.characteristics.timeoutMs]]),
    );
    expect(facts).toEqual({
      'docker-model-runner': [95, 300_000],
      lemonade: [75, 120_000],
      litellm: [95, 300_000],
      llamacpp: [95, 300_000],
      'lm-studio': [90, 180_000],
      lmdeploy: [82, 120_000],
      ollama: [100, 300_000],
      omlx: [75, 180_000],
      'openai-compatible': [50, 120_000],
      sglang: [85, 120_000],
      vllm: [80, 120_000],
      'vllm-mlx': [85, 120_000],
    });
  });

  it('declare native Anthropic support where the backend has it', () => {
    const native = registry
      .all()
      .filter((p) => p.api.anthropicSupport?.enabled)
      .map((p) => [p.name, p.api.anthropicSupport!.messagesPath, p.api.anthropicSupport!.tokenCount]);
    expect(native).toEqual([
      ['docker-model-runner', '/anthropic/v1/messages', true],
      ['llamacpp', '/v1/messages', true],
      ['lm-studio', '/v1/messages', false],
      ['ollama', '/v1/messages', false],
      ['omlx', '/v1/messages', false],
      ['vllm', '/v1/messages', false],
      ['vllm-mlx', '/v1/messages', true],
    ]);
    expect(registry.get('openai-compatible')!.api.anthropicSupport?.enabled).toBe(false);
  });
});

describe('a user profiles directory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'olla-profiles-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('overrides a shipped profile by name and adds new ones', async () => {
    await writeFile(join(dir, 'my-ollama.yaml'), 'name: ollama\nrouting:\n  prefixes: [ollama, ol]\n');
    await mkdir(join(dir, 'nested'));
    await writeFile(join(dir, 'nested', 'localai.yaml'), 'name: localai\nrouting:\n  prefixes: [localai]\n');
    await writeFile(join(dir, 'notes.txt'), 'not a profile');

    const registry = await loadProfileRegistry({ userDir: dir });

    expect(registry.get('ol')?.name).toBe('ollama');
    expect(registry.get('ollama')!.api.modelDiscoveryPath).toBe(''); // replaced whole, not merged
    expect(registry.get('localai')?.name).toBe('localai');
    expect(registry.names()).toHaveLength(13);
  });

  it('stops start-up on a broken file, naming the file and the key', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'name: broken\ncharacteristics:\n  max_concurrent_requests: lots\n');

    const error = await loadProfileRegistry({ userDir: dir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      expect.stringMatching(new RegExp(`^${file}: characteristics\\.max_concurrent_requests: `)),
    ]);
  });

  it('refuses two files defining the same profile', async () => {
    await writeFile(join(dir, 'a.yaml'), 'name: twin\n');
    await writeFile(join(dir, 'b.yaml'), 'name: twin\n');
    const error = (await loadProfileRegistry({ userDir: dir }).catch((e: unknown) => e)) as ConfigError;
    expect(error.issues).toEqual([`${join(dir, 'b.yaml')}: profile "twin" is already defined by a.yaml`]);
  });

  it('must exist when configured', async () => {
    const missing = join(dir, 'nope');
    await expect(loadProfileRegistry({ userDir: missing })).rejects.toThrow(`profiles_dir ${missing} does not exist`);
  });

  it('names the shipped directory first when both are broken', async () => {
    const missing = join(dir, 'nope');
    await expect(loadProfileRegistry({ builtInDir: missing, userDir: join(dir, 'also-nope') })).rejects.toThrow(
      `built-in profiles directory ${missing} does not exist`,
    );
  });

  it('is optional', async () => {
    expect((await loadProfileRegistry({ userDir: '' })).names()).toEqual(SHIPPED);
  });
});

describe('the profile filter', () => {
  it('keeps only the profiles it accepts', async () => {
    const registry = await loadProfileRegistry({ include: (name) => name.startsWith('vllm') });
    expect(registry.names()).toEqual(['vllm', 'vllm-mlx']);
    expect(registry.get('ollama')).toBeUndefined();
  });
});

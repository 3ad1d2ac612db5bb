import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlatformProfile } from '../../core/domain/profile.js';
import { type CompiledProfiles, compiledFor, readCompiledProfiles, sourceDigest } from './compiled-profiles.js';
import { builtInProfilesDir, compileProfiles, loadProfileRegistry } from './load-profiles.js';

const PROFILE = `name: tiny
routing:
  prefixes: [tiny]
api:
  openai_compatible: true
  paths: [/v1/models]
  model_discovery_path: /v1/models
  health_check_path: /v1/models
characteristics: {}
detection: {}
models: {}
request:
  response_format: openai
  parsing_rules: {}
`;

describe('compiled profiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'olla-compiled-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('load through JSON exactly as the shipped YAML parses', async () => {
    const compiled = new Map(Object.entries(JSON.parse(JSON.stringify(await compileProfiles()))));
    const fromJson = await loadProfileRegistry({ compiled: compiled as CompiledProfiles });
    const fromYaml = await loadProfileRegistry({ compiled: new Map() });
    // toEqual, not toStrictEqual: JSON leaves out the keys whose value is undefined, nothing else.
    expect(fromJson.all()).toEqual(fromYaml.all());
    expect(fromJson.names().length).toBe(12);
  });

  it('serve the compiled profile only for the very source it was built from', async () => {
    await writeFile(join(dir, 'tiny.yaml'), PROFILE);
    const stale = { ...(await compileProfiles(dir))['tiny.yaml']! };
    const marked: PlatformProfile = { ...stale.profile, description: 'from the build' };
    const compiled: CompiledProfiles = new Map([['tiny.yaml', { sha256: stale.sha256, profile: marked }]]);
    expect((await loadProfileRegistry({ builtInDir: dir, compiled })).get('tiny')?.description).toBe('from the build');

    // Edited after the build: parsed afresh, never the stale entry.
    await writeFile(join(dir, 'tiny.yaml'), `${PROFILE}description: edited\n`);
    expect((await loadProfileRegistry({ builtInDir: dir, compiled })).get('tiny')?.description).toBe('edited');
    expect(compiledFor(compiled, 'other.yaml', PROFILE)).toBeUndefined();
  });

  it('are keyed by path relative to the directory, with the SHA-256 of the source', async () => {
    const compiled = await compileProfiles();
    const source = await readFile(join(builtInProfilesDir(), 'ollama.yaml'), 'utf8');
    expect(compiled['ollama.yaml']?.sha256).toBe(sourceDigest(source));
    expect(sourceDigest('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('read as none when the build has not written them', async () => {
    expect((await readCompiledProfiles(new URL(`file://${join(dir, 'missing.json')}`))).size).toBe(0);
    const file = join(dir, 'compiled.json');
    await writeFile(file, JSON.stringify(await compileProfiles()));
    expect((await readCompiledProfiles(new URL(`file://${file}`))).size).toBe(12);
  });
});

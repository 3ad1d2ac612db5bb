import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { DEFAULT_RULES } from './extraction-rules.js';
import { extractFamilyAndVariant, inferCapabilities } from './metadata.js';
import { loadExtractionRules, parseRulesFile, rulesFileCandidates } from './rules-file.js';

function issuesOf(source: string): string[] {
  try {
    parseRulesFile(source, 'models.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('parseRulesFile', () => {
  it('replaces what the file sets and keeps the built-ins for the rest', () => {
    const rules = parseRulesFile(
      [
        'version: "1.0"',
        'model_extraction:',
        '  family_patterns:',
        '    - pattern: "^(acme)[-_]?(\\\\d+)"',
        '      family_group: 1',
        '      variant_group: 2',
        '      description: Acme models',
        '  publisher_mappings:',
        '    Acme: acme-labs',
        'capabilities:',
        '  name_patterns:',
        '    - pattern: "(ROBOT)"',
        '      capabilities: [automation]',
        '  context_thresholds:',
        '    long_context: 64000',
      ].join('\n'),
      'models.yaml',
    );
    expect(rules.familyPatterns).toHaveLength(1);
    expect(rules.familyPatterns[0]?.pattern.test('acme-7b')).toBe(true);
    expect(rules.publisherMappings.get('acme')).toBe('acme-labs');
    // The original matches name patterns without regard to case.
    expect(rules.nameCapabilities[0]?.pattern.test('my-robot')).toBe(true);
    expect(rules.contextThresholds).toEqual({ ...DEFAULT_RULES.contextThresholds, long: 64000 });
    expect(rules.quantisationMappings).toBe(DEFAULT_RULES.quantisationMappings);
    expect(rules.familyAliases).toBe(DEFAULT_RULES.familyAliases);
    expect(extractFamilyAndVariant('acme-7b', '', rules)).toEqual(['acme', '7']);
    expect(inferCapabilities('llm', 'my-robot', 0, [], rules)).toContain('automation');
  });

  it('gives the built-ins for an empty file', () => {
    expect(parseRulesFile('', 'models.yaml')).toBe(DEFAULT_RULES);
  });

  it('refuses a bad file naming the file, the key path and the reason', () => {
    const issues = issuesOf(
      [
        'model_extraction:',
        '  family_patterns:',
        '    - pattern: "^(unclosed"',
        '      family_group: 1',
        '      variant_group: 2',
        'capabilities:',
        '  context_thresholds:',
        '    long_context: lots',
        'special_rulez: {}',
      ].join('\n'),
    );
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatch(
      /^models\.yaml: model_extraction\.family_patterns\[0\]\.pattern: not a valid regular expression/,
    );
    expect(issues[1]).toMatch(/^models\.yaml: capabilities\.context_thresholds\.long_context: /);
    expect(issues[2]).toMatch(/^models\.yaml: \(top level\): .*special_rulez/);
    expect(issuesOf('model_extraction: [')).toEqual([expect.stringMatching(/^models\.yaml: not valid YAML/)]);
  });
});

describe('loadExtractionRules', () => {
  it("searches the original's paths from the working directory, then $OLLA_CONFIG_DIR", () => {
    const candidates = rulesFileCandidates({ cwd: '/srv/olla/bin', env: { OLLA_CONFIG_DIR: '/etc/olla' } });
    expect(candidates).toEqual([
      '/srv/olla/bin/models.yaml',
      '/srv/olla/bin/config/models.yaml',
      '/srv/olla/bin/config-base/models.yaml',
      '/srv/olla/config/models.yaml',
      '/srv/config/models.yaml',
      '/etc/olla/models.yaml',
    ]);
  });

  it('uses the first file found, and the built-ins when there is none', async () => {
    const root = mkdtempSync(join(tmpdir(), 'olla-rules-'));
    const cwd = join(root, 'a', 'b');
    mkdirSync(join(cwd, 'config'), { recursive: true });
    expect(await loadExtractionRules({ cwd, env: {} })).toEqual({ rules: DEFAULT_RULES, file: undefined });

    writeFileSync(join(root, 'a', 'b', 'config', 'models.yaml'), 'special_rules:\n  generic_names: [thing]\n');
    const loaded = await loadExtractionRules({ cwd, env: {} });
    expect(loaded.file).toBe(join(cwd, 'config', 'models.yaml'));
    expect(loaded.rules.genericNames).toEqual(['thing']);
  });
});

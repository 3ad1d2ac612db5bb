import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/olla.js';
import { freePort } from '../helpers/ports.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const dir = mkdtempSync(join(tmpdir(), 'olla-cli-'));
const children: ChildProcess[] = [];

function configFile(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [...CLI, ...args], {
    env: { ...process.env, OLLA_LOGGING_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('olla on the command line', () => {
  it('refuses a bad config with exit 1, one line per problem naming the key path, and no stack trace', async () => {
    const file = configFile(
      'bad.yaml',
      [
        'server:',
        '  port: 70000',
        'proxy:',
        '  engine: turbo',
        'discovery:',
        '  static:',
        '    endpoints:',
        '      - name: no-url',
        '        type: ollama',
      ].join('\n'),
    );
    const { exited, output } = run(['--config', file]);
    expect(await exited).toBe(1);
    const { stderr } = output();
    expect(stderr).toMatch(/server\.port: 70000 is not a port/);
    expect(stderr).toMatch(/proxy\.engine: .*turbo/);
    expect(stderr).toMatch(/discovery\.static\.endpoints\[0\]\.url/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a bad models.yaml at start-up with exit 1, naming the file, the key path and the reason', async () => {
    const rulesDir = mkdtempSync(join(tmpdir(), 'olla-cli-rules-'));
    const rules = join(rulesDir, 'models.yaml');
    writeFileSync(
      rules,
      ['capabilities:', '  name_patterns:', '    - pattern: "(unclosed"', '      capabilities: [x]'].join('\n'),
    );
    const file = configFile('for-rules.yaml', 'server:\n  host: 127.0.0.1\n');
    const port = String(await freePort());
    const { exited, output } = run(['--config', file], { OLLA_CONFIG_DIR: rulesDir, OLLA_SERVER_PORT: port });
    expect(await exited).toBe(1);
    const { stderr } = output();
    expect(stderr).toContain(`${rules}: capabilities.name_patterns[0].pattern: not a valid regular expression`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses credentials in an endpoint URL without echoing them', async () => {
    const file = configFile(
      'userinfo.yaml',
      [
        'discovery:',
        '  static:',
        '    endpoints:',
        '      - name: remote',
        '        type: openai-compatible',
        '        url: http://alice:hunter2-secret@10.0.0.5:8080',
      ].join('\n'),
    );
    const { exited, output } = run(['--validate-config', '--config', file]);
    expect(await exited).toBe(1);
    const { stdout, stderr } = output();
    expect(stderr).toMatch(/auth:/);
    expect(stdout + stderr).not.toContain('hunter2-secret');
  });

  it('refuses a bad client-key config with exit 1, naming each key path and reason, never a secret', async () => {
    const file = configFile(
      'keys.yaml',
      [
        'server:',
        '  auth:',
        '    enabled: true',
        '    keys:',
        '      - name: alice',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's placeholder, left unset on purpose
        '        key: "${OLLA_TEST_UNSET_KEY}"',
        '      - name: alice',
        '        key: twin-secret-1234',
        '      - name: bob',
        '        key: twin-secret-1234',
        '      - name: carol',
        '        key_file: /nonexistent/olla/carol.key',
        '      - name: dave',
        '        key: dave-secret-5678',
        '        models: ["llama*7b"]',
      ].join('\n'),
    );
    const { exited, output } = run(['--config', file]);
    expect(await exited).toBe(1);
    const { stdout, stderr } = output();
    expect(stderr).toMatch(/server\.auth\.keys\[0\]\.key.*OLLA_TEST_UNSET_KEY/);
    expect(stderr).toMatch(/server\.auth\.keys\[1\]\.name.*already used/);
    expect(stderr).toMatch(/server\.auth\.keys\[2\]\.key.*same secret/);
    expect(stderr).toMatch(/server\.auth\.keys\[3\]\.key_file.*cannot read/);
    expect(stderr).toMatch(/server\.auth\.keys\[4\]\.models\[0\].*middle/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout + stderr).not.toMatch(/twin-secret-1234|dave-secret-5678/);
  });

  it('checks a good config with --validate-config and exits 0 without serving', async () => {
    const { exited, output } = run(['--validate-config', '--config', 'config/config.yaml']);
    expect(await exited).toBe(0);
    expect(output().stdout).toContain('is valid');
  });

  it('listens on OLLA_SERVER_PORT and shuts down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const file = configFile('ok.yaml', 'server:\n  host: 127.0.0.1\n  port: 40114\n');
    const { child, exited } = run(['--config', file], { OLLA_SERVER_PORT: String(port) });
    await waitFor(
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/internal/health`)).status === 200;
        } catch {
          return false;
        }
      },
      20_000,
      `olla on port ${port}`,
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

/**
 * Runs the real Claude Code CLI (the pinned devDependency `@anthropic-ai/claude-code`) in print
 * mode against a base URL on 127.0.0.1, isolated from the machine: HOME and the config directory
 * in a fresh temp dir, every kind of background traffic switched off, and a hard deadline after
 * which the process group is killed, so a test can never hang on it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * npm's install script normally links the platform's binary into place; install scripts may not
 * run (CI with --ignore-scripts), so the platform package is looked up directly: glibc, then musl.
 */
function platformBinaries(): string[] {
  const name = `@anthropic-ai/claude-code-${process.platform}-${process.arch}`;
  const file = process.platform === 'win32' ? 'claude.exe' : 'claude';
  const found: string[] = [];
  for (const pkg of [name, `${name}-musl`]) {
    try {
      found.push(join(dirname(require.resolve(`${pkg}/package.json`)), file));
    } catch {
      // Not installed for this platform.
    }
  }
  return found;
}

/** The CLI binary: the platform package first, then the launcher's bundled copy. Throws when neither exists. */
export function claudeCodeBinary(): string {
  const tried: string[] = [];
  for (const binary of platformBinaries()) {
    if (existsSync(binary)) return binary;
    tried.push(binary);
  }
  const launcher = join(dirname(require.resolve('@anthropic-ai/claude-code/package.json')), 'bin', 'claude.exe');
  if (existsSync(launcher)) return launcher;
  tried.push(launcher);
  throw new Error(`Claude Code binary not found (tried ${tried.join(', ')})`);
}

/** The pinned CLI version, for messages. */
export function claudeCodeVersion(): string {
  return (require('@anthropic-ai/claude-code/package.json') as { version: string }).version;
}

export interface ClaudeRunOptions {
  /** `ANTHROPIC_BASE_URL`, e.g. `http://127.0.0.1:<port>/olla/anthropic`. */
  baseUrl: string;
  prompt: string;
  model: string;
  /** Extra CLI arguments (`--allowedTools Read`, ...). */
  args?: string[];
  /** Working directory; default the temp HOME. */
  cwd?: string;
  /** Killed after this long. Default 60 s. */
  timeoutMs?: number;
}

export interface ClaudeRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The `--output-format json` result object, when stdout was one. */
  result: Record<string, unknown> | undefined;
}

/** Everything that would reach the internet or the user's own settings is switched off. */
function isolatedEnv(home: string, baseUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: 'sk-olla-test-dummy',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    DISABLE_NON_ESSENTIAL_MODEL_CALLS: '1',
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
    // One attempt: a refused request should fail the test at once, not after five back-offs.
    CLAUDE_CODE_MAX_RETRIES: '0',
    NO_COLOR: '1',
  };
}

function parseResult(stdout: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(stdout.trim());
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Runs `claude -p <prompt> --output-format json --model <model> ...args` and waits for it to exit. */
export async function runClaudeCode(opts: ClaudeRunOptions): Promise<ClaudeRunResult> {
  const home = mkdtempSync(join(tmpdir(), 'olla-claude-home-'));
  const child = spawn(
    claudeCodeBinary(),
    ['-p', opts.prompt, '--output-format', 'json', '--model', opts.model, ...(opts.args ?? [])],
    {
      cwd: opts.cwd ?? home,
      env: isolatedEnv(home, opts.baseUrl),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so the deadline takes any tool subprocess (Bash) with it.
      detached: true,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, opts.timeoutMs ?? 60_000);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    });
    return { code, signal, stdout, stderr, timedOut, result: parseResult(stdout) };
  } finally {
    clearTimeout(timer);
    killGroup(child);
    rmSync(home, { recursive: true, force: true });
  }
}

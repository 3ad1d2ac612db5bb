/**
 * Child processes for the bench: every server under test and every load generator runs in a
 * process of its own, so none of them shares an event loop with another or with the bench.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** `node --import tsx`: runs the project's TypeScript in one process (no npx or shell in between). */
export const NODE_TS = [process.execPath, '--import', 'tsx'] as const;

const KEPT_LINES = 2000;

export class BenchProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #logFile: string | undefined;
  #exited = false;

  /**
   * With `logFile`, the process's output goes straight to that file rather than through a pipe
   * the bench reads: a target logging every request would otherwise have the bench parse each
   * line on the same cores, and charge the target for its reader. Such a process is waited on
   * over HTTP, never by a line.
   */
  constructor(
    name: string,
    command: string,
    args: readonly string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile?: string },
  ) {
    this.name = name;
    this.#logFile = options.logFile;
    const out = options.logFile === undefined ? 'pipe' : openSync(options.logFile, 'w');
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', out, out],
    });
    if (typeof out === 'number') closeSync(out);
    else {
      for (const stream of [this.child.stdout!, this.child.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => this.#record(line));
      }
    }
    this.child.once('exit', () => {
      this.#exited = true;
      this.#wake();
    });
    // A missing binary shows up as an error event; the exit check in waitForLine reports it.
    this.child.once('error', (error) => this.#record(`spawn failed: ${error.message}`));
    running.add(this);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Everything the process printed so far (stdout and stderr), for error messages. */
  output(): string {
    const lines = this.#logFile === undefined ? this.#lines : readFileSync(this.#logFile, 'utf8').split('\n');
    return lines.slice(-40).join('\n');
  }

  /** Resolves with the first line (already printed or still to come) that `match` accepts. */
  async waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.#lines.length; seen++) if (match(this.#lines[seen]!)) return this.#lines[seen]!;
      if (this.#exited) throw new Error(`${this.name} exited before it was ready:\n${this.output()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.output()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  /** The first line that parses as a JSON object, parsed. */
  async waitForJson<T>(timeoutMs: number): Promise<T> {
    const line = await this.waitForLine((text) => text.startsWith('{'), timeoutMs);
    return JSON.parse(line) as T;
  }

  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** SIGTERM, then SIGKILL if it has not gone within `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    running.delete(this);
    if (this.#exited) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Resolves when the process exits by itself. */
  async exit(): Promise<number | null> {
    if (this.#exited) return this.child.exitCode;
    const [code] = (await once(this.child, 'exit')) as [number | null];
    return code;
  }

  #record(line: string): void {
    // Readiness lines come first; past the cap only the last 40 are kept, for error messages, so a
    // target logging every request (the shipped config) does not grow the bench without bound.
    if (this.#lines.length >= KEPT_LINES) this.#lines.splice(KEPT_LINES - 40, 1);
    this.#lines.push(line);
    this.#wake();
  }

  #wake(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }
}

const running = new Set<BenchProcess>();

/** Stops every process the bench started and has not stopped yet (on Ctrl-C or a failure). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.stop(1000)));
}

/** A port free right now on 127.0.0.1, for servers that must be told their port up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Polls `url` until it answers `status` (any status when undefined), every `everyMs`; gives up at
 * once, with what it printed, if the `server` process exits first.
 */
export async function waitForHttp(
  url: string,
  options: { timeoutMs: number; everyMs?: number; status?: number; init?: RequestInit; server?: BenchProcess },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (options.server?.exited) throw new Error(`${options.server.name} exited:\n${options.server.output()}`);
    try {
      const res = await fetch(url, { ...options.init, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (options.status === undefined || res.status === options.status) return;
      last = `status ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 50));
  }
  throw new Error(`${url} not ready after ${options.timeoutMs} ms (${last})`);
}

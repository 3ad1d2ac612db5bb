/**
 * A real Olla process started from a config file, for the reload tests: the file is rewritten the
 * way an editor saves it and the process is sent SIGHUP, as an operator would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { waitFor } from '../helpers/olla.js';

export type Cleanups = (() => unknown)[];

/** Writes like an editor does: a new file renamed over the old one. */
export function save(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

export interface OllaProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  exited: Promise<number | null>;
  /** Everything the process wrote to stdout and stderr. */
  output(): string;
}

/** Starts `src/cli/main.ts --config file` and waits until it answers /internal/health. */
export async function startOllaProcess(file: string, port: number, cleanups: Cleanups): Promise<OllaProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--config', file], {
    env: { ...process.env, OLLA_LOGGING_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      try {
        return (await fetch(`${url}/internal/health`)).ok;
      } catch {
        return false;
      }
    },
    20_000,
    'olla to listen',
  );
  return { child, url, exited, output: () => output };
}

interface EndpointView {
  name: string;
  status: string;
  model_count: number;
}

/** The endpoints as `/internal/status/endpoints` shows them. */
async function endpointViews(url: string): Promise<EndpointView[]> {
  const body = (await (await fetch(`${url}/internal/status/endpoints`)).json()) as { endpoints: EndpointView[] };
  return body.endpoints;
}

export async function endpointStatuses(url: string): Promise<Record<string, string>> {
  return Object.fromEntries((await endpointViews(url)).map((e) => [e.name, e.status]));
}

/**
 * Waits until the endpoint is healthy and its models are discovered: health and discovery run
 * apart, so a healthy node can still be unknown to strict routing for a moment (a 404).
 */
export async function waitForRoutable(url: string, name: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    async () => {
      const endpoint = (await endpointViews(url)).find((e) => e.name === name);
      return endpoint?.status === 'healthy' && endpoint.model_count > 0;
    },
    timeoutMs,
    `${name} healthy with its models`,
  );
}

export async function lastReload(url: string): Promise<Record<string, unknown> | undefined> {
  const body = (await (await fetch(`${url}/internal/status`)).json()) as { last_reload?: Record<string, unknown> };
  return body.last_reload;
}

/**
 * Saves `text`, sends SIGHUP and waits for the reload it triggers (a new `last_reload.at`);
 * resolves to that reload's status.
 */
export async function reloadWith(olla: OllaProcess, file: string, text: string): Promise<Record<string, unknown>> {
  const before = (await lastReload(olla.url))?.at;
  save(file, text);
  olla.child.kill('SIGHUP');
  let seen: Record<string, unknown> | undefined;
  await waitFor(
    async () => {
      seen = await lastReload(olla.url);
      return seen !== undefined && seen.at !== before;
    },
    5000,
    'the reload to finish',
  );
  return seen!;
}

/** The text of an OpenAI SSE stream, and whether it ended with [DONE]. */
export function sseText(raw: string): { text: string; done: boolean } {
  let text = '';
  let done = false;
  for (const line of raw.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const data = line.slice(6).trim();
    if (data === '[DONE]') done = true;
    else text += (JSON.parse(data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '';
  }
  return { text, done };
}

/** The project's mock backend (test/mock/cli.ts) in a process of its own, one per group of scenarios. */
import { fileURLToPath } from 'node:url';
import { BenchProcess, NODE_TS } from './processes.js';

export const BENCH_MODEL = 'bench-model';

export interface MockSettings {
  /** Tokens per reply. */
  tokens: number;
  /** Delay before each streamed token, ms. */
  delayMs: number;
}

export interface RunningMock {
  url: string;
  host: string;
  port: number;
  process: BenchProcess;
}

const CLI = fileURLToPath(new URL('../../test/mock/cli.ts', import.meta.url));

/** An Ollama-flavoured mock: it answers the OpenAI routes, Ollama's NDJSON `/api/chat` and `/echo`. */
export async function startMock(settings: MockSettings): Promise<RunningMock> {
  const args = ['--flavour', 'ollama', '--name', 'bench', '--models', BENCH_MODEL];
  args.push('--tokens', String(settings.tokens), '--delay', String(settings.delayMs), '--json');
  const proc = new BenchProcess('mock backend', NODE_TS[0], [...NODE_TS.slice(1), CLI, ...args], {});
  const ready = await proc.waitForJson<{ url: string; port: number }>(30_000);
  return { url: ready.url, host: '127.0.0.1', port: ready.port, process: proc };
}

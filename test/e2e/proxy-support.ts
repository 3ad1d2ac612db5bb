/**
 * Shared pieces of the proxy end-to-end suites: the engines every suite runs against, and a
 * cleanup list so each test closes exactly the servers it started.
 */
import { afterEach } from 'vitest';
import { type RunningOlla, startOlla, type TestEndpoint } from '../helpers/olla.js';
import { type MockBackend, type MockBackendOptions, startMockBackend } from '../mock/backend.js';

export const ENGINES = ['sherpa', 'olla'] as const;
export type EngineName = (typeof ENGINES)[number];

type Doc = Record<string, unknown>;

/**
 * Registers an afterEach that closes, newest first, everything started through the returned
 * helpers. Call once at the top of a suite file.
 */
export function useServers() {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    async mock(options: MockBackendOptions): Promise<MockBackend> {
      const backend = await startMockBackend(options);
      cleanups.push(() => backend.close());
      return backend;
    },
    async olla(engine: EngineName, endpoints: TestEndpoint[], overrides: Doc = {}): Promise<RunningOlla> {
      const proxy = { ...((overrides.proxy as Doc | undefined) ?? {}), engine };
      const running = await startOlla(endpoints, { ...overrides, proxy });
      cleanups.push(() => running.close());
      return running;
    },
    /** Runs `fn` after the test, before the servers close (e.g. to destroy a client socket). */
    defer(fn: () => void | Promise<void>): void {
      cleanups.push(async () => fn());
    },
  };
}

/** The JSON body of an error answer, with its status and content type. */
export async function errorAnswer(response: Response): Promise<{ status: number; type: string; body: Doc }> {
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: (await response.json()) as Doc,
  };
}

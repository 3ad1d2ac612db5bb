/**
 * The failover measurement from issue 14, shared by the stress run, its short form in `npm test`
 * and the bench: mock backends in processes of their own, a steady `concurrency` requests in
 * flight through a proxy, and one backend at a time SIGKILLed and restarted on the same port a
 * moment later, all on a seeded schedule. Every request is accounted for: answered, cut mid-stream
 * by the death of the node serving it (the only loss allowed), lost, or hung.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Agent } from 'undici';
import { FAULT_HEADER } from '../mock/faults.js';
import { type ChatRequest, createClient, type Outcome, sendChat } from './client.js';
import { seededRandom } from './tally.js';

const CLI = fileURLToPath(new URL('../mock/cli.ts', import.meta.url));
export const KILL_MODEL = 'kill-model';

/** A mock backend in a child process that can be SIGKILLed and started again on its port. */
export class KillableMock {
  readonly name: string;
  readonly #args: readonly string[];
  #child: ChildProcess | undefined;
  #port = 0;

  constructor(name: string, args: readonly string[] = []) {
    this.name = name;
    this.#args = args;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get up(): boolean {
    return this.#child !== undefined;
  }

  /** Starts the process (on its old port after a kill) and resolves once it listens. */
  async start(): Promise<void> {
    const args = ['--import', 'tsx', CLI, '--flavour', 'vllm', '--name', this.name, '--models', KILL_MODEL];
    args.push('--tokens', '8', '--delay', '5', '--port', String(this.#port), '--json', ...this.#args);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout! });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const ready = new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`mock ${this.name} exited (${code}) before listening: ${stderr}`)));
    });
    const { port } = JSON.parse(await ready) as { port: number };
    this.#port = port;
    this.#child = child;
  }

  /** SIGKILL: the kernel resets every open connection, as when a node dies. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

export async function startKillableMocks(names: readonly string[]): Promise<KillableMock[]> {
  const mocks = names.map((name) => new KillableMock(name));
  await Promise.all(mocks.map((mock) => mock.start()));
  return mocks;
}

export interface KillRecord {
  name: string;
  killedAt: number;
  restartedAt: number;
}

export interface KillScheduleOptions {
  seed: number;
  /** The proxy under test, e.g. `http://127.0.0.1:40114`. */
  baseUrl: string;
  mocks: readonly KillableMock[];
  kills: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** How long a killed node stays down, and the pause before the next kill (ms ranges). */
  downMs?: readonly [number, number];
  gapMs?: readonly [number, number];
  /** How long traffic keeps flowing after the last node came back. */
  tailMs?: number;
  /** A request still unanswered after this long is hung. */
  timeoutMs?: number;
}

export interface KillScheduleResult {
  seed: number;
  sent: number;
  succeeded: number;
  /** Streams cut mid-way by the death of the node serving them: allowed. */
  interrupted: Outcome[];
  /** Those of them that did not end with an error frame (a cut connection or a bare end). */
  cutWithoutErrorFrame: Outcome[];
  /** Everything else that did not succeed, hung requests included. */
  lost: Outcome[];
  hung: number;
  /** Counts of lost requests by how they failed (`http 503`, `failed-before-headers`, …). */
  lostBy: Record<string, number>;
  kills: KillRecord[];
  /** Longest wait from a kill to the end of a stream it cut (ms). */
  longestCutMs: number;
  durationMs: number;
}

/** Runs one seeded schedule; the mocks are left up at the end. */
export async function runKillSchedule(options: KillScheduleOptions): Promise<KillScheduleResult> {
  const random = seededRandom(options.seed);
  const traffic = seededRandom(options.seed + 1);
  const between = (range: readonly [number, number]) => range[0] + random() * (range[1] - range[0]);
  const downMs = options.downMs ?? [500, 1500];
  const gapMs = options.gapMs ?? [500, 1500];
  const timeoutMs = options.timeoutMs ?? 15_000;
  const client: Agent = createClient(options.concurrency * 2);
  const kills: KillRecord[] = [];
  const result: KillScheduleResult = {
    seed: options.seed,
    sent: 0,
    succeeded: 0,
    interrupted: [],
    cutWithoutErrorFrame: [],
    lost: [],
    hung: 0,
    lostBy: {},
    kills,
    longestCutMs: 0,
    durationMs: 0,
  };
  const startedAt = performance.now();
  let flowing = true;

  const judge = (outcome: Outcome) => {
    result.sent++;
    if (outcome.kind === 'ok') {
      result.succeeded++;
      return;
    }
    const kill =
      outcome.kind === 'interrupted' && outcome.request.stream
        ? kills.find(
            (k) => k.name === outcome.endpoint && k.killedAt >= outcome.startedAt && k.killedAt <= outcome.endedAt,
          )
        : undefined;
    if (kill !== undefined) {
      result.interrupted.push(outcome);
      if (outcome.errorFrame === undefined) result.cutWithoutErrorFrame.push(outcome);
      result.longestCutMs = Math.max(result.longestCutMs, outcome.endedAt - kill.killedAt);
      return;
    }
    if (outcome.kind === 'timeout') result.hung++;
    const reason = outcome.kind === 'http-error' ? `http ${outcome.status}` : outcome.kind;
    result.lostBy[reason] = (result.lostBy[reason] ?? 0) + 1;
    result.lost.push(outcome);
  };

  const worker = async () => {
    while (flowing) {
      // Inference takes a while before its first byte: a kill lands on requests still waiting
      // for their response head as well as on streams under way.
      const ttftMs = Math.round(20 + traffic() * 180);
      const chat: ChatRequest = {
        flavour: 'openai',
        stream: traffic() < 0.5,
        model: KILL_MODEL,
        headers: { [FAULT_HEADER]: `slow-headers:${ttftMs}` },
      };
      judge(await sendChat(client, options.baseUrl, chat, { timeoutMs }));
    }
  };
  const workers = Array.from({ length: options.concurrency }, worker);

  try {
    for (let i = 0; i < options.kills; i++) {
      await sleep(between(gapMs));
      const victim = options.mocks[Math.floor(random() * options.mocks.length)]!;
      const record: KillRecord = { name: victim.name, killedAt: performance.now(), restartedAt: Number.NaN };
      kills.push(record);
      await victim.kill();
      await sleep(between(downMs));
      await victim.start();
      record.restartedAt = performance.now();
    }
    await sleep(options.tailMs ?? 1500);
  } finally {
    flowing = false;
    await Promise.all(workers);
    await client.destroy();
  }
  result.durationMs = performance.now() - startedAt;
  return result;
}

/** One line per schedule, for test output and the bench. */
export function describeKillSchedule(result: KillScheduleResult): string {
  const lostBy = Object.entries(result.lostBy)
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(', ');
  return (
    `seed ${result.seed}: ${result.sent} sent, ${result.succeeded} ok, ${result.lost.length} lost` +
    `${lostBy ? ` (${lostBy})` : ''}, ${result.hung} hung, ${result.interrupted.length} streams cut by a kill ` +
    `(${result.interrupted.length - result.cutWithoutErrorFrame.length} ending with an error frame, ` +
    `longest ${result.longestCutMs.toFixed(0)} ms after it), ${result.kills.length} kills in ${(result.durationMs / 1000).toFixed(1)} s`
  );
}

export function summariseOutcome(outcome: Outcome): string {
  const { kind, status, endpoint, bytes, error, request } = outcome;
  return `${request.stream ? 'stream' : 'whole'}: ${kind} status=${status} endpoint=${endpoint ?? '-'} bytes=${bytes} ${error ?? outcome.body.slice(0, 200)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

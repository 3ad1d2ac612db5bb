/**
 * Kills and restarts mock backends at random while a stress run is under way, never leaving a
 * route without a node that could serve it, and keeps a log of every kill so the run can tell a
 * stream a kill interrupted from a request Olla lost.
 */
import { performance } from 'node:perf_hooks';
import type { MockBackend } from '../mock/backend.js';

export interface KillRecord {
  name: string;
  /** performance.now() when stop() was called, and when the node listened again (Infinity while down). */
  killedAt: number;
  restartedAt: number;
}

export interface ChaosOptions {
  random: () => number;
  /**
   * Groups of node names that each serve some route: a node is killed only when every group it
   * belongs to keeps another member that has been up and serving for at least `stableMs`.
   */
  groups: readonly (readonly string[])[];
  /** Whether Olla currently routes to the node (healthy, with the model discovered). */
  serving(name: string): boolean;
  maxDown: number;
  /**
   * How long a survivor must have been up and routed to. Longer than any request takes, so every
   * request's candidate list, taken when it arrived, already held that survivor.
   */
  stableMs: number;
  /** Range of the pause between two chaos steps, and of how long a killed node stays down. */
  stepMs: readonly [number, number];
  downMs: readonly [number, number];
}

export class ChaosMonkey {
  readonly kills: KillRecord[] = [];
  readonly #nodes: ReadonlyMap<string, MockBackend>;
  readonly #options: ChaosOptions;
  /** performance.now() since which each node has been up and served; absent while it is not. */
  readonly #stableSince = new Map<string, number>();
  /** Nodes down now: their kill, and when they are due back up. */
  readonly #down = new Map<string, { kill: KillRecord; upAt: number }>();
  #running = false;
  #loop: Promise<void> | undefined;
  #skipped = 0;

  constructor(nodes: readonly MockBackend[], options: ChaosOptions) {
    this.#nodes = new Map(nodes.map((node) => [node.name, node]));
    this.#options = options;
  }

  /** Chaos steps that found no node safe to kill. */
  get skipped(): number {
    return this.#skipped;
  }

  start(): void {
    // Nodes serving already are in the candidate list of every request sent from now on.
    for (const [name, node] of this.#nodes) {
      if (node.listening && this.#options.serving(name)) this.#stableSince.set(name, Number.NEGATIVE_INFINITY);
    }
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops the chaos and brings every node back up. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    for (const name of [...this.#down.keys()]) await this.#restart(name);
  }

  /** Whether `name` was killed at some moment between `from` and `to` (performance.now() marks). */
  killedBetween(name: string, from: number, to: number): KillRecord | undefined {
    return this.kills.find((kill) => kill.name === name && kill.killedAt >= from && kill.killedAt <= to);
  }

  async #run(): Promise<void> {
    const { random, stepMs, downMs } = this.#options;
    const between = (range: readonly [number, number]) => range[0] + random() * (range[1] - range[0]);
    while (this.#running) {
      await sleep(between(stepMs));
      if (!this.#running) break;
      this.#observe();
      const now = performance.now();
      for (const [name, down] of this.#down) {
        if (now >= down.upAt) await this.#restart(name);
      }
      const victim = this.#pickVictim();
      if (victim === undefined) {
        this.#skipped++;
        continue;
      }
      const kill: KillRecord = { name: victim, killedAt: performance.now(), restartedAt: Number.POSITIVE_INFINITY };
      this.kills.push(kill);
      this.#down.set(victim, { kill, upAt: kill.killedAt + between(downMs) });
      this.#stableSince.delete(victim);
      await this.#nodes.get(victim)!.stop();
    }
  }

  #observe(): void {
    const now = performance.now();
    for (const [name, node] of this.#nodes) {
      if (node.listening && this.#options.serving(name)) {
        if (!this.#stableSince.has(name)) this.#stableSince.set(name, now);
      } else {
        this.#stableSince.delete(name);
      }
    }
  }

  #pickVictim(): string | undefined {
    const { groups, maxDown, stableMs, random } = this.#options;
    if (this.#down.size >= maxDown) return undefined;
    const now = performance.now();
    const stable = (name: string) => {
      const since = this.#stableSince.get(name);
      return since !== undefined && now - since >= stableMs;
    };
    const safe = [...this.#nodes.keys()].filter(
      (name) =>
        !this.#down.has(name) &&
        groups.every((group) => !group.includes(name) || group.some((other) => other !== name && stable(other))),
    );
    return safe.length === 0 ? undefined : safe[Math.floor(random() * safe.length)];
  }

  async #restart(name: string): Promise<void> {
    const down = this.#down.get(name);
    if (down === undefined) return;
    await this.#nodes.get(name)!.start();
    down.kill.restartedAt = performance.now();
    this.#down.delete(name);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import { describe, expect, it } from 'vitest';
import { type Cell, judgeGoals, type RunFacts, renderTable } from './report.js';
import type { Interleaved } from './interleaved.js';
import type { Measurement, ScenarioId } from './scenarios.js';

const MB = 1024 * 1024;

function cell(target: string, scenario: ScenarioId, measured: Partial<Measurement>): Cell {
  return { target, scenario, scenarioTitle: scenario, measured: { errors: 0, ...measured }, peakRss: 50 * MB };
}

function facts(cells: Cell[], extra: Partial<RunFacts> = {}): RunFacts {
  return { cells, skipped: [], compiled: true, ...extra };
}

const verdict = (run: RunFacts, goal: string) => judgeGoals(run).find((g) => g.goal.startsWith(goal))?.met;

describe('judgeGoals', () => {
  it('compares olla with the floor and nginx at 64 connections by requests/s', () => {
    const run = facts([
      cell('floor', 'json-64', { rps: 10_000 }),
      cell('nginx', 'json-64', { rps: 20_000 }),
      cell('olla', 'json-64', { rps: 9_500 }),
    ]);
    expect(verdict(run, 'olla ≥ 0.9 × the floor')).toBe(true);
    expect(verdict(run, 'olla ≥ 0.5 × nginx')).toBe(false);
  });

  it('judges olla and sherpa against the floor on interleaved rounds when the run made them', () => {
    // The rows put olla at 0.95× the floor; its rounds beside the floor, at 0.74×.
    const run = facts([cell('floor', 'json-64', { rps: 10_000 }), cell('olla', 'json-64', { rps: 9_500 })]);
    const rounds = (on: string, medianRatio: number, medianCpuRatio: number): Interleaved => ({
      targets: ['floor', on],
      rounds: [{ rps: [10_000, 10_000 * medianRatio], cpuUs: [60, 60 / medianCpuRatio] }],
      processes: 1,
      medianRatio,
      medianCpuRatio,
    });
    run.weighed = [rounds('olla', 0.74, 0.73), rounds('sherpa', 0.75, 0.72)];
    expect(verdict(run, 'olla ≥ 0.9 × the floor')).toBe(false);
    expect(judgeGoals(run).find((g) => g.goal.startsWith('olla ≥ 0.9 × the floor'))?.measured).toBe(
      '0.740× floor (−26.0 %), median of 1 interleaved rounds; CPU per request 0.730×',
    );
    expect(verdict(run, 'sherpa ≥ 0.7 × the floor')).toBe(true);
    run.weighed = [rounds('sherpa', 0.75, 0.68)];
    expect(verdict(run, 'sherpa ≥ 0.7 × the floor')).toBe(false);
  });

  it('judges what client API keys cost against the olla row, and says so when a row is missing', () => {
    const within = facts([cell('olla', 'json-64', { rps: 10_000 }), cell('olla-keys', 'json-64', { rps: 9_600 })]);
    expect(verdict(within, 'client API keys')).toBe(true);
    expect(judgeGoals(within).find((g) => g.goal.startsWith('client API keys'))?.measured).toBe(
      '0.960× olla (−4.0 %), from the table’s rows',
    );
    const over = facts([cell('olla', 'json-64', { rps: 10_000 }), cell('olla-keys', 'json-64', { rps: 9_400 })]);
    expect(verdict(over, 'client API keys')).toBe(false);
    const erring = facts([
      cell('olla', 'json-64', { rps: 10_000 }),
      cell('olla-keys', 'json-64', { rps: 9_900, errors: 5 }),
    ]);
    expect(verdict(erring, 'client API keys')).toBeUndefined();
    expect(verdict(facts([cell('olla', 'json-64', { rps: 10_000 })]), 'client API keys')).toBeUndefined();
  });

  it('judges a feature on its interleaved rounds when the run made them, not on the rows', () => {
    // The rows say logging costs 22 %; the interleaved rounds, 6 %.
    const run = facts([cell('olla', 'json-64', { rps: 7_800 }), cell('olla-nolog', 'json-64', { rps: 10_000 })]);
    run.weighed = [
      {
        targets: ['olla-nolog', 'olla'],
        rounds: [{ rps: [10_000, 9_400], cpuUs: [80, 84] }],
        processes: 1,
        medianRatio: 0.94,
        medianCpuRatio: 0.952,
      },
    ];
    expect(verdict(run, 'request logging at info costs')).toBe(true);
    expect(judgeGoals(run).find((g) => g.goal.startsWith('request logging'))?.measured).toContain(
      'median of 1 interleaved rounds',
    );
    expect(verdict(facts(run.cells), 'request logging at info costs')).toBe(false);
  });

  it('passes an interleaved feature cost only when requests/s and CPU per request are both within the goal', () => {
    const weighed = (medianRatio: number, medianCpuRatio: number) => {
      const run = facts([]);
      run.weighed = [
        {
          targets: ['olla', 'olla-keys'],
          rounds: [{ rps: [10_000, 10_000 * medianRatio], cpuUs: [100, 100 / medianCpuRatio] }],
          processes: 1,
          medianRatio,
          medianCpuRatio,
        },
      ];
      return run;
    };
    expect(verdict(weighed(0.97, 0.96), 'client API keys')).toBe(true);
    // A lucky round of requests/s does not hide a request that costs 8 % more CPU, nor the reverse.
    expect(verdict(weighed(1.02, 0.92), 'client API keys')).toBe(false);
    expect(verdict(weighed(0.93, 0.99), 'client API keys')).toBe(false);
  });

  it('shows the A/A noise beside an interleaved feature cost', () => {
    const run = facts([]);
    run.weighed = [
      {
        targets: ['olla', 'olla-keys'],
        rounds: [
          { rps: [10_000, 9_800], cpuUs: [100, 102], twin: { rps: 10_300, cpuUs: 99 } },
          { rps: [10_000, 9_800], cpuUs: [100, 102], twin: { rps: 10_300, cpuUs: 99 } },
        ],
        processes: 2,
        medianRatio: 0.98,
        medianCpuRatio: 0.98,
        noise: { medianRatio: 1.03, medianCpuRatio: 1.01 },
      },
    ];
    expect(judgeGoals(run).find((g) => g.goal.startsWith('client API keys'))?.measured).toBe(
      '0.980× olla (−2.0 %), median of 2 interleaved rounds over 2 fresh starts of each process; ' +
        'CPU per request 0.980×; A/A: a second olla 1.030× requests/s, 1.010× CPU per request',
    );
  });

  it('draws no throughput verdict against a reference whose row answered errors', () => {
    const run = facts([
      cell('direct', 'json-1', { p50: 0.2 }),
      cell('olla', 'json-1', { p50: 0.5 }),
      cell('olla-go', 'json-1', { p50: 0.6 }),
      cell('olla', 'json-64', { rps: 9_500 }),
      cell('olla-go', 'json-64', { rps: 12_000, errors: 60_000 }),
      cell('nginx', 'json-64', { rps: 9_000, errors: 3 }),
    ]);
    expect(verdict(run, 'olla ≥ the Go original')).toBeUndefined();
    expect(verdict(run, 'olla ≥ 0.5 × nginx')).toBeUndefined();
    expect(judgeGoals(run).find((g) => g.goal.startsWith('olla ≥ the Go'))?.measured).toMatch(/60000 errors/);
  });

  it('judges added p50 against the direct row, not raw latency', () => {
    const run = (olla: number) =>
      facts([
        cell('direct', 'json-1', { p50: 0.2 }),
        cell('floor', 'json-1', { p50: 0.26 }),
        cell('olla', 'json-1', { p50: olla }),
      ]);
    // +0.07 ms against the floor's +0.06 is within 1.3 ×; +0.10 is not, though 0.30 ms raw is within 1.3 × 0.26.
    expect(verdict(run(0.27), 'olla’s added p50')).toBe(true);
    expect(verdict(run(0.3), 'olla’s added p50')).toBe(false);
  });

  it('weighs request logging as olla against olla-nolog, and sherpa and 10 MB bodies against the floor', () => {
    const run = facts([
      cell('floor', 'json-64', { rps: 10_000 }),
      cell('olla', 'json-64', { rps: 8_500 }),
      cell('olla-nolog', 'json-64', { rps: 10_000 }),
      cell('sherpa', 'json-64', { rps: 7_100 }),
      cell('floor', 'body-10mb', { rps: 50 }),
      cell('olla', 'body-10mb', { rps: 44 }),
    ]);
    expect(verdict(run, 'request logging at info costs')).toBe(false);
    expect(verdict(run, 'sherpa ≥ 0.7')).toBe(true);
    expect(verdict(run, 'olla ≥ 0.9 × the floor’s requests/s with 10 MB')).toBe(false);
    const quiet = facts([cell('olla', 'json-64', { rps: 9_100 }), cell('olla-nolog', 'json-64', { rps: 10_000 })]);
    expect(verdict(quiet, 'request logging at info costs')).toBe(true);
  });

  it('leaves a target it has no row for undecided rather than failed', () => {
    const run = facts([cell('olla', 'json-64', { rps: 9_500 })]);
    expect(verdict(run, 'olla ≥ 10 × Portkey')).toBeUndefined();
    expect(verdict(run, 'olla ≥ the Go original')).toBeUndefined();
    expect(verdict(run, 'start-up')).toBeUndefined();
  });

  it('judges idle memory at rest, and shows the figure just after the first request and the wake-ups beside it', () => {
    const idle = (justStarted: number, atRest: number) =>
      facts([], { idleRss: { justStarted, atRest, wakeupsPerSecond: 2.54 } });
    expect(verdict(idle(72 * MB, 68 * MB), 'idle RSS')).toBe(true);
    expect(verdict(idle(69 * MB, 71 * MB), 'idle RSS')).toBe(false);
    expect(judgeGoals(idle(72.5 * MB, 67.6 * MB)).find((g) => g.goal.startsWith('idle RSS'))?.measured).toBe(
      '67.6 MB at rest (72.5 MB just after its first request; at rest its main thread woke 2.5 times a second)',
    );
    expect(verdict(facts([]), 'idle RSS')).toBeUndefined();
  });

  it('fails memory per stream when not every stream was flowing, however little they cost', () => {
    const held = { requested: 1000, opened: 50, rssBefore: 60 * MB, rssWith: 61 * MB };
    expect(verdict(facts([cell('olla', 'idle-1000', { held })]), '≤ 32 KB')).toBe(false);
    const all = { ...held, opened: 1000 };
    expect(verdict(facts([cell('olla', 'idle-1000', { held: all })]), '≤ 32 KB')).toBe(true);
  });

  it('counts 10,000 streams held only when that many were asked for and every one flowed', () => {
    const held = (requested: number, opened: number) => ({ requested, opened, rssBefore: 60 * MB, rssWith: 61 * MB });
    const judge = (h: ReturnType<typeof held>) =>
      verdict(facts([cell('olla', 'idle-1000', { held: h })]), '10,000 concurrent');
    expect(judge(held(1000, 1000))).toBe(false);
    expect(judge(held(10_000, 9_999))).toBe(false);
    expect(judge(held(10_000, 10_000))).toBe(true);
  });

  it('judges stream gaps against direct, and tolerates spreads that arrived as null', () => {
    const gap = (p99: number | null) => ({ p50: 1, p99, max: 5 }) as Measurement['gap'];
    const run = facts([
      cell('direct', 'sse-200', { p50: 2, gap: gap(1.5) }),
      cell('olla', 'sse-200', { p50: 2.4, gap: gap(2.2) }),
      cell('direct', 'ndjson-200', { p50: 2, gap: gap(1.5) }),
      cell('olla', 'ndjson-200', { p50: 2.4, gap: gap(null) }),
    ]);
    expect(verdict(run, 'sse-200: added time to first byte')).toBe(true);
    expect(verdict(run, 'sse-200: inter-token gap')).toBe(true);
    expect(verdict(run, 'ndjson-200: inter-token gap')).toBeUndefined();
  });

  it('judges the first byte on the interleaved baseline when the cell has one, not on the direct row', () => {
    const run = facts([
      cell('direct', 'sse-200', { p50: 1 }),
      cell('olla', 'sse-200', { p50: 2.4, ttfbAdded: 0.3 }),
      cell('direct', 'ndjson-200', { p50: 3 }),
      cell('olla', 'ndjson-200', { p50: 2.4, ttfbAdded: 0.7 }),
    ]);
    expect(verdict(run, 'sse-200: added time to first byte')).toBe(true);
    expect(verdict(run, 'ndjson-200: added time to first byte')).toBe(false);
    expect(renderTable(run)).toContain('| olla | sse-200 | – | 2.400 | – | – | +0.300 |');
  });
});

describe('renderTable', () => {
  it('shows throughput as a ratio of nginx and of the floor in the same scenario', () => {
    const table = renderTable(
      facts([
        cell('floor', 'json-64', { rps: 10_000 }),
        cell('nginx', 'json-64', { rps: 20_000 }),
        cell('olla', 'json-64', { rps: 9_000 }),
      ]),
    );
    expect(table.split('\n').find((line) => line.startsWith('| olla'))).toContain('| 0.45× | 0.90× |');
  });

  it("gives a stream's added time to the response head beside its gaps", () => {
    const gap = { p50: 1.2, p99: 1.8, max: 2 };
    const table = renderTable(
      facts([cell('olla', 'sse-200', { p50: 3.1, ttfbAdded: 0.9, headAdded: 0.75, gap, chunksPerStream: 194 })]),
    );
    expect(table).toContain('| head +0.750 ms; gap p50 1.200 / p99 1.800 ms, 194 chunks/stream |');
  });

  it('keeps a row for a target that did not run, with the reason', () => {
    const table = renderTable(
      facts([{ target: 'nginx', scenario: 'json-1', scenarioTitle: 'x', note: 'did not start' }]),
    );
    expect(table).toContain('did not start');
  });
});

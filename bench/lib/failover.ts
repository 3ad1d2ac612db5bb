/**
 * The failover scenario (issue 14): three vLLM-type mocks in processes of their own, 16 requests
 * in flight through the proxy, one node at a time SIGKILLed and restarted on its port 0.5–1.5 s
 * later, on fixed seeds. Reports requests lost (and hung) for Olla and, when OLLA_REFERENCE_BIN
 * is set, for the Go original reading the same YAML.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  describeKillSchedule,
  type KillableMock,
  type KillScheduleResult,
  runKillSchedule,
  startKillableMocks,
} from '../../test/stress/kill-schedule.js';
import { quietOllaConfig } from './configs.js';
import { BenchProcess, freePort, waitForHttp } from './processes.js';

const SEEDS = [14, 2718, 424242];
const KILLS_PER_SEED = 5;
const NAMES = ['vllm-1', 'vllm-2', 'vllm-3'];

export interface FailoverRow {
  target: string;
  sent: number;
  lost: number;
  hung: number;
  cutStreams: number;
  /** Cut streams that ended with an error event in their own format rather than a dropped connection. */
  cutWithErrorEvent: number;
  kills: number;
  lines: string[];
}

function failoverConfig(port: number, mocks: readonly KillableMock[]): string {
  return quietOllaConfig({
    port,
    engine: 'olla',
    loadBalancer: 'least-connections',
    logLevel: 'error',
    endpoints: mocks.map((mock) => ({
      url: mock.url,
      name: mock.name,
      type: 'vllm',
      check_interval: '1s',
      check_timeout: '500ms',
    })),
  });
}

async function measure(target: string, command: readonly string[], workDir: string): Promise<FailoverRow> {
  const mocks = await startKillableMocks(NAMES);
  const port = await freePort();
  const file = join(workDir, `failover-${target}.yaml`);
  writeFileSync(file, failoverConfig(port, mocks));
  const proc = new BenchProcess(target, command[0]!, [...command.slice(1), '--config', file], {});
  const url = `http://127.0.0.1:${port}`;
  const results: KillScheduleResult[] = [];
  try {
    await waitForHttp(`${url}/internal/health`, { timeoutMs: 30_000, status: 200, server: proc });
    // Every node healthy and its model discovered before the first kill.
    await waitForHttp(`${url}/olla/proxy/v1/models`, { timeoutMs: 15_000, status: 200, server: proc });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const seed of SEEDS) {
      results.push(await runKillSchedule({ seed, baseUrl: url, mocks, kills: KILLS_PER_SEED, concurrency: 16 }));
    }
  } finally {
    await proc.stop();
    await Promise.all(mocks.map((mock) => mock.kill()));
  }
  const sum = (pick: (r: KillScheduleResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  return {
    target,
    sent: sum((r) => r.sent),
    lost: sum((r) => r.lost.length),
    hung: sum((r) => r.hung),
    cutStreams: sum((r) => r.interrupted.length),
    cutWithErrorEvent: sum((r) => r.interrupted.length - r.cutWithoutErrorFrame.length),
    kills: sum((r) => r.kills.length),
    lines: results.map(describeKillSchedule),
  };
}

/** Runs the scenario for Olla (`ollaCommand`) and, when built, the Go original. */
export async function runFailoverScenario(
  ollaCommand: readonly string[],
  workDir: string,
  log: (message: string) => void,
): Promise<FailoverRow[]> {
  const rows: FailoverRow[] = [];
  log('failover: olla under SIGKILL schedules');
  rows.push(await measure('olla', ollaCommand, workDir));
  const reference = process.env.OLLA_REFERENCE_BIN;
  if (reference) {
    log('failover: olla-go under the same schedules');
    rows.push(await measure('olla-go', [reference], workDir));
  }
  return rows;
}

/** The markdown section for docs/benchmarks.md. */
export function renderFailover(rows: readonly FailoverRow[]): string {
  const lines = [
    '## Failover under SIGKILL',
    '',
    `Three vLLM-type mocks, least-connections, 1 s checks, 16 requests in flight; one node at a time SIGKILLed and restarted on its port 0.5–1.5 s later (seeds ${SEEDS.join(', ')}, ${KILLS_PER_SEED} kills each). A stream cut mid-way by its node's death is the only allowed loss; it should end with an error event in its own format, not a dropped connection.`,
    '',
    '| target | sent | lost | hung | streams cut by a kill | of them ending with an error event | kills |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.target} | ${r.sent} | ${r.lost} | ${r.hung} | ${r.cutStreams} | ${r.cutWithErrorEvent} | ${r.kills} |`,
    ),
    '',
    ...(rows.some((r) => r.target === 'olla-go') ? [] : ['No olla-go row (set OLLA_REFERENCE_BIN).', '']),
    ...rows.flatMap((r) => r.lines.map((line) => `- ${r.target}, ${line}`)),
    '',
  ];
  return lines.join('\n');
}

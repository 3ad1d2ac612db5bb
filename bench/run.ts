/**
 * `npm run bench`: Olla against the mock backend, next to the floor and the reference proxies,
 * one process each, load from separate processes; prints the table and the issue's targets and
 * writes both to docs/benchmarks.md (a whole run at the shipped defaults only: one narrowed by
 * --only or --scenarios, or run with --quick or --tuned, prints its table and leaves the file be).
 *
 *   npm run bench                              about 5 minutes: 5 s a cell
 *   npm run bench -- --quick                   about 3 minutes: 2 s a cell
 *   npm run bench -- --tuned                   Olla with request logging off and warn logs (the best case)
 *   npm run bench -- --only olla,nginx         these targets (and "direct", which every row is measured from)
 *   npm run bench -- --scenarios startup,idle-1000   these scenarios only ("startup" is Olla's start-up time)
 *   npm run bench -- --idle-streams 9000       streams held open in idle-1000 (1,000 unless given)
 *   npm run bench -- --install-references      install nginx, HAProxy and Portkey's gateway, then exit
 *   OLLA_REFERENCE_BIN=/path/to/olla npm run bench    adds the Go original's row
 *   LiteLLM's row needs bench/litellm-venv (--install-references makes it), skipped with a reason otherwise
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildProject } from './lib/build.js';
import { describeOllaConfig } from './lib/configs.js';
import { type FailoverRow, renderFailover, runFailoverScenario } from './lib/failover.js';
import { type Interleaved, interleave } from './lib/interleaved.js';
import { THROUGHPUT_GENERATOR } from './lib/load.js';
import { describeMachine, versionOf } from './lib/machine.js';
import { ensureFileLimit, type FileLimit, filesNeeded } from './lib/file-limit.js';
import { PeakRss, rssOf, wakeupsOf } from './lib/memory.js';
import { measureMixedModels } from './lib/mixed-models.js';
import { type RunningMock, startMock } from './lib/mock.js';
import { stopAll, waitForHttp } from './lib/processes.js';
import { type Cell, INTERLEAVED_GOALS, judgeGoals, type RunFacts, renderGoals, renderTable } from './lib/report.js';
import { GROUPS, type Pace, readinessSpec, type ScenarioGroup } from './lib/scenarios.js';
import { measureStartup } from './lib/startup.js';
import { LITELLM_VENV, OLLA_ENTRY, PORTKEY_DIR, TARGETS, type Target, type TargetEnv } from './lib/targets.js';

/** The `--scenarios` name of Olla's start-up time, measured beside the scenario groups. */
const STARTUP = 'startup';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIRECT = TARGETS.find((t) => t.name === 'direct')!;
const OUTPUT = join(ROOT, 'docs/benchmarks.md');

const USAGE =
  'usage: npm run bench -- [--quick] [--tuned] [--only target,target] [--scenarios id,id] [--idle-streams n] [--install-references]';

/** A mistyped option ends the bench with what was wrong and the usage, not a stack trace. */
function refuse(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function parseBenchArgs() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        tuned: { type: 'boolean', default: false },
        only: { type: 'string' },
        scenarios: { type: 'string' },
        'idle-streams': { type: 'string' },
        'install-references': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    return refuse((error as Error).message);
  }
}

const args = parseBenchArgs();

if (args.help) {
  console.log(USAGE);
  console.log(`targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  console.log(`scenarios: ${[...GROUPS.flatMap((g) => g.scenarios.map((s) => s.id)), STARTUP].join(', ')}`);
  process.exit(0);
}

if (args['install-references']) {
  const install = spawnSync('bash', [join(ROOT, 'bench/install-references.sh')], { stdio: 'inherit' });
  process.exit(install.status ?? 1);
}

const idleStreams = args['idle-streams'] === undefined ? 1000 : Number(args['idle-streams']);
if (!Number.isInteger(idleStreams) || idleStreams < 1) refuse('--idle-streams takes a positive whole number');
const pace: Pace = args.quick
  ? { seconds: 2, warmupSeconds: 1, idleStreams, openTimeoutMs: 4000 + idleStreams, minStreams: 10 }
  : { seconds: 5, warmupSeconds: 1, idleStreams, openTimeoutMs: 6000 + idleStreams, minStreams: 40 };

const ollaConfigKind = args.tuned ? 'tuned' : 'shipped';
// Raised before any process starts, so each inherits it (file-limit.ts).
const fileLimit = ensureFileLimit(filesNeeded(idleStreams));

/** The open-file limit line of the machine section. */
function describeFileLimit(files: FileLimit): string {
  const raised = files.raisedFrom === undefined ? '' : ` (raised from ${files.raisedFrom} with prlimit)`;
  return `- open files per process: ${files.limit}${raised}${files.shortfall ? `; too few: ${files.shortfall}` : ''}`;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function chooseTargets(): { targets: Target[]; skipped: RunFacts['skipped'] } {
  const wanted = args.only?.split(',').map((name) => name.trim());
  const unknown = wanted?.filter((name) => !TARGETS.some((t) => t.name === name)) ?? [];
  if (unknown.length > 0)
    refuse(`unknown target ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  const targets: Target[] = [];
  const skipped: RunFacts['skipped'] = [];
  for (const target of TARGETS) {
    if (wanted && target.name !== 'direct' && !wanted.includes(target.name)) continue;
    const reason = target.unavailable();
    if (reason) skipped.push({ target: target.name, reason });
    else targets.push(target);
  }
  return { targets, skipped };
}

/**
 * The scenario groups `--scenarios` asks for (each keeping only the scenarios named), whether
 * start-up is measured, and whether the whole run is (failover and mixed models come only with it).
 */
function chooseScenarios(): { groups: ScenarioGroup[]; startup: boolean; everything: boolean } {
  const wanted = args.scenarios?.split(',').map((id) => id.trim());
  if (!wanted) return { groups: [...GROUPS], startup: true, everything: true };
  const known = [...GROUPS.flatMap((g) => g.scenarios.map((s) => s.id as string)), STARTUP];
  const unknown = wanted.filter((id) => !known.includes(id));
  if (unknown.length > 0) refuse(`unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const groups = GROUPS.map((g) => ({ ...g, scenarios: g.scenarios.filter((s) => wanted.includes(s.id)) })).filter(
    (g) => g.scenarios.length > 0,
  );
  return { groups, startup: wanted.includes(STARTUP), everything: false };
}

/** When the olla engine's idle memory is read, counted from its first request served. */
const IDLE_JUST_STARTED_MS = 2_000;
const IDLE_AT_REST_MS = 30_000;
/** The wake-ups at rest are counted over the last this many ms before the at-rest reading. */
const IDLE_WAKEUPS_MS = 10_000;

/** Starts `target` on `mock`, runs the group's scenarios on it, stops it. */
async function runTarget(target: Target, group: ScenarioGroup, mock: RunningMock, env: TargetEnv, facts: RunFacts) {
  const cells = (note: string) =>
    group.scenarios.map((s) => ({ target: target.name, scenario: s.id, scenarioTitle: s.title, note }));
  let running: Awaited<ReturnType<Target['start']>>;
  try {
    running = await target.start(mock, env);
    const probe = readinessSpec(running.url, target.route('openai-chat', mock)!);
    await waitForHttp(probe.url, {
      timeoutMs: 30_000,
      status: 200,
      init: { method: 'POST', headers: probe.headers, body: probe.body },
    });
  } catch (error) {
    log(`${target.name} did not start: ${(error as Error).message}`);
    facts.cells.push(...cells(`did not start: ${(error as Error).message.split('\n')[0]}`));
    return;
  }
  if (target.name === 'olla' && group.scenarios.some((s) => s.id === 'idle-1000')) {
    // Started, one request served, then left alone with its health checks running. Two seconds in,
    // start-up's garbage is still resident: V8's memory reducer takes it only once the process
    // has been quiet for a while (some 10 to 20 s here), so at rest is read well after that.
    await sleep(IDLE_JUST_STARTED_MS);
    const justStarted = rssOf(running.pid);
    await sleep(IDLE_AT_REST_MS - IDLE_WAKEUPS_MS - IDLE_JUST_STARTED_MS);
    const wakeups = wakeupsOf(running.pid);
    await sleep(IDLE_WAKEUPS_MS);
    const wakeupsPerSecond = (wakeupsOf(running.pid) - wakeups) / (IDLE_WAKEUPS_MS / 1000);
    facts.idleRss = { justStarted, atRest: rssOf(running.pid), wakeupsPerSecond };
  }
  try {
    for (const scenario of group.scenarios) {
      const cell: Cell = { target: target.name, scenario: scenario.id, scenarioTitle: scenario.title };
      facts.cells.push(cell);
      const route = target.route(scenario.api, mock);
      if (!route) {
        cell.note = 'not served by this target';
        continue;
      }
      log(`${target.name}: ${scenario.title}`);
      const peak = new PeakRss(running.pid);
      try {
        const directRoute = target.name === 'direct' ? undefined : DIRECT.route(scenario.api, mock);
        cell.measured = await scenario.measure({
          url: running.url,
          route,
          pid: running.pid,
          pace,
          workDir: env.workDir,
          ...(directRoute ? { direct: { url: mock.url, route: directRoute } } : {}),
        });
        cell.peakRss = peak.read();
        if (!peak.perCell) cell.note = 'peak RSS since start-up';
      } catch (error) {
        cell.note = `failed: ${(error as Error).message.split('\n')[0]}`;
        log(`${target.name} ${scenario.id} failed: ${(error as Error).message}`);
      }
    }
  } finally {
    await running.stop();
  }
}

function referenceVersions(): string[] {
  const lines = [`- nginx: ${versionOf('nginx', ['-v']) ?? 'not installed'}`];
  lines.push(`- HAProxy: ${versionOf('haproxy', ['-v']) ?? 'not installed'}`);
  const portkey = versionOf(process.execPath, [
    '-p',
    `require(${JSON.stringify(join(PORTKEY_DIR, 'node_modules/@portkey-ai/gateway/package.json'))}).version`,
  ]);
  lines.push(`- Portkey gateway: ${portkey && /^\d/.test(portkey) ? portkey : 'not installed'}`);
  const litellm = versionOf(join(LITELLM_VENV, 'bin/python'), [
    '-c',
    'import importlib.metadata as m; print(m.version("litellm"))',
  ]);
  lines.push(`- LiteLLM: ${litellm ?? 'not installed'}`);
  return lines;
}

function document(facts: RunFacts, targets: Target[]): string {
  const goals = judgeGoals(facts);
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); run it again to refresh this page. Every server under test, the mock',
    'backend and each load generator run as separate processes on the same machine, so the figures include their',
    'contention for its cores. Absolute numbers vary with the machine and the day; the ratios within one run are what',
    'the targets are judged on.',
    '',
    '## Machine',
    '',
    ...describeMachine(),
    `- mode: ${args.quick ? '--quick, 2 s a cell' : '5 s a cell'} after a 1 s warm-up${args.only ? `, --only ${args.only}` : ''}${args.scenarios ? `, --scenarios ${args.scenarios}` : ''}, ${pace.idleStreams.toLocaleString('en-AU')} held streams`,
    describeFileLimit(fileLimit),
    `- Olla and the floor: ${facts.compiled ? 'compiled with tsc into dist/, run with node' : 'TypeScript sources under tsx (the build failed)'}`,
    `- Olla's configuration: ${describeOllaConfig(ollaConfigKind)}`,
    ...referenceVersions(),
    '',
    '## Targets measured',
    '',
    ...targets.map((t) => `- **${t.name}**: ${t.description}`),
    ...facts.skipped.map((s) => `- ~~${s.target}~~ skipped: ${s.reason}`),
    '',
    '## Results',
    '',
    renderTable(facts),
    '',
    'How to read it: *added* is the target minus `direct` (the mock hit with nothing in between). For the stream rows',
    'the latency columns are time to first byte and *details* gives the time added to the response head (the mock',
    'sends it at once, its first token a millisecond later, so what the head gains is the request path’s, not the',
    'relaying of tokens), the gap between chunks (with its p99 minus direct’s) and how many chunks a 200-token',
    'stream arrived in; their *added p50* and head are taken against streams straight to the mock interleaved one',
    `for one with the target’s (bench/lib/stream-client.ts), at least ${pace.minStreams} of each, not against the`,
    'direct row. The 1-connection rows are timed per request to the',
    `microsecond by bench/lib/latency-client.ts; the 64-connection and 10 MB rows come from ${THROUGHPUT_GENERATOR}`,
    THROUGHPUT_GENERATOR === 'autocannon'
      ? '(wrk was not installed), whose histogram counts whole milliseconds. Peak RSS'
      : '(one C thread driving every connection; autocannon where wrk is not installed). Peak RSS',
    'is the target process tree’s high-water mark during that row',
    `(\`VmHWM\`, reset before each row). Held streams: resident memory grown while ${pace.idleStreams.toLocaleString('en-AU')} streams are open, divided by that`,
    'number (after a warm-up round of 100); a stream counts as flowing once its first token has arrived. Idle RSS: the olla',
    `engine ${IDLE_AT_REST_MS / 1000} s after it served its first request, left alone with its health checks running (and`,
    `${IDLE_JUST_STARTED_MS / 1000} s after it, before V8’s memory reducer has taken start-up’s garbage); its wake-ups are its main`,
    `thread’s voluntary context switches in the last ${IDLE_WAKEUPS_MS / 1000} s before the reading at rest.`,
    'The goals against the floor at 64 connections, and the costs of client keys and request logging, are judged',
    'on rounds of that load alternating between the two processes of each pair (bench/lib/interleaved.ts), not on',
    'the table’s rows, which run one after another and land up to 15 % apart even for identical processes.',
    '',
    '## Targets from the issue (olla engine)',
    '',
    renderGoals(goals),
    '',
  ].join('\n');
}

/**
 * The pairs of INTERLEAVED_GOALS, each weighed interleaved (see lib/interleaved.ts): Olla against
 * the floor, and what client keys and request logging cost against the same config without them.
 * Their goals are finer than the table's one-after-the-other rows can resolve.
 */
async function weighInterleaved(targets: readonly Target[], env: TargetEnv): Promise<Interleaved[]> {
  const has = (name: string) => targets.find((t) => t.name === name);
  const pairs = INTERLEAVED_GOALS.map(({ off, on }) => [has(off), has(on)] as const).filter(
    (pair): pair is readonly [Target, Target] => pair[0] !== undefined && pair[1] !== undefined,
  );
  if (pairs.length === 0) return [];
  const mock = await startMock(GROUPS[0]!.mock);
  try {
    const weighed: Interleaved[] = [];
    for (const pair of pairs) {
      log(`${pair[1].name} against ${pair[0].name}, interleaved`);
      // Eight rounds with an A/A twin: the median of six moved by ±7 %, more than the 5 % goal. The
      // rounds are shared among four fresh starts of each process: one process's luck at start
      // (5–8 % between identical ones) would otherwise decide the verdict.
      const rounds = args.quick ? 4 : 8;
      const processes = args.quick ? 2 : 4;
      weighed.push(
        await interleave(pair, mock, env, { rounds, processes, seconds: pace.seconds > 2 ? 3 : 2, twin: true }),
      );
    }
    return weighed;
  } finally {
    await mock.process.stop();
  }
}

async function main(): Promise<void> {
  const { targets, skipped } = chooseTargets();
  const chosen = chooseScenarios();
  // Start-up is timed against the first group's mock; asked for alone it still needs that mock.
  const groups = chosen.groups.length > 0 ? chosen.groups : [{ ...GROUPS[0]!, scenarios: [] }];
  for (const s of skipped) log(`skipping ${s.target}: ${s.reason}`);
  const started = Date.now();
  log(`Olla's configuration: ${describeOllaConfig(ollaConfigKind)}`);
  if (fileLimit.shortfall) log(`open files: ${fileLimit.shortfall}; the held streams may fail`);
  log('building Olla and the floor (tsc -p bench/tsconfig.build.json)');
  const { command, built } = buildProject(ROOT, log);
  const workDir = mkdtempSync(join(tmpdir(), 'olla-bench-'));
  const env: TargetEnv = { workDir, project: command, ollaConfig: ollaConfigKind };
  const facts: RunFacts = { cells: [], skipped, compiled: built, fileShortfall: fileLimit.shortfall };
  let failover: FailoverRow[] = [];
  try {
    for (const group of groups) {
      log(`mock: ${group.name}`);
      const mock = await startMock(group.mock);
      try {
        if (group.scenarios.length > 0) for (const target of targets) await runTarget(target, group, mock, env, facts);
        if (group === groups[0] && chosen.startup && targets.some((t) => t.name === 'olla')) {
          log('olla: start-up time');
          facts.startup = await measureStartup(mock, env, 5);
        }
      } finally {
        await mock.process.stop();
      }
    }
    if (chosen.everything) facts.weighed = await weighInterleaved(targets, env);
    if (chosen.everything && targets.some((t) => t.name === 'olla'))
      failover = await runFailoverScenario(command(OLLA_ENTRY), workDir, log);
  } finally {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
  // Group the rows by scenario, targets in their usual order, so each comparison reads down a block.
  const order = (cell: Cell) => GROUPS.flatMap((g) => g.scenarios).findIndex((s) => s.id === cell.scenario);
  facts.cells.sort((a, b) => order(a) - order(b));
  const markdown = [
    document(facts, targets),
    ...(chosen.everything ? await measureMixedModels(log) : []),
    ...(failover.length > 0 ? [renderFailover(failover)] : []),
  ].join('\n');
  console.log(markdown);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  // The document is the record of a whole run at the shipped defaults: a narrowed, quick or tuned
  // run stands beside it on the terminal, never in its place.
  if (chosen.everything && args.only === undefined && !args.quick && !args.tuned) {
    writeFileSync(OUTPUT, markdown);
    log(`done in ${seconds} s; wrote ${OUTPUT}`);
  } else log(`done in ${seconds} s; a partial, quick or tuned run, so ${OUTPUT} is left as it was`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().then(() => process.exit(130));
  });
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});

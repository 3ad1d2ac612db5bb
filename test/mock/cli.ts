/**
 * Run mock backends from the command line, for the benchmarks (as a separate process) and by hand:
 *
 *   npx tsx test/mock/cli.ts --flavour ollama --port 11434 --name desk --models llama3.2:3b,qwen2.5:7b \
 *     --tokens 200 --delay 0 --and --flavour vllm --port 8000 --name rack --models qwen2.5:7b
 *
 * `--and` starts the options of another mock. Each mock prints one line when it listens (a JSON
 * object with `--json` anywhere, for a parent process to read). SIGINT or SIGTERM stops them all.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  MOCK_FLAVOURS,
  type MockBackend,
  type MockBackendOptions,
  type MockFlavour,
  startMockBackend,
} from './backend.js';

const USAGE = `usage: cli.ts [--flavour F] [--port N] [--name S] [--models a,b] [--tokens N] [--delay MS]
              [--auth-token T] [--fault SPEC] [--anthropic | --no-anthropic] [--json] [--and ...]
flavours: ${MOCK_FLAVOURS.join(', ')}`;

const OPTIONS = {
  flavour: { type: 'string' },
  port: { type: 'string' },
  name: { type: 'string' },
  models: { type: 'string' },
  tokens: { type: 'string' },
  delay: { type: 'string' },
  'auth-token': { type: 'string' },
  fault: { type: 'string' },
  anthropic: { type: 'boolean' },
  'no-anthropic': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

interface MockArgs {
  options: MockBackendOptions;
  json: boolean;
  help: boolean;
}

/** One mock's options from its share of the command line. */
export function parseMockArgs(args: string[], position: number): MockArgs {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false });
  const flavour = (values.flavour ?? 'ollama') as MockFlavour;
  if (!MOCK_FLAVOURS.includes(flavour)) throw new RangeError(`unknown flavour "${values.flavour}"`);
  const options: MockBackendOptions = {
    name: values.name ?? `mock-${position + 1}`,
    flavour,
    port: integer(values.port, 'port') ?? 0,
    models: values.models?.split(',').filter((model) => model !== '') ?? ['mock-model'],
    tokens: integer(values.tokens, 'tokens') ?? 10,
    tokenDelayMs: integer(values.delay, 'delay') ?? 0,
  };
  if (values['auth-token']) options.authToken = values['auth-token'];
  if (values.fault) options.fault = values.fault;
  if (values.anthropic) options.anthropic = true;
  if (values['no-anthropic']) options.anthropic = false;
  return { options, json: values.json ?? false, help: values.help ?? false };
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new RangeError(`--${name} wants a whole number, got "${value}"`);
  return Number(value);
}

/** Split the command line at each `--and`. */
export function splitGroups(argv: string[]): string[][] {
  const groups: string[][] = [[]];
  for (const arg of argv) {
    if (arg === '--and') groups.push([]);
    else groups[groups.length - 1]!.push(arg);
  }
  return groups;
}

function describe(mock: MockBackend, models: MockBackendOptions['models'], json: boolean): string {
  const names = (models ?? []).map((model) => (typeof model === 'string' ? model : model.name));
  if (json) {
    return JSON.stringify({
      name: mock.name,
      flavour: mock.flavour,
      url: mock.url,
      port: mock.port,
      healthPath: mock.healthPath,
      models: names,
    });
  }
  return `mock ${mock.name} (${mock.flavour}) listening on ${mock.url}  health ${mock.healthPath}  models ${names.join(', ')}`;
}

async function main(argv: string[]): Promise<void> {
  const parsed = splitGroups(argv).map(parseMockArgs);
  if (parsed.some((group) => group.help)) {
    console.log(USAGE);
    return;
  }
  // One output format for the whole process, whichever group asked for it.
  const json = parsed.some((group) => group.json);
  const mocks: MockBackend[] = [];
  const stopAll = async () => {
    await Promise.all(mocks.map((mock) => mock.close()));
    process.exit(0);
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  for (const { options } of parsed) {
    const mock = await startMockBackend(options);
    mocks.push(mock);
    console.log(describe(mock, options.models, json));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  });
}

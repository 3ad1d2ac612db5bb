// First, before the other modules allocate: see young-generation.ts.
import './cap-young-generation.js';
import { parseArgs } from 'node:util';
import { createOlla } from '../app/app.js';
import { VERSION } from '../app/version.js';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../core/errors.js';
import { createLogger } from '../logger/logger.js';
import { keepWasmInBaseline } from './wasm-baseline.js';
import { releaseYoungGenerationUnderLoad } from './young-generation.js';

const USAGE = `Olla ${VERSION.version}: a proxy and load balancer for LLM backends

Usage: olla [options]

Options:
  -c, --config <file>     config file (default: $OLLA_CONFIG_FILE, then config/config.local.yaml,
                          config/config.yaml, config.yaml, default.yaml)
      --validate-config   check the config and exit 0 (valid) or 1 (invalid) without serving
  -v, --version           print the version and exit
  -h, --help              show this help
`;

function fail(lines: string[]): never {
  process.stderr.write(`olla: invalid configuration\n${lines.map((l) => `  - ${l}`).join('\n')}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>;
  const OPTIONS = {
    config: { type: 'string', short: 'c' },
    'validate-config': { type: 'boolean' },
    version: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  try {
    args = parseArgs({ options: OPTIONS, strict: true });
  } catch (err) {
    process.stderr.write(`olla: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args.values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.values.version) {
    process.stdout.write(`olla ${VERSION.version} (${VERSION.runtime}, ${VERSION.platform})\n`);
    return;
  }

  // Before the first upstream connection compiles llhttp: see wasm-baseline.ts.
  keepWasmInBaseline();

  // Node's default for SIGHUP is to exit, which would cut every stream in flight: take it over
  // before anything else can receive one. Until Olla is up there is nothing to reload.
  let reload: (() => void) | undefined;
  process.on('SIGHUP', () => reload?.());

  const load = () => loadConfig({ file: args.values.config });
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = load();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.issues);
    throw err;
  }
  const { config, warnings } = loaded;

  if (args.values['validate-config']) {
    for (const w of warnings) process.stderr.write(`olla: warning: ${w}\n`);
    process.stdout.write(`olla: ${config.filename || 'built-in defaults'} is valid\n`);
    return;
  }

  const logger = createLogger(config.logging);
  for (const w of warnings) logger.warn(w);

  let olla: Awaited<ReturnType<typeof createOlla>>;
  try {
    olla = await createOlla(config, logger, { configSource: { load, path: config.filename } });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.issues);
    throw err;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // The config in force, so a reloaded server.shutdown_timeout counts.
    const timeoutMs = olla.config.server.shutdownTimeout;
    const deadline = setTimeout(() => {
      logger.warn({ timeout_ms: timeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    await olla.close();
    process.exit(0);
  };
  reload = () => {
    if (!stopping) olla.reload('SIGHUP');
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    await olla.listen();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      process.stderr.write(
        `olla: cannot listen on ${config.server.host}:${config.server.port}: ${e.code} (set server.port or OLLA_SERVER_PORT)\n`,
      );
      process.exit(1);
    }
    throw err;
  }
  // Start-up's allocation is behind us: from here the nursery grows only for heavy load.
  releaseYoungGenerationUnderLoad();
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`olla: unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
});

main().catch((err: unknown) => {
  process.stderr.write(`olla: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

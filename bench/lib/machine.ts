/** A description of the machine a run happened on, for the head of docs/benchmarks.md. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1]!.trim();
  } catch {}
  return os.cpus()[0]?.model ?? 'unknown';
}

/** The first line a command prints about its version (nginx prints it on stderr), or undefined. */
export function versionOf(command: string, args: string[]): string | undefined {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  if (run.error) return undefined;
  return `${run.stdout}${run.stderr}`.split('\n')[0]?.trim() || undefined;
}

export function describeMachine(): string[] {
  const nproc = versionOf('nproc', []) ?? String(os.availableParallelism());
  return [
    `- date: ${new Date().toISOString()}`,
    `- CPUs (nproc): ${nproc} × ${cpuModel()}`,
    `- memory: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node: ${process.version}`,
  ];
}

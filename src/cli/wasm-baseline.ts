/**
 * undici parses every upstream response with llhttp, compiled to WebAssembly. V8 runs it first as
 * baseline (Liftoff) code and recompiles it with TurboFan once it has run a budget's worth. That
 * one compile takes some 35 MB of zone memory on a compiler thread, and glibc keeps most of that
 * thread's arena for good: an idle Olla measured 81.6-82.3 MB in five of seven starts against
 * 72.1-72.6 MB in the others (Node 20). Raising the budget only postponed it: with V8's largest,
 * health checks every 2 s still brought the compile after 530 s.
 *
 * So llhttp stays in baseline code. It parses heads and chunk framing, never body bytes, and an
 * interleaved A/B at 64 connections found no difference in requests/s or CPU a request. V8 marks
 * the flag as meant for testing; an unknown flag costs one line on stderr, not the start-up. A
 * wasm tiering flag on the command line or in NODE_OPTIONS is the user's choice and wins.
 *
 * Node 24's V8 reads the flag only at start: set from here it changes nothing there (24.22.3: an
 * idle Olla at 100.3 MB, 87.5 MB with `node --liftoff-only`; Node 20 and 22.23 take it from here),
 * so the README tells Node 24 users to pass it themselves.
 */
import { setFlagsFromString } from 'node:v8';
import { userGaveFlag } from './user-flags.js';

const TIERING_FLAG = /--(no-)?wasm[-_](dynamic[-_]tiering|tiering[-_]budget|tier[-_]up)|--(no-)?liftoff/;

/** True when the process was started with a flag of its own for wasm tiering. */
export function userTunedWasmTiering(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return userGaveFlag(TIERING_FLAG, execArgv, nodeOptions);
}

/**
 * Keeps WebAssembly in baseline code, unless the user tuned wasm tiering. Called before the first
 * upstream connection compiles llhttp, since the flag is read when a module is compiled.
 */
export function keepWasmInBaseline(): void {
  if (!userTunedWasmTiering(process.execArgv, process.env.NODE_OPTIONS)) setFlagsFromString('--liftoff-only');
}

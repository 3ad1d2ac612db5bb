/**
 * undici parses every upstream response with llhttp, compiled to WebAssembly. V8 runs it first as
 * baseline (Liftoff) code and recompiles it with TurboFan once it has run a budget's worth, and
 * the default budget (1.8 M on Node 20) is spent by the first health checks. That one compile
 * takes some 35 MB of zone memory on a compiler thread, and glibc keeps most of that thread's
 * arena: an idle Olla measured 82 MB in five of seven starts and 72 MB in the other two (Node 20;
 * 100 MB against 87 on Node 24). With a larger budget the compile waits for real traffic, which
 * still reaches it within a second at full load, and throughput at 64 connections is unchanged.
 * The budget is read when llhttp is compiled, on the first upstream connection, so setting it
 * here is in time. A tiering flag on the command line or in NODE_OPTIONS is the user's choice.
 */
import { setFlagsFromString } from 'node:v8';
import { userGaveFlag } from './user-flags.js';

const TIERING_FLAG = /--(no-)?wasm[-_](dynamic[-_]tiering|tiering[-_]budget|tier[-_]up)|--liftoff[-_]only/;
/** V8's largest budget: full load still spends it within a second (13,000 requests a second). */
export const WASM_TIERING_BUDGET = 2_147_483_647;

/** True when the process was started with a flag of its own for wasm tiering. */
export function userTunedWasmTiering(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return userGaveFlag(TIERING_FLAG, execArgv, nodeOptions);
}

/** Leaves llhttp's TurboFan compile to traffic, unless the user tuned wasm tiering. */
export function deferWasmTierUp(): void {
  if (!userTunedWasmTiering(process.execArgv, process.env.NODE_OPTIONS)) {
    setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
  }
}

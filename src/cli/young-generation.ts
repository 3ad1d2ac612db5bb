/**
 * Keeps V8's young generation at its starting size (1 MB semi-spaces) instead of letting it grow
 * to 16 MB ones. A proxy's garbage is short-lived and small, so the larger nursery buys little,
 * yet it is resident for as long as the process lives: some 10 MB of an idle Olla, and half of
 * what each held stream appeared to cost (the nursery grows under the streams' traffic).
 *
 * The heap's sizes are fixed once V8 is running, so `--max-semi-space-size` cannot be set from
 * here; the growth factor is read each time the nursery would grow, so a factor of 1 has the same
 * effect without asking users for a NODE_OPTIONS. A semi-space flag given on the command line or
 * in NODE_OPTIONS is the user's choice and is left alone.
 */
import { setFlagsFromString } from 'node:v8';

const SEMI_SPACE_FLAG = /--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/;

/** True when the process was started with a flag of its own for the young generation. */
export function userSizedYoungGeneration(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, nodeOptions ?? ''].some((arg) => SEMI_SPACE_FLAG.test(arg));
}

/** Stops the young generation growing, unless the user sized it. */
export function capYoungGeneration(): void {
  if (userSizedYoungGeneration(process.execArgv, process.env.NODE_OPTIONS)) return;
  setFlagsFromString('--semi-space-growth-factor=1');
}

#!/usr/bin/env node
/**
 * The `olla` bin: the bundle's entry, which loads the rest of Olla only once Node has been asked to
 * keep V8's compiled code of it on disk (Node 22.1 and later; Node 20 has no such cache). A restart
 * then reads the code it compiled last time instead of compiling it again: on Node 24 that took a
 * tenth off the time to the first /internal/health 200 (294 to 264 ms, medians of 12 starts). The
 * cache goes where Node puts it, os.tmpdir()/node-compile-cache unless NODE_COMPILE_CACHE names
 * another folder, and NODE_DISABLE_COMPILE_CACHE=1 turns it off. A folder that cannot be written
 * costs nothing: Node reports it in the return value, which is not an error worth stopping for.
 */
import module from 'node:module';

(module as typeof module & { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./main.js');

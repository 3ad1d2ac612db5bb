/**
 * The parts of undici Olla uses: `Pool` (the olla engine's upstream pools), `Agent` (health
 * probes) and `request` (probes and model discovery), imported from their own modules. undici's
 * index also builds fetch, WebSocket, the caches, mocks and proxy agents, none of which Olla calls:
 * requiring it cost 40–60 ms of a 400 ms start-up and kept a megabyte of their source in the heap.
 * Imported statically (not required at run time), the build bundles these modules with the rest,
 * so start-up no longer resolves, reads and compiles some thirty files one by one.
 *
 * The index's one piece of wiring is repeated: the request API mixed into `Dispatcher.prototype`
 * (the same assignment, so loading the index as well changes nothing). undici has no `exports`
 * map, so these paths are importable; undici.test.ts checks they are the classes its index
 * exports, so an upgrade that moves them fails the tests rather than start-up.
 */
import type * as Undici from 'undici';
import requestApi from 'undici/lib/api/index.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import UndiciAgent from 'undici/lib/dispatcher/agent.js';
import UndiciPool from 'undici/lib/dispatcher/pool.js';
import undiciGlobal from 'undici/lib/global.js';

export type { Dispatcher } from 'undici';

Object.assign((Dispatcher as { prototype: object }).prototype, requestApi);

export const Pool = UndiciPool as typeof Undici.Pool;
export type Pool = Undici.Pool;
export declare namespace Pool {
  type Options = Undici.Pool.Options;
}
export const Agent = UndiciAgent as typeof Undici.Agent;
export type Agent = Undici.Agent;

const { getGlobalDispatcher } = undiciGlobal as Pick<typeof Undici, 'getGlobalDispatcher'>;

export type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path'> & {
  dispatcher?: Undici.Dispatcher;
};

/** undici's `request(url, options)`: on `options.dispatcher`, or the global one as undici's own does. */
export function request(url: string, options: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options;
  const target = new URL(url);
  return dispatcher.request({ ...rest, origin: target.origin, path: `${target.pathname}${target.search}` });
}

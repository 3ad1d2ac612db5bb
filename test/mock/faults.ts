/** The fault grammar shared by setFault() and the `x-mock-fault` request header. */
import type { MockFault, MockFaultScope } from './types.js';

export const FAULT_HEADER = 'x-mock-fault';

/** Parse `status:503`, `close`, `hang`, `die-mid-stream`, `slow-headers:250`, `garbage` or `huge:1048576`. */
export function parseFault(spec: string): MockFault {
  const colon = spec.indexOf(':');
  const kind = (colon === -1 ? spec : spec.slice(0, colon)).trim();
  const argument = colon === -1 ? undefined : spec.slice(colon + 1).trim();
  switch (kind) {
    case 'close':
    case 'hang':
    case 'die-mid-stream':
    case 'garbage':
      if (argument !== undefined) break;
      return { kind };
    case 'status': {
      const status = integerArgument(argument);
      if (status === undefined || status < 100 || status > 599) break;
      return { kind, status };
    }
    case 'slow-headers': {
      const delayMs = integerArgument(argument);
      if (delayMs === undefined) break;
      return { kind, delayMs };
    }
    case 'huge': {
      const bytes = integerArgument(argument);
      if (bytes === undefined) break;
      return { kind, bytes };
    }
  }
  throw new RangeError(
    `unknown mock fault "${spec}": expected status:<code>, close, hang, die-mid-stream, slow-headers:<ms>, garbage or huge:<bytes>`,
  );
}

function integerArgument(argument: string | undefined): number | undefined {
  if (argument === undefined || !/^\d+$/.test(argument)) return undefined;
  return Number(argument);
}

/** A backend-wide fault with its scope; `remaining` counts down when the scope says `times`. */
export class FaultRule {
  readonly fault: MockFault;
  readonly #paths: ReadonlySet<string> | undefined;
  readonly #pattern: readonly boolean[] | undefined;
  #turn = 0;
  #remaining: number;

  constructor(fault: MockFault, scope: MockFaultScope = {}) {
    this.fault = fault;
    this.#paths = scope.paths ? new Set(scope.paths) : undefined;
    this.#pattern = scope.pattern?.length ? [...scope.pattern] : undefined;
    this.#remaining = scope.times ?? Number.POSITIVE_INFINITY;
  }

  /** Whether the fault hits a request to `path`, using up one of its `times` when it does. */
  take(path: string): boolean {
    if (this.#remaining <= 0 || (this.#paths !== undefined && !this.#paths.has(path))) return false;
    const pattern = this.#pattern;
    if (pattern !== undefined && !pattern[this.#turn++ % pattern.length]) return false;
    this.#remaining--;
    return true;
  }

  get spent(): boolean {
    return this.#remaining <= 0;
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { RateLimitedLog } from '../adapter/proxy/core/rate-limited-log.js';
import { Header } from '../core/constants.js';
import { errorResponse } from '../core/error-body.js';
import { ForwardingLoopError } from '../core/errors.js';
import { passedThrough } from '../core/forwarding-loop.js';
import type { Logger } from '../logger/logger.js';
import { dialectForPath } from './dialect.js';

const LOOP_MESSAGE =
  'forwarding loop: this request has already passed through this Olla, so an endpoint URL leads back to Olla itself';

/**
 * Answers 508 to any request that has already been through this process (its Via names this
 * instance), before any route runs: a proxied request is then not forwarded yet again, and the
 * health check of an endpoint that is Olla itself fails plainly, so the endpoint is never routed
 * to. The answer names the instance in X-Olla-Forwarding-Loop, which is how the health check
 * tells this 508 from a backend's own.
 */
export class ForwardingLoopGuard {
  readonly #instanceToken: string;
  readonly #log: RateLimitedLog;

  constructor(instanceToken: string, logger: Logger) {
    this.#instanceToken = instanceToken;
    // A loop answers every request it catches; the log says so ten times a second at most.
    this.#log = new RateLimitedLog(logger);
  }

  /** Answers `req` when it has looped back and returns true; false lets it through. */
  refused(req: IncomingMessage, res: ServerResponse): boolean {
    const via = req.headers.via;
    if (via === undefined || !passedThrough(via, this.#instanceToken)) return false;
    this.#log.warn(
      { method: req.method, path: req.url, via },
      'forwarding loop: a request came back to this Olla; an endpoint in discovery.static.endpoints leads back to it',
    );
    const answer = errorResponse(new ForwardingLoopError(LOOP_MESSAGE), dialectForPath(req.url ?? '/'));
    res.writeHead(answer.status, { ...answer.headers, [Header.forwardingLoop]: this.#instanceToken });
    res.end(answer.body);
    return true;
  }
}

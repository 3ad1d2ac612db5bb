/**
 * Health checks over HTTP: one independent timer per endpoint, so a slow or hung node never
 * delays the checks of the others, each rescheduled on the endpoint's backoff.
 */
import { Agent } from '../http/undici.js';
import { APP_NAME } from '../../core/constants.js';
import { type Endpoint, type EndpointStatus, isRoutable } from '../../core/domain/endpoint.js';
import type { HealthChecker, HealthTransition } from '../../core/ports/endpoints.js';
import { nextBackoff } from './backoff.js';
import { BREAKER_REJECTED, type CircuitBreakerRegistry } from './circuit-breaker.js';
import { breakerVerdict, SLOW_RESPONSE_THRESHOLD_MS } from './classify.js';
import { failed, type ProbeResult, probeEndpoint } from './probe.js';

export interface HealthLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface HttpHealthCheckerOptions {
  /** Wait before an endpoint's first check after `start()` (`discovery.health_check.initial_delay`). */
  initialDelayMs: number;
  /** Shared with the proxy engines, so failed proxied requests and failed probes add up. */
  breakers: CircuitBreakerRegistry;
  logger?: HealthLogger;
  /** Called after any endpoint's status changes, before transition listeners run. */
  onStatusChanged?: () => void;
  /** Clock in epoch ms for `lastChecked`, `nextCheckTime` and Retry-After; tests pass a fake one. */
  now?: () => number;
  /** A 2xx slower than this is `busy`. */
  slowThresholdMs?: number;
  /** Sent as User-Agent on probes; the composition root adds the version. */
  userAgent?: string;
  /** Sent as Via on probes, naming this Olla, so an endpoint whose URL leads back to it is caught. */
  via?: string;
}

/** Per-endpoint scheduling state, kept off the Endpoint so status pages never see it. */
interface Schedule {
  readonly endpoint: Endpoint;
  /** Bound once so rescheduling allocates no closure. */
  readonly fire: () => void;
  timer: NodeJS.Timeout | undefined;
  inFlight: Promise<void> | undefined;
  /** Epoch ms before which a 429ing endpoint is left alone; 0 = not throttled. */
  rateLimitedUntil: number;
  /** Epoch ms of the endpoint's last status change; requests sent before it report stale news. */
  statusChangedAt: number;
}

/** Mirrors the original's probe budget (retries run inside twice the check timeout) plus slack. */
function trialStalenessMs(endpoint: Endpoint): number {
  return endpoint.checkTimeout * 2 + 1000;
}

const CIRCUIT_OPEN = 'circuit breaker is open';
/** Ongoing failures are logged every this many checks rather than every time. */
const STILL_FAILING_LOG_EVERY = 5;

const silentLogger: HealthLogger = { info() {}, warn() {}, debug() {} };

export class HttpHealthChecker implements HealthChecker {
  #schedules = new Map<string, Schedule>();
  readonly #listeners = new Set<(transition: HealthTransition) => void>();
  readonly #initialDelayMs: number;
  readonly #breakers: CircuitBreakerRegistry;
  readonly #logger: HealthLogger;
  readonly #onStatusChanged: (() => void) | undefined;
  readonly #now: () => number;
  readonly #slowThresholdMs: number;
  readonly #userAgent: string;
  readonly #via: string | undefined;
  #running = false;
  #stopping = new AbortController();
  #agent: Agent | undefined;
  #unsubscribeBreakers: (() => void) | undefined;

  constructor(endpoints: readonly Endpoint[], options: HttpHealthCheckerOptions) {
    this.#initialDelayMs = options.initialDelayMs;
    this.#breakers = options.breakers;
    this.#logger = options.logger ?? silentLogger;
    this.#onStatusChanged = options.onStatusChanged;
    this.#now = options.now ?? Date.now;
    this.#slowThresholdMs = options.slowThresholdMs ?? SLOW_RESPONSE_THRESHOLD_MS;
    this.#userAgent = options.userAgent ?? `${APP_NAME}-HealthChecker`;
    this.#via = options.via;
    for (const endpoint of endpoints) this.#schedules.set(endpoint.name, this.#scheduleFor(endpoint));
  }

  #scheduleFor(endpoint: Endpoint): Schedule {
    const schedule: Schedule = {
      endpoint,
      fire: () => void this.#check(schedule),
      timer: undefined,
      inFlight: undefined,
      rateLimitedUntil: 0,
      statusChangedAt: 0,
    };
    return schedule;
  }

  /**
   * Takes the endpoint set a config reload produced: unchanged endpoints (the same object) keep
   * their schedule, new ones are checked at once rather than after the initial delay, and
   * removed or replaced ones stop being checked (a probe already under way lands harmlessly).
   */
  reconcile(endpoints: readonly Endpoint[]): void {
    const next = new Map<string, Schedule>();
    for (const endpoint of endpoints) {
      const current = this.#schedules.get(endpoint.name);
      if (current?.endpoint === endpoint) {
        next.set(endpoint.name, current);
        continue;
      }
      const schedule = this.#scheduleFor(endpoint);
      if (current?.endpoint.url === endpoint.url) {
        schedule.rateLimitedUntil = current.rateLimitedUntil;
        schedule.statusChangedAt = current.statusChangedAt;
      }
      next.set(endpoint.name, schedule);
    }
    for (const [name, schedule] of this.#schedules) {
      if (next.get(name) !== schedule) clearTimeout(schedule.timer);
    }
    const previous = this.#schedules;
    this.#schedules = next;
    if (!this.#running) return;
    for (const [name, schedule] of next) {
      if (previous.get(name) === schedule) continue;
      if (schedule.endpoint.lastChecked === 0) this.#arm(schedule, 0);
      else this.#scheduleNext(schedule);
    }
  }

  #isCurrent(schedule: Schedule): boolean {
    return this.#schedules.get(schedule.endpoint.name) === schedule;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#stopping.signal.aborted) this.#stopping = new AbortController();
    this.#unsubscribeBreakers = this.#breakers.onOpen((name) => this.#onBreakerOpen(name));
    for (const schedule of this.#schedules.values()) {
      if (schedule.inFlight !== undefined) continue;
      if (schedule.endpoint.lastChecked === 0) this.#arm(schedule, this.#initialDelayMs);
      else this.#scheduleNext(schedule);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribeBreakers?.();
    this.#unsubscribeBreakers = undefined;
    for (const schedule of this.#schedules.values()) {
      clearTimeout(schedule.timer);
      schedule.timer = undefined;
    }
    this.#stopping.abort();
    await Promise.all(Array.from(this.#schedules.values(), (schedule) => schedule.inFlight));
    const agent = this.#agent;
    this.#agent = undefined;
    await agent?.destroy();
  }

  async checkAll(): Promise<void> {
    await Promise.all(Array.from(this.#schedules.values(), (schedule) => this.#check(schedule)));
  }

  /**
   * One failure event per outage: a node already out of rotation, or a failure from a request
   * sent before the node's last status change (sixteen requests in flight when it died all report
   * the same death), changes nothing. Nor does a passive failure escalate the backoff: only failed
   * probes do, so a node that is back a second later is probed and routed again a second later.
   */
  markFailed(endpoint: Endpoint, reason: string, requestStartedAt?: number): void {
    const schedule = this.#schedules.get(endpoint.name);
    if (schedule === undefined) return;
    const target = schedule.endpoint;
    const from = target.status;
    if (!isRoutable(from)) return;
    if (requestStartedAt !== undefined && requestStartedAt < schedule.statusChangedAt) return;
    const now = this.#now();
    // Offline, as a refused connection would classify: the node is not answering at all.
    target.status = 'offline';
    target.lastChecked = now;
    target.consecutiveFailures++;
    target.nextCheckTime = now + target.checkInterval;
    target.lastError = reason;
    schedule.statusChangedAt = now;
    this.#logger.warn(
      {
        endpoint: target.name,
        reason,
        consecutiveFailures: target.consecutiveFailures,
        nextCheckInMs: target.checkInterval,
      },
      'Marking endpoint as unhealthy after a failed request',
    );
    // A probe in flight reschedules when it lands; otherwise the re-check moves to the interval.
    if (this.#running && schedule.inFlight === undefined) this.#scheduleNext(schedule);
    this.#announce({ endpoint: target, from, to: target.status, error: reason });
  }

  /**
   * A request just succeeded on a node the checker holds unroutable (panic routing found it
   * back): probe it now rather than at its backoff, so traffic returns to it at once.
   */
  recheck(endpoint: Endpoint): void {
    const schedule = this.#schedules.get(endpoint.name);
    if (schedule === undefined || !this.#running || isRoutable(schedule.endpoint.status)) return;
    void this.#check(schedule);
  }

  onTransition(listener: (transition: HealthTransition) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs a check unless one is already under way, in which case it joins that one. */
  #check(schedule: Schedule): Promise<void> {
    if (schedule.inFlight !== undefined) return schedule.inFlight;
    clearTimeout(schedule.timer);
    schedule.timer = undefined;
    const run = this.#runCheck(schedule)
      .catch((error: unknown) =>
        this.#logger.warn({ endpoint: schedule.endpoint.name, err: error }, 'Health check failed'),
      )
      .finally(() => {
        schedule.inFlight = undefined;
        if (this.#running && this.#isCurrent(schedule)) this.#scheduleNext(schedule);
      });
    schedule.inFlight = run;
    return run;
  }

  async #runCheck(schedule: Schedule): Promise<void> {
    const { endpoint } = schedule;
    const token = this.#breakers.admit(endpoint.name, trialStalenessMs(endpoint));
    if (token === BREAKER_REJECTED) {
      this.#apply(schedule, failed('circuit_open', CIRCUIT_OPEN, 0));
      return;
    }
    const result = await probeEndpoint(endpoint, {
      dispatcher: this.#dispatcher(),
      signal: this.#stopping.signal,
      userAgent: this.#userAgent,
      via: this.#via,
      slowThresholdMs: this.#slowThresholdMs,
      now: this.#now,
    });
    // Stopped mid-probe, or the endpoint was reloaded away meanwhile: leave it as it was.
    if (result === undefined || !this.#isCurrent(schedule)) return;
    const verdict = breakerVerdict(result.status);
    if (verdict === 'success') this.#breakers.recordSuccess(endpoint.name, token);
    else if (verdict === 'failure') this.#breakers.recordFailure(endpoint.name, token);
    this.#apply(schedule, result);
  }

  #apply(schedule: Schedule, result: ProbeResult): void {
    const { endpoint } = schedule;
    const from = endpoint.status;
    const now = this.#now();
    // Busy still routes but does not reset the backoff: only a clean answer does.
    const success = result.status === 'healthy';
    const step = nextBackoff(endpoint.checkInterval, endpoint.backoffMultiplier, success);
    endpoint.status = result.status;
    endpoint.lastChecked = now;
    endpoint.lastLatencyMs = Math.round(result.latencyMs);
    endpoint.consecutiveFailures = success ? 0 : endpoint.consecutiveFailures + 1;
    endpoint.backoffMultiplier = step.multiplier;
    endpoint.nextCheckTime = now + step.intervalMs;
    const problem = describeProblem(result);
    endpoint.lastError = problem;
    schedule.rateLimitedUntil = result.rateLimitedUntil;
    this.#log(endpoint, from, result, step.intervalMs);
    if (from !== result.status) {
      schedule.statusChangedAt = now;
      this.#announce({ endpoint, from, to: result.status, error: problem });
    }
  }

  #announce(transition: HealthTransition): void {
    if (this.#onStatusChanged !== undefined) this.#notify(transition, this.#onStatusChanged);
    for (const listener of this.#listeners) this.#notify(transition, listener);
  }

  /** One faulty subscriber must not stop the others hearing, nor the checks running. */
  #notify(transition: HealthTransition, subscriber: (transition: HealthTransition) => void): void {
    try {
      subscriber(transition);
    } catch (error) {
      this.#logger.warn({ endpoint: transition.endpoint.name, err: error }, 'Health transition subscriber failed');
    }
  }

  /**
   * A breaker tripped on proxied traffic (refused connections, 502/503/504 answers): take the
   * node out of rotation now rather than at its next check, so an instantly failing node cannot
   * soak up traffic in the meantime. Trips caused by our own probe are settled by that probe.
   */
  #onBreakerOpen(name: string): void {
    const schedule = this.#schedules.get(name);
    if (schedule === undefined || schedule.inFlight !== undefined) return;
    if (!isRoutable(schedule.endpoint.status)) return;
    this.markFailed(schedule.endpoint, CIRCUIT_OPEN);
  }

  #scheduleNext(schedule: Schedule): void {
    const due = Math.max(schedule.endpoint.nextCheckTime, schedule.rateLimitedUntil);
    this.#arm(schedule, Math.max(0, due - this.#now()));
  }

  #arm(schedule: Schedule, delayMs: number): void {
    clearTimeout(schedule.timer);
    schedule.timer = setTimeout(schedule.fire, delayMs);
  }

  #dispatcher(): Agent {
    // Keep-alive with a small pool: probes to one node run one at a time. The header timeout
    // is a backstop for nodes that accept a connection and then say nothing.
    this.#agent ??= new Agent({ connections: 2, keepAliveTimeout: 30_000, headersTimeout: 10_000 });
    return this.#agent;
  }

  #log(endpoint: Endpoint, from: EndpointStatus, result: ProbeResult, nextCheckInMs: number): void {
    const to = result.status;
    const fields = {
      endpoint: endpoint.name,
      status: to,
      latencyMs: endpoint.lastLatencyMs,
      nextCheckInMs,
      statusCode: result.statusCode,
      error: result.error,
    };
    if (result.retryAfterDefaulted) {
      this.#logger.info(fields, 'No usable Retry-After on 429, using the default backoff');
    }
    if (from === to) {
      if (to !== 'healthy' && endpoint.consecutiveFailures % STILL_FAILING_LOG_EVERY === 0) {
        this.#logger.warn(
          { ...fields, consecutiveFailures: endpoint.consecutiveFailures },
          'Endpoint still having issues',
        );
      } else {
        this.#logger.debug(fields, 'Health check');
      }
    } else if (from === 'unknown') {
      if (to === 'healthy') this.#logger.info(fields, 'Endpoint initial status');
      else this.#logger.warn(fields, 'Endpoint discovered offline');
    } else if (to === 'healthy') {
      this.#logger.info({ ...fields, was: from }, 'Endpoint recovered');
    } else {
      this.#logger.warn(
        { ...fields, was: from, consecutiveFailures: endpoint.consecutiveFailures },
        'Endpoint status changed',
      );
    }
  }
}

function describeProblem(result: ProbeResult): string | undefined {
  if (result.error !== undefined) return result.error;
  if (result.status === 'healthy') return undefined;
  const answer = `health check answered HTTP ${result.statusCode}`;
  // Busy is a 2xx that came too slowly: the status code alone would read as no problem at all.
  return result.status === 'busy' ? `${answer} after ${Math.round(result.latencyMs)} ms, slower than healthy` : answer;
}

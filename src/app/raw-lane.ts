import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import FindMyWay from 'find-my-way';

/** Serves one request on the raw lane; it owns the response from then on. */
export type RawRouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What a route pattern resolves to: a raw handler, or fastify (which then routes it again). */
type Destination = RawRouteHandler | typeof FASTIFY;

const FASTIFY = Symbol('fastify');

/** The methods fastify's `all()` registers, so a raw route answers exactly what its fastify twin would. */
export const ALL_METHODS = ['GET', 'HEAD', 'TRACE', 'DELETE', 'OPTIONS', 'PATCH', 'PUT', 'POST', 'QUERY'] as const;

/** The router options Olla gives fastify; the raw lane routes with the same so both agree on every URL. */
export const ROUTER_OPTIONS = { ignoreTrailingSlash: true, maxParamLength: 2048 } as const;

/**
 * Routes in front of fastify. The proxy routes carry nearly all of Olla's traffic, and fastify's
 * lifecycle (request and reply objects, hook runners, the body parser, hijacking) costs more than
 * the rest of a proxied request; on this lane they run straight from node:http's request event.
 * Every fastify route is mirrored into the same router, so a URL fastify has a more specific route
 * for (a model listing under a proxy prefix, say) still goes to fastify, exactly as its router
 * would decide. Everything the lane does not serve, fastify serves as before.
 */
export class RawLane {
  readonly #router = FindMyWay(ROUTER_OPTIONS);
  readonly #patterns = new Set<string>();
  #closing = false;

  /**
   * Mirrors every route fastify registers from now on, and notes when fastify starts closing.
   * Call before any route is registered.
   */
  follow(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      // A raw route's fastify twin (the same handler inside fastify's lifecycle, for inject and
      // for CORS) is not mirrored: on a real socket the raw route answers.
      if (this.#patterns.has(route.url)) return;
      this.#router.on(route.method as FindMyWay.HTTPMethod | FindMyWay.HTTPMethod[], route.url, noop, FASTIFY);
    });
    app.addHook('preClose', (done) => {
      this.#closing = true;
      done();
    });
  }

  /** Serves `pattern` for every method `all()` would, on the raw lane. */
  mount(pattern: string, handler: RawRouteHandler): void {
    this.#patterns.add(pattern);
    this.#router.on([...ALL_METHODS] as FindMyWay.HTTPMethod[], pattern, noop, handler);
  }

  /** Whether fastify has begun closing: the raw routes then refuse new requests, as fastify's do. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Serves the request when a raw route matches it; false hands it to fastify. */
  dispatch(req: IncomingMessage, res: ServerResponse): boolean {
    const found = this.#router.find(req.method as FindMyWay.HTTPMethod, req.url ?? '/');
    const destination = found?.store as Destination | undefined;
    if (destination === undefined || destination === FASTIFY) return false;
    destination(req, res);
    return true;
  }
}

function noop(): void {}

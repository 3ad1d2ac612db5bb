import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import { bodyCap, nodeMaxHeaderSize } from '../adapter/security/size-limit.js';
import type { ServerConfig } from '../config/types.js';
import { Header } from '../core/constants.js';
import { errorResponse } from '../core/error-body.js';
import {
  BadRequestError,
  HeadersTooLargeError,
  OllaError,
  PayloadTooLargeError,
  RouteNotFoundError,
} from '../core/errors.js';
import type { Logger } from '../logger/logger.js';
import { dialectForPath } from './dialect.js';
import type { ForwardingLoopGuard } from './forwarding-loop-guard.js';
import { type RawLane, ROUTER_OPTIONS } from './raw-lane.js';

/** Turns fastify's own errors (body too large, bad content) into Olla's typed errors. */
function toOllaError(err: FastifyError): OllaError | FastifyError {
  if (err instanceof OllaError) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError(
        'request body exceeds server.request_limits.max_body_size; send a smaller body or raise the limit',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new BadRequestError(err.message);
    default:
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new BadRequestError(err.message);
      return err;
  }
}

/** Logs an error no handler expected (Olla's own errors are answers, not faults). */
export function reportUnexpected(logger: Logger, err: unknown, url: string | undefined): void {
  if (!(err instanceof OllaError)) logger.error({ err, url }, 'unhandled error in handler');
}

function writeRawError(socket: Socket, status: number, reason: string, body: string): void {
  if (!socket.writable) return;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Node's own wait for a request's headers, used when neither header nor read timeout is set. */
const NODE_HEADERS_TIMEOUT = 60_000;

/**
 * Node's server timeouts from `server.*`; a config reload sets them again on the running server.
 * As Go reads them: an unset `read_header_timeout` takes `read_timeout`. Node refuses a headers
 * timeout longer than the request timeout, which means the same as the shorter one: the whole
 * request, headers included, must arrive within `read_timeout`.
 */
export function nodeServerTimeouts(
  config: Pick<ServerConfig, 'readTimeout' | 'readHeaderTimeout' | 'idleTimeout'>,
): Pick<Server, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout'> {
  const requestTimeout = config.readTimeout;
  const headers = config.readHeaderTimeout || requestTimeout || NODE_HEADERS_TIMEOUT;
  return {
    headersTimeout: requestTimeout > 0 ? Math.min(headers, requestTimeout) : headers,
    requestTimeout,
    keepAliveTimeout: config.idleTimeout || 65_000,
  };
}

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/**
 * fastify's schema compilers (ajv and fast-json-stringify), which fastify requires when it is
 * created, some 40 ms of start-up. Olla's routes declare no schemas, so these load only if one
 * ever does; the compilers are then fastify's own defaults, required from fastify's directory.
 */
function lazySchemaCompilers(): CompilersFactory {
  const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
  let validator: NonNullable<CompilersFactory['buildValidator']> | undefined;
  let serializer: NonNullable<CompilersFactory['buildSerializer']> | undefined;
  return {
    buildValidator: (externalSchemas, options) => {
      validator ??= fromFastify('@fastify/ajv-compiler')();
      return validator!(externalSchemas, options);
    },
    buildSerializer: (externalSchemas, options) => {
      serializer ??= fromFastify('@fastify/fast-json-stringify-compiler')();
      return serializer!(externalSchemas, options);
    },
  };
}

/**
 * The fastify instance Olla serves from. With a raw lane, each request goes to the lane first and
 * to fastify only when no raw route takes it; the lane then follows fastify's routes.
 */
export interface HttpServerOptions {
  /** Serves the proxy routes in front of fastify (raw-lane.ts). */
  lane?: RawLane;
  /** Refuses requests that have already been through this Olla, before either lane sees them. */
  loopGuard?: ForwardingLoopGuard;
}

export function createHttpServer(
  config: ServerConfig,
  logger: Logger,
  { lane, loopGuard }: HttpServerOptions = {},
): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Node's parser enforces the header limit before any handler runs; clientError below
    // answers it in JSON rather than a bare status line.
    serverFactory: (handler) => {
      const viaFastify = handler as (req: IncomingMessage, res: ServerResponse) => void;
      const server: Server = createServer(
        {
          maxHeaderSize: nodeMaxHeaderSize(config.requestLimits),
          ...nodeServerTimeouts(config),
        },
        (req: IncomingMessage, res: ServerResponse) => {
          if (loopGuard?.refused(req, res)) return;
          if (lane === undefined || !lane.dispatch(req, res)) viaFastify(req, res);
        },
      );
      server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
        if (err.code === 'HPE_HEADER_OVERFLOW') {
          const { body } = errorResponse(
            new HeadersTooLargeError('request headers exceed server.request_limits.max_header_size'),
            'olla',
          );
          writeRawError(socket, 431, 'Request Header Fields Too Large', body);
        } else if (err.code === 'ECONNRESET' || !socket.writable) {
          socket.destroy();
        } else {
          const { body } = errorResponse(
            new BadRequestError(`malformed HTTP request: ${err.code ?? err.message}`),
            'olla',
          );
          writeRawError(socket, 400, 'Bad Request', body);
        }
      });
      // Olla is no forward proxy: CONNECT has no route, answered as any other unrouted method
      // would be (without a listener Node drops the socket unanswered).
      server.on('connect', (req: IncomingMessage, socket: Socket) => {
        const { body } = errorResponse(new RouteNotFoundError(`no route for CONNECT ${req.url ?? ''}`), 'olla');
        writeRawError(socket, 404, 'Not Found', body);
      });
      return server;
    },
    bodyLimit: bodyCap(config.requestLimits),
    // Paths like /olla/proxy/../../etc are passed through verbatim and rejected by routing.
    routerOptions: { ...ROUTER_OPTIONS },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    genReqId: () => '',
    schemaController: { compilersFactory: lazySchemaCompilers() },
    // An undecodable URL is the router's to reject; answer it in Olla's shape, not fastify's.
    frameworkErrors: (error, request, reply) => {
      const res = errorResponse(new BadRequestError(error.message), dialectForPath(request.url));
      (reply as FastifyReply).code(res.status).headers(res.headers).send(res.body);
    },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const err = toOllaError(error);
    reportUnexpected(logger, err, request.url);
    // A proxy route names its request before routing can fail; the body carries the same ID.
    const requestId = reply.getHeader(Header.requestId);
    const res = errorResponse(err, dialectForPath(request.url), typeof requestId === 'string' ? requestId : undefined);
    reply.code(res.status).headers(res.headers).send(res.body);
  });

  app.setNotFoundHandler((request, reply) => {
    const res = errorResponse(
      new RouteNotFoundError(`no route for ${request.method} ${request.url.split('?')[0]}`, {
        hint: 'see /version for the routes Olla serves',
      }),
      dialectForPath(request.url),
    );
    reply.code(res.status).headers(res.headers).send(res.body);
  });

  lane?.follow(app);
  return app;
}

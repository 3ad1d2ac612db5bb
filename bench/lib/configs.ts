/**
 * Config files for the targets, each pointed at the one mock backend: Olla (and the Go original,
 * which reads the same YAML), nginx with one worker and an upstream keep-alive pool, and HAProxy
 * on one thread reusing its server connections. Both references are set up for streaming as one
 * would run them in front of an LLM backend: nothing held back waiting for more bytes.
 */

import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

export interface Upstream {
  host: string;
  port: number;
}

/** Which Olla configuration a run measures: the shipped one (the default) or the best case. */
export type OllaConfigKind = 'shipped' | 'tuned';

export const SHIPPED_CONFIG = new URL('../../config/config.yaml', import.meta.url);

/** High enough that the bench's load is never throttled, while the limiter still runs on every request. */
const RAISED_RATE_LIMIT = 100_000_000;

export function describeOllaConfig(kind: OllaConfigKind): string {
  return kind === 'shipped'
    ? 'shipped (config/config.yaml; only the address, the engine, the backend and raised rate limits changed)'
    : 'tuned (--tuned: request logging off, warn logs, no rate limits, priority balancer)';
}

export function ollaConfig(kind: OllaConfigKind, engine: string, port: number, mock: Upstream): string {
  return kind === 'shipped' ? shippedOllaConfig(engine, port, mock) : tunedOllaConfig(engine, port, mock);
}

/**
 * config/config.yaml as shipped (info logs in JSON on stdout, request logging on, least
 * connections, ...) with only what a bench must change: the address, the engine under test, the one
 * mock as the backend, and the rate limits raised.
 */
function shippedOllaConfig(engine: string, port: number, mock: Upstream): string {
  const config = parse(readFileSync(SHIPPED_CONFIG, 'utf8'));
  config.server.host = '127.0.0.1';
  config.server.port = port;
  const limits = config.server.rate_limits;
  for (const key of ['global_requests_per_minute', 'per_ip_requests_per_minute', 'health_requests_per_minute'])
    limits[key] = RAISED_RATE_LIMIT;
  limits.per_endpoint.default_requests_per_minute = RAISED_RATE_LIMIT;
  // 64 connections arriving at once would otherwise empty the shipped burst of 50.
  limits.burst_size = RAISED_RATE_LIMIT;
  config.proxy.engine = engine;
  const [first] = config.discovery.static.endpoints;
  config.discovery.static.endpoints = [
    { ...first, url: `http://${mock.host}:${mock.port}`, name: 'bench-mock', type: 'ollama', model_url: '/api/tags' },
  ];
  return stringify(config);
}

/** Olla with everything that is not proxying turned down: no request log, no rate limits, warn logs. */
function tunedOllaConfig(engine: string, port: number, mock: Upstream): string {
  return quietOllaConfig({
    port,
    engine,
    loadBalancer: 'priority',
    logLevel: 'warn',
    endpoints: [
      {
        url: `http://${mock.host}:${mock.port}`,
        name: 'bench-mock',
        type: 'ollama',
        priority: 100,
        model_url: '/api/tags',
        health_check_url: '/',
        check_interval: '5s',
        check_timeout: '2s',
      },
    ],
  });
}

export interface QuietOllaOptions {
  port: number;
  engine: string;
  loadBalancer: string;
  logLevel: 'warn' | 'error';
  endpoints: readonly Record<string, unknown>[];
}

/**
 * A config of the bench's own rather than the shipped one, for rows that weigh the proxying alone
 * (--tuned, the failover scenario): request logging and rate limits off, health checks from the
 * start. The Go original reads the same YAML.
 */
export function quietOllaConfig(options: QuietOllaOptions): string {
  return stringify({
    server: {
      host: '127.0.0.1',
      port: options.port,
      request_logging: false,
      rate_limits: { global_requests_per_minute: 0, per_ip_requests_per_minute: 0, health_requests_per_minute: 0 },
    },
    proxy: { engine: options.engine, load_balancer: options.loadBalancer },
    discovery: {
      type: 'static',
      health_check: { initial_delay: '0s' },
      static: { endpoints: options.endpoints },
      model_discovery: { enabled: true, interval: '5m', timeout: '5s' },
    },
    logging: { level: options.logLevel, format: 'json' },
  });
}

/**
 * One worker; idle upstream connections kept for reuse (HTTP/1.1 with the Connection header
 * cleared, or nginx closes each one); no buffering either way, so tokens pass as they arrive and a
 * large body streams rather than landing in a temp file.
 */
export function nginxConfig(prefix: string, port: number, mock: Upstream): string {
  return `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  keepalive_requests 1000000;
  upstream mock {
    server ${mock.host}:${mock.port};
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 64m;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 300s;
    }
  }
}
`;
}

export function haproxyConfig(port: number, mock: Upstream): string {
  return `global
  nbthread 1
  maxconn 8000
defaults
  mode http
  option http-keep-alive
  http-reuse always
  # Without it HAProxy sends with MSG_MORE and the kernel holds small writes (a token) for up to 200 ms.
  option http-no-delay
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout http-keep-alive 60s
frontend bench
  bind 127.0.0.1:${port}
  default_backend mock
backend mock
  server mock ${mock.host}:${mock.port} maxconn 8000
`;
}

/** LiteLLM's proxy with one model, its OpenAI provider pointed at the mock. */
export function litellmConfig(mockUrl: string, model: string): string {
  return stringify({
    model_list: [
      { model_name: model, litellm_params: { model: `openai/${model}`, api_base: `${mockUrl}/v1`, api_key: 'bench' } },
    ],
  });
}

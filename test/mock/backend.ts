/**
 * A mock LLM backend on plain node:http: deterministic answers in every wire format Olla proxies,
 * faults on demand, scripted replies and a record of what arrived. Every end-to-end test, stress
 * run, benchmark and the demo stand on it, so it stays small on the hot path: one route lookup, no
 * framework, frames written straight to the socket.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Exchange } from './exchange.js';
import { FAULT_HEADER, FaultRule, parseFault } from './faults.js';
import { normaliseModels } from './models.js';
import {
  type BackendSettings,
  buildRoutes,
  healthPathOf,
  type Route,
  requestedModel,
  speaksAnthropicByDefault,
  speaksResponsesByDefault,
  wantsStream,
} from './routes.js';
import { playScript } from './script.js';
import { StreamRegistry } from './streams.js';
import type {
  MockBackend,
  MockBackendEvents,
  MockBackendOptions,
  MockFault,
  MockFaultScope,
  MockFaultSpec,
  MockFlavour,
  MockModelInput,
  MockRequestRecord,
  MockScript,
  MockStreamClosed,
  MockStreamCloseReason,
} from './types.js';

export { FAULT_HEADER, parseFault } from './faults.js';
export { mockReplyText, mockTokenText } from './reply.js';
export { healthPathOf } from './routes.js';
export { type AgentScriptOptions, type AgentToolCall, agentToolScript, hasToolResult } from './agent.js';
export { scriptSequence } from './script.js';
export * from './types.js';

const HOST = '127.0.0.1';
const BACKEND_HEADER = 'x-mock-backend';

/** Start a mock backend listening on 127.0.0.1 (port 0 unless `options.port`). */
export async function startMockBackend(options: MockBackendOptions = {}): Promise<MockBackend> {
  const backend = new MockBackendServer(options);
  await backend.start();
  return backend;
}

class MockBackendServer implements MockBackend {
  readonly name: string;
  readonly flavour: MockFlavour;
  readonly healthPath: string;
  readonly events = new EventEmitter<MockBackendEvents>();
  readonly #settings: BackendSettings;
  readonly #routes: Map<string, Route>;
  readonly #authToken: string | undefined;
  readonly #recordBodies: boolean;
  readonly #recordLimit: number;
  readonly #streams: StreamRegistry;
  #requests: MockRequestRecord[] = [];
  #requestCount = 0;
  #script: MockScript | undefined;
  #fault: FaultRule | undefined;
  #server: Server | undefined;
  #port: number;
  #closed = false;
  /** Undefined: residency off. */
  readonly #coldLoadMs: number | undefined;
  #loading: Promise<void> | undefined;
  #coldLoads = 0;
  #inFlight = 0;
  #maxInFlight = 0;

  constructor(options: MockBackendOptions) {
    this.name = options.name ?? 'mock';
    this.flavour = options.flavour ?? 'openai';
    this.healthPath = healthPathOf(this.flavour);
    this.#settings = {
      name: this.name,
      flavour: this.flavour,
      models: normaliseModels(options.models ?? ['mock-model']),
      tokens: options.tokens ?? 10,
      tokenDelayMs: options.tokenDelayMs ?? 0,
      strictModels: options.strictModels ?? false,
      streamUsage: options.streamUsage ?? 'requested',
      embeddingDimensions: options.embeddingDimensions ?? 8,
      residency: options.residency !== undefined,
      loadedModel: options.residency?.loaded,
    };
    this.#coldLoadMs = options.residency === undefined ? undefined : (options.residency.coldLoadMs ?? 300);
    this.#routes = buildRoutes(
      this.flavour,
      options.anthropic ?? speaksAnthropicByDefault(this.flavour),
      options.responses ?? speaksResponsesByDefault(this.flavour),
    );
    this.#authToken = options.authToken;
    this.#recordBodies = options.recordBodies ?? false;
    this.#recordLimit = options.recordLimit ?? 10_000;
    this.#streams = new StreamRegistry(this.events);
    this.#script = options.script;
    this.#port = options.port ?? 0;
    if (options.fault) this.setFault(options.fault);
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://${HOST}:${this.#port}`;
  }

  get requests(): readonly MockRequestRecord[] {
    return this.#requests;
  }

  get requestCount(): number {
    return this.#requestCount;
  }

  get activeStreams(): number {
    return this.#streams.active;
  }

  get bytesStreamed(): number {
    return this.#streams.bytesStreamed;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  get loadedModel(): string | undefined {
    return this.#settings.loadedModel;
  }

  get coldLoads(): number {
    return this.#coldLoads;
  }

  get listening(): boolean {
    return this.#server?.listening ?? false;
  }

  setModels(models: MockModelInput[]): void {
    this.#settings.models = normaliseModels(models);
  }

  setTokens(tokens: number, tokenDelayMs?: number): void {
    this.#settings.tokens = tokens;
    if (tokenDelayMs !== undefined) this.#settings.tokenDelayMs = tokenDelayMs;
  }

  setScript(script: MockScript | undefined): void {
    this.#script = script;
  }

  setFault(fault: MockFaultSpec | null, scope?: MockFaultScope): void {
    this.#fault = fault === null ? undefined : new FaultRule(parseFault(fault), scope);
  }

  clear(): void {
    this.#requests = [];
    this.#requestCount = 0;
    this.#coldLoads = 0;
    this.#maxInFlight = this.#inFlight;
    this.#streams.clear();
  }

  waitForStreamClosed(
    options: { reason?: MockStreamCloseReason | 'any'; timeoutMs?: number } = {},
  ): Promise<MockStreamClosed> {
    return this.#streams.waitForClose(options.reason ?? 'client', options.timeoutMs ?? 5000);
  }

  async start(): Promise<void> {
    if (this.#closed) throw new Error(`mock backend ${this.name} was closed; start a new one`);
    if (this.#server) return;
    const server = createServer({ noDelay: true }, (req, res) => this.#receive(req, res));
    // Longer than any test, so pooled proxy connections are not torn down under a stress run.
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#streams.markAllStopped();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
  }

  #receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      void this.#answer(req, res, body).catch((error: unknown) => this.#failed(res, error));
    });
  }

  async #answer(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = queryAt === -1 ? '' : url.slice(queryAt + 1);
    const index = this.#record(req, path, query, body);
    const ex = new Exchange(req, res, path, query, body, index, this.#streams);
    res.setHeader(BACKEND_HEADER, this.name);
    const route = this.#routes.get(path);
    if (route) ex.dialect = route.dialect;
    if (route?.scriptable) {
      this.#inFlight++;
      if (this.#inFlight > this.#maxInFlight) this.#maxInFlight = this.#inFlight;
      res.once('close', () => this.#inFlight--);
      if (this.#coldLoadMs !== undefined && !ex.bodyIsInvalidJson) {
        await this.#ensureLoaded(ex, requestedModel(ex.json, this.#settings), this.#coldLoadMs);
      }
    }

    const fault = this.#faultFor(ex);
    if (fault === null) return;
    if (fault && !(await this.#applyFault(ex, fault))) return;

    if (!route) return ex.sendError(404, `${this.name} has no route ${req.method} ${path}`);
    if (!methodAllowed(route, req.method))
      return ex.sendError(405, `${this.name} does not allow ${req.method} ${path}`);
    if (!route.public && !this.#authorised(req, route)) return ex.sendError(401, `${this.name} wants a valid API key`);

    if (route.scriptable && this.#script && !ex.bodyIsInvalidJson) {
      const model = requestedModel(ex.json, this.#settings);
      const scripted = this.#script({
        method: req.method ?? 'GET',
        path,
        query,
        headers: req.headers,
        body: ex.json,
        model,
        stream: wantsStream(ex.json, route.dialect === 'ollama'),
        index,
      });
      if (scripted) return playScript(ex, scripted, model);
    }
    return route.handle(ex, this.#settings);
  }

  /**
   * Ollama's one-model-at-a-time behaviour: another model evicts the loaded one and costs a cold
   * load; requests for the model being loaded wait for that same load.
   */
  async #ensureLoaded(ex: Exchange, model: string, coldLoadMs: number): Promise<void> {
    if (this.#settings.loadedModel !== model) {
      this.#settings.loadedModel = model;
      this.#coldLoads++;
      this.#loading = ex.pause(coldLoadMs);
    }
    if (this.#loading !== undefined) await this.#loading;
  }

  /** The request header wins over the backend-wide fault; null means the header was malformed (already answered). */
  #faultFor(ex: Exchange): MockFault | undefined | null {
    const header = ex.req.headers[FAULT_HEADER];
    if (typeof header === 'string') {
      try {
        return parseFault(header);
      } catch (error) {
        ex.sendError(400, (error as Error).message);
        return null;
      }
    }
    const rule = this.#fault;
    if (!rule?.take(ex.path)) return undefined;
    if (rule.spent) this.#fault = undefined;
    return rule.fault;
  }

  /** Act out a fault; true when the request should then be answered as usual. */
  async #applyFault(ex: Exchange, fault: MockFault): Promise<boolean> {
    switch (fault.kind) {
      case 'status':
        ex.sendError(fault.status, `mock fault from ${this.name}: status ${fault.status}`);
        return false;
      case 'close':
        ex.req.socket.destroy();
        return false;
      case 'hang':
        // Never answered: the request stays open until the client gives up or the mock stops.
        return false;
      case 'garbage':
        ex.sendGarbage();
        return false;
      case 'huge':
        await ex.streamHuge(fault.bytes);
        return false;
      case 'slow-headers':
        await ex.pause(fault.delayMs);
        return !ex.gone;
      case 'die-mid-stream':
        ex.dieMidStream = true;
        return true;
    }
  }

  #authorised(req: IncomingMessage, route: Route): boolean {
    const token = this.#authToken;
    if (token === undefined) return true;
    if (req.headers.authorization === `Bearer ${token}`) return true;
    return route.dialect === 'anthropic' && req.headers['x-api-key'] === token;
  }

  #record(req: IncomingMessage, path: string, query: string, body: Buffer): number {
    const record: MockRequestRecord = {
      method: req.method ?? 'GET',
      path,
      query,
      headers: req.headers,
      bodyLength: body.length,
      body: this.#recordBodies ? body.toString('utf8') : undefined,
      at: Date.now(),
    };
    // Drop the older half at the cap: amortised O(1) per request, and recent requests stay in order.
    if (this.#requests.length >= this.#recordLimit)
      this.#requests = this.#requests.slice(Math.max(1, this.#recordLimit >> 1));
    this.#requests.push(record);
    this.events.emit('request', record);
    return this.#requestCount++;
  }

  #failed(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`mock backend ${this.name} failed: ${(error as Error).message}`);
  }
}

function methodAllowed(route: Route, method: string | undefined): boolean {
  if (route.method === 'ANY') return true;
  return method === route.method || (route.method === 'GET' && method === 'HEAD');
}

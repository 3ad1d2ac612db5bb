/**
 * Backends that hang, hold their headers past the header timeout, or answer garbage. Olla must
 * fail over within its timeouts, or answer a JSON error when nothing can serve, and keep serving.
 */
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type Outcome, sendChat } from './client.js';
import { describeConnections, ENGINES, type Fleet, STRESS_MODEL, startFleet } from './fleet.js';
import { scale } from './scale.js';
import { runPool, runSeed, seededRandom, Tally } from './tally.js';

const HEADER_TIMEOUT_MS = 1_000;
const TIMEOUTS = { proxy: { response_header_timeout: '1s', read_timeout: '2s' } };
const CHAT_PATHS = ['/v1/chat/completions', '/api/chat'];
/** Each failing backend costs at most one header timeout; the rest is slack for a loaded machine. */
const deadlineFor = (backends: number) => backends * HEADER_TIMEOUT_MS + 5_000;

describe.each(ENGINES)('the %s engine in front of faulty backends', (engine) => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it('fails over from a backend that hangs and one whose headers come after the timeout', async () => {
    const seed = runSeed();
    const random = seededRandom(seed);
    fleet = await startFleet(
      engine,
      [
        { name: 'good', flavour: 'openai' },
        { name: 'hanging', flavour: 'openai' },
        { name: 'slow-headers', flavour: 'openai' },
      ],
      TIMEOUTS,
    );
    const running = fleet;
    // Only chat hangs: health checks still pass, so Olla keeps offering these nodes.
    running.nodes[1]!.setFault('hang', { paths: CHAT_PATHS });
    running.nodes[2]!.setFault(`slow-headers:${HEADER_TIMEOUT_MS * 3}`, { paths: CHAT_PATHS });
    const tally = new Tally(`hanging backends, ${engine} engine, ${scale.name} (seed ${seed})`);
    const failures: Outcome[] = [];

    await runPool(scale.faultRequests, 4, async () => {
      const outcome = await sendChat(
        running.client,
        running.olla.url,
        { flavour: 'openai', stream: random() < 0.5, model: STRESS_MODEL },
        { timeoutMs: deadlineFor(3) },
      );
      tally.add(outcome);
      if (outcome.kind !== 'ok' || outcome.endpoint !== 'good') failures.push(outcome);
    });
    running.nodes[1]!.setFault(null);
    running.nodes[2]!.setFault(null);
    await running.settled();

    const failovers = running.logCount('proxy attempt failed');
    tally.note('failed attempts in Olla log (header timeouts failed over)', failovers);
    tally.note('connections after (olla/mock streams)', describeConnections(running));
    tally.print();

    expect(failures.map((o) => `${o.kind} ${o.status} ${o.endpoint} ${o.error ?? o.body.slice(0, 200)}`)).toEqual([]);
    expect(failovers).toBeGreaterThan(0);
  });

  it('answers a JSON error within the header timeouts when every backend hangs, then answers at once', async () => {
    fleet = await startFleet(
      engine,
      [
        { name: 'hanging-1', flavour: 'openai' },
        { name: 'hanging-2', flavour: 'openai' },
      ],
      TIMEOUTS,
    );
    const running = fleet;
    for (const node of running.nodes) node.setFault('hang', { paths: CHAT_PATHS });
    const tally = new Tally(`every backend hangs, ${engine} engine, ${scale.name}`);
    const outcomes: Outcome[] = [];

    await runPool(Math.min(scale.faultRequests, 16), 8, async (i) => {
      const outcome = await sendChat(
        running.client,
        running.olla.url,
        { flavour: 'openai', stream: i % 2 === 0, model: STRESS_MODEL },
        { timeoutMs: deadlineFor(2) },
      );
      tally.add(outcome);
      outcomes.push(outcome);
    });
    for (const node of running.nodes) node.setFault(null);
    await running.settled();
    // With the Olla engine the failures tripped both circuit breakers (open for 30 s, as in the
    // original): Olla refuses at once, in JSON, instead of waiting on the backends again.
    const after = await sendChat(
      running.client,
      running.olla.url,
      { flavour: 'openai', stream: true, model: STRESS_MODEL },
      { timeoutMs: deadlineFor(1) },
    );
    const health = await request(`${running.olla.url}/internal/health`, { dispatcher: running.client });
    await health.body.dump();
    tally.note('after the hangs', `${after.status} in ${(after.endedAt - after.startedAt).toFixed(0)} ms`);
    tally.print();

    for (const outcome of outcomes) {
      expect(outcome.kind).toBe('http-error');
      expect([502, 503, 504]).toContain(outcome.status);
      expect(JSON.parse(outcome.body)).toHaveProperty('error');
    }
    // Whether the nodes are back yet depends on the engine (only Olla's has breakers) and on the
    // health checks' backoff; either way the answer comes at once, whole.
    if (after.kind !== 'ok') {
      expect(after.status).toBe(503);
      expect(JSON.parse(after.body)).toHaveProperty('code', 'OLLA_ERR_NO_HEALTHY_ENDPOINT');
    }
    expect(health.statusCode).toBe(200);
  });

  it('forwards garbage untouched on the proxy route and answers it with a JSON error when translating', async () => {
    fleet = await startFleet(engine, [{ name: 'garbage', flavour: 'openai' }], TIMEOUTS);
    const running = fleet;
    running.nodes[0]!.setFault('garbage', { paths: CHAT_PATHS });
    const tally = new Tally(`garbage backend, ${engine} engine, ${scale.name}`);

    // Olla is a transparent proxy (as the original is): a backend's 200 reaches the client as sent.
    const proxied = await sendChat(
      running.client,
      running.olla.url,
      { flavour: 'openai', stream: false, model: STRESS_MODEL },
      { timeoutMs: deadlineFor(1) },
    );
    tally.note('proxied garbage answered', `${proxied.status}, ${proxied.bytes} bytes as the backend sent them`);
    // Translating to Anthropic needs a completion to translate: garbage is the gateway's error.
    const translated = await request(`${running.olla.url}/olla/anthropic/v1/messages`, {
      dispatcher: running.client,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: STRESS_MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'stress' }] }),
      signal: AbortSignal.timeout(deadlineFor(1)),
    });
    const translatedBody = await translated.body.text();
    running.nodes[0]!.setFault(null);
    const after = await sendChat(
      running.client,
      running.olla.url,
      { flavour: 'openai', stream: true, model: STRESS_MODEL },
      { timeoutMs: deadlineFor(1) },
    );
    tally.add(after);
    tally.note('translated garbage answered', `${translated.statusCode} ${translatedBody.slice(0, 120)}`);
    tally.print();

    expect(proxied.status).toBe(200);
    expect(proxied.body).toContain('{{ not');
    expect(translated.statusCode).toBe(502);
    expect(translated.headers['content-type']).toMatch(/json/);
    expect(JSON.parse(translatedBody)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(after.kind).toBe('ok');
  });
});

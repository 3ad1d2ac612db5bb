/**
 * Client API keys as users meet them: the official OpenAI, Ollama and Anthropic clients with
 * and without keys against Olla in front of an OpenAI-flavoured and an Ollama-flavoured mock.
 * Who may call (401), which models (403, filtered listings), how much (429 per limit) and the
 * usage counted from the backends' own reports, streamed or not, translated or passed through.
 */
import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';

const OPENAI_MODEL = 'llama3.2:3b';
const OTHER_MODEL = 'mistral:7b';
const OLLAMA_MODEL = 'qwen2.5:7b';

const SECRETS = {
  alice: 'alice-secret-7f3a9c2e41',
  bob: 'bob-secret-0d8e6b5a93',
  carol: 'carol-secret-5c1f2e7d08',
  dave: 'dave-secret-9a4b3c2d1e',
  ci: 'ci-secret-3e2d1c0b9a',
  admin: 'admin-token-6b5a4f3e2d',
} as const;

let openaiMock: MockBackend;
let ollamaMock: MockBackend;
let olla: RunningOlla;

beforeAll(async () => {
  openaiMock = await startMockBackend({
    name: 'oa',
    flavour: 'openai',
    models: [OPENAI_MODEL, OTHER_MODEL],
    tokens: 6,
    recordBodies: true,
  });
  ollamaMock = await startMockBackend({ name: 'ol', flavour: 'ollama', models: [OLLAMA_MODEL], tokens: 5 });
  olla = await startOlla(
    [
      { name: 'oa', url: openaiMock.url, type: 'openai-compatible' },
      { name: 'ol', url: ollamaMock.url, type: 'ollama' },
    ],
    {
      server: {
        auth: {
          token: SECRETS.admin,
          enabled: true,
          keys: [
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's placeholder, which Olla expands from the environment
            { name: 'alice', key: '${ALICE_KEY}', models: ['llama3*', 'qwen*'], priority: 'high' },
            { name: 'bob', key: SECRETS.bob, tokens_per_minute: 5 },
            { name: 'carol', key: SECRETS.carol, requests_per_minute: 2 },
            { name: 'dave', key: SECRETS.dave, max_concurrent: 1 },
            { name: 'ci', key_sha256: createHash('sha256').update(SECRETS.ci).digest('hex') },
          ],
        },
      },
      translators: { anthropic: { enabled: true, passthrough_enabled: true } },
    },
    { env: { ALICE_KEY: SECRETS.alice } },
  );
  await waitForHealthy(olla, ['oa', 'ol'], { models: [OPENAI_MODEL, OTHER_MODEL, OLLAMA_MODEL] });
});

afterAll(async () => {
  await olla?.close();
  await openaiMock?.close();
  await ollamaMock?.close();
});

const openai = (apiKey: string, prefix = 'openai') =>
  new OpenAI({ baseURL: `${olla.url}/olla/${prefix}/v1`, apiKey, maxRetries: 0, timeout: 10_000 });
const ollama = (key?: string) =>
  new Ollama({ host: `${olla.url}/olla/ollama`, headers: key ? { Authorization: `Bearer ${key}` } : {} });
const anthropic = (apiKey: string) =>
  new Anthropic({ baseURL: `${olla.url}/olla/anthropic`, apiKey, maxRetries: 0, timeout: 10_000 });
const chat = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'Say hello' }] });

interface KeyStats {
  name: string;
  priority: string;
  requests: number;
  tokens_in: number;
  tokens_out: number;
  rejections: Record<string, number>;
  windows: Record<string, { used: number; limit: number; remaining?: number }>;
  last_seen: string | null;
}

async function keyStats(name: string): Promise<KeyStats> {
  const res = await fetch(`${olla.url}/internal/stats/keys`, { headers: { authorization: `Bearer ${SECRETS.admin}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { keys: KeyStats[] };
  const stats = body.keys.find((k) => k.name === name);
  if (!stats) throw new Error(`no stats for ${name}`);
  return stats;
}

/** Waits until the key's token counters have moved by the expected amounts (settling is after the reply). */
async function expectTokens(name: string, before: KeyStats, input: number, output: number): Promise<void> {
  await waitFor(
    async () => {
      const now = await keyStats(name);
      return now.tokens_in - before.tokens_in === input && now.tokens_out - before.tokens_out === output;
    },
    5000,
    `${name} to count ${input} in, ${output} out`,
  );
}

const inferencePaths = (mock: MockBackend) => mock.requests.filter((r) => r.method === 'POST').map((r) => r.path);

describe('who may call', () => {
  it('refuses a missing or unknown key with 401, WWW-Authenticate and the route dialect, before any backend', async () => {
    const before = inferencePaths(openaiMock).length + inferencePaths(ollamaMock).length;

    const openaiError = await openai('sk-not-a-key')
      .chat.completions.create(chat(OPENAI_MODEL))
      .catch((e) => e);
    expect(openaiError).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(openaiError.status).toBe(401);
    expect(openaiError.error).toMatchObject({ type: 'authentication_error', code: 'OLLA_ERR_UNAUTHORISED' });

    const anthropicError = await anthropic('sk-ant-nope')
      .messages.create({ ...chat(OPENAI_MODEL), max_tokens: 16 })
      .catch((e) => e);
    expect(anthropicError).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(anthropicError.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    const ollamaError = await ollama()
      .chat(chat(OLLAMA_MODEL))
      .catch((e) => e);
    expect(ollamaError.name).toBe('ResponseError');
    expect(ollamaError.status_code).toBe(401);
    expect(ollamaError.error).toMatch(/API key is required/);

    const raw = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat(OPENAI_MODEL)),
    });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await raw.json()) as { error: string }).error).toMatch(/API key is required/);

    const listing = await fetch(`${olla.url}/olla/models`);
    expect(listing.status).toBe(401);
    expect(inferencePaths(openaiMock).length + inferencePaths(ollamaMock).length).toBe(before);
  });

  it('accepts Bearer and x-api-key, and never forwards the client key to the backend', async () => {
    const reply = await openai(SECRETS.alice).chat.completions.create(chat(OPENAI_MODEL));
    expect(reply.choices[0]?.message.content).toContain('oa');
    const viaHeader = await fetch(`${olla.url}/olla/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': SECRETS.ci },
      body: JSON.stringify(chat(OPENAI_MODEL)),
    });
    expect(viaHeader.status).toBe(200);
    for (const r of openaiMock.requests) {
      expect(JSON.stringify(r.headers)).not.toContain(SECRETS.alice);
      expect(JSON.stringify(r.headers)).not.toContain(SECRETS.ci);
    }
  });

  it('keeps /internal/health open and /internal/* behind the admin token, not a client key', async () => {
    expect((await fetch(`${olla.url}/internal/health`)).status).toBe(200);
    const withClientKey = await fetch(`${olla.url}/internal/stats/keys`, {
      headers: { authorization: `Bearer ${SECRETS.alice}` },
    });
    expect(withClientKey.status).toBe(401);
  });
});

describe('which models', () => {
  it('refuses a model outside the allow-list with 403 naming it', async () => {
    const error = await openai(SECRETS.alice)
      .chat.completions.create(chat(OTHER_MODEL))
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error.message).toContain(`'${OTHER_MODEL}'`);
    const stats = await keyStats('alice');
    expect(stats.rejections.model).toBeGreaterThanOrEqual(1);

    const anthropicError = await anthropic(SECRETS.alice)
      .messages.create({ ...chat(OTHER_MODEL), max_tokens: 16 })
      .catch((e) => e);
    expect(anthropicError).toBeInstanceOf(Anthropic.PermissionDeniedError);
  });

  it('lists only the models the key may use, on every listing', async () => {
    const ids = (await openai(SECRETS.alice).models.list()).data.map((m) => m.id);
    expect(ids).toContain(OPENAI_MODEL);
    expect(ids).not.toContain(OTHER_MODEL);
    expect((await openai(SECRETS.ci).models.list()).data.map((m) => m.id)).toContain(OTHER_MODEL);

    const tags = (await ollama(SECRETS.alice).list()).models.map((m) => m.name);
    expect(tags).toContain(OLLAMA_MODEL);
    expect(tags).not.toContain(OTHER_MODEL);

    const anthropicIds = [];
    for await (const m of anthropic(SECRETS.alice).models.list()) anthropicIds.push(m.id);
    expect(anthropicIds).toContain(OPENAI_MODEL);
    expect(anthropicIds).not.toContain(OTHER_MODEL);

    const unified = await fetch(`${olla.url}/olla/models`, { headers: { authorization: `Bearer ${SECRETS.alice}` } });
    const text = await unified.text();
    expect(text).toContain(OPENAI_MODEL);
    expect(text).not.toContain(OTHER_MODEL);

    const proxyListing = await fetch(`${olla.url}/olla/proxy/v1/models`, {
      headers: { authorization: `Bearer ${SECRETS.alice}` },
    });
    expect(await proxyListing.text()).not.toContain(OTHER_MODEL);
  });
});

describe('which models, with the unifier off', () => {
  let plain: RunningOlla;
  afterAll(async () => plain?.close());

  it("filters /olla/models' per-endpoint view by the key's allow-list", async () => {
    plain = await startOlla(
      [
        { name: 'oa', url: openaiMock.url, type: 'openai-compatible' },
        { name: 'ol', url: ollamaMock.url, type: 'ollama' },
      ],
      {
        server: {
          auth: {
            enabled: true,
            keys: [
              { name: 'alice', key: SECRETS.alice, models: ['llama3*', 'qwen*'] },
              { name: 'ci', key: SECRETS.ci },
            ],
          },
        },
        model_registry: { enable_unifier: false },
      },
    );
    await waitForHealthy(plain, ['oa', 'ol']);
    interface EndpointView {
      models_by_family: Record<string, string[]>;
      recent_models: { name: string }[];
      model_groups?: { models: { name: string }[] }[];
      total_models: number;
    }
    const view = async (secret: string) => {
      const res = await fetch(`${plain.url}/olla/models?detailed=true&group=family`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as EndpointView;
      const names = (list: { name: string }[]) => list.map((m) => m.name).sort();
      return {
        byFamily: Object.values(body.models_by_family).flat().sort(),
        recent: names(body.recent_models),
        groups: names(body.model_groups?.flatMap((g) => g.models) ?? []),
        total: body.total_models,
      };
    };
    const allowed = [OPENAI_MODEL, OLLAMA_MODEL].sort();
    await waitFor(async () => (await view(SECRETS.ci)).total === 3, 5000, 'both nodes’ models listed');
    expect(await view(SECRETS.alice)).toEqual({ byFamily: allowed, recent: allowed, groups: allowed, total: 2 });
    // A key without an allow-list sees every model.
    const all = [OPENAI_MODEL, OTHER_MODEL, OLLAMA_MODEL].sort();
    expect(await view(SECRETS.ci)).toEqual({ byFamily: all, recent: all, groups: all, total: 3 });
    expect((await fetch(`${plain.url}/olla/models`)).status).toBe(401);
  });
});

describe('usage from real reports', () => {
  it('counts OpenAI usage of a whole completion', async () => {
    const before = await keyStats('ci');
    const reply = await openai(SECRETS.ci).chat.completions.create(chat(OPENAI_MODEL));
    const usage = reply.usage!;
    expect(usage.completion_tokens).toBe(6);
    await expectTokens('ci', before, usage.prompt_tokens, usage.completion_tokens);
  });

  it('counts a stream the client did not ask usage for, and never shows it the usage chunk', async () => {
    const expected = (await openai(SECRETS.ci).chat.completions.create(chat(OPENAI_MODEL))).usage!;
    const before = await keyStats('ci');
    const stream = await openai(SECRETS.ci).chat.completions.create({ ...chat(OPENAI_MODEL), stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.usage ?? undefined).toBeUndefined();
      expect(chunk.choices.length).toBeGreaterThan(0);
    }
    // The last inference request: a health probe or model poll may land after it.
    const posted = openaiMock.requests.filter((r) => r.method === 'POST');
    const sent = JSON.parse(posted.at(-1)!.body!) as { stream_options?: unknown };
    expect(sent.stream_options).toEqual({ include_usage: true });
    await expectTokens('ci', before, expected.prompt_tokens, expected.completion_tokens);
  });

  it('passes the usage chunk to a client that asked for it, and counts it once', async () => {
    const before = await keyStats('ci');
    const stream = await openai(SECRETS.ci).chat.completions.create({
      ...chat(OPENAI_MODEL),
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage?.completion_tokens).toBe(6);
    await expectTokens('ci', before, usage!.prompt_tokens, usage!.completion_tokens);
  });

  it("counts Ollama's prompt_eval_count and eval_count, streamed or not", async () => {
    const client = ollama(SECRETS.ci);
    let before = await keyStats('ci');
    const whole = await client.chat(chat(OLLAMA_MODEL));
    await expectTokens('ci', before, whole.prompt_eval_count, whole.eval_count);

    before = await keyStats('ci');
    let last: { prompt_eval_count: number; eval_count: number } | undefined;
    for await (const part of await client.chat({ ...chat(OLLAMA_MODEL), stream: true })) if (part.done) last = part;
    expect(last?.eval_count).toBe(5);
    await expectTokens('ci', before, last!.prompt_eval_count, last!.eval_count);
  });

  it('counts Anthropic usage, translated and passed through, streamed', async () => {
    const client = anthropic(SECRETS.ci);
    for (const model of [OPENAI_MODEL, OLLAMA_MODEL]) {
      const before = await keyStats('ci');
      const stream = client.messages.stream({ ...chat(model), max_tokens: 64 });
      const message = await stream.finalMessage();
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      await expectTokens('ci', before, message.usage.input_tokens, message.usage.output_tokens);
    }
  });

  it('counts what an aborted stream generated', async () => {
    openaiMock.setTokens(40, 40);
    try {
      const before = await keyStats('ci');
      const stream = await openai(SECRETS.ci).chat.completions.create({ ...chat(OPENAI_MODEL), stream: true });
      let seen = 0;
      // Leaving the loop aborts the request, as a user pressing stop would.
      for await (const _chunk of stream) if (++seen === 4) break;
      await openaiMock.waitForStreamClosed({ reason: 'client' });
      await waitFor(async () => (await keyStats('ci')).tokens_out > before.tokens_out, 5000, 'aborted tokens');
      const after = await keyStats('ci');
      expect(after.tokens_out - before.tokens_out).toBeGreaterThanOrEqual(4);
      expect(after.tokens_out - before.tokens_out).toBeLessThan(40);
      expect(after.tokens_in).toBeGreaterThan(before.tokens_in);
    } finally {
      openaiMock.setTokens(6, 0);
    }
  });
});

describe('how much', () => {
  async function rawChat(key: string, model = OPENAI_MODEL) {
    return fetch(`${olla.url}/olla/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(chat(model)),
    });
  }

  it('lets the request that crosses a token limit complete, then refuses with 429 and the limit headers', async () => {
    const first = await rawChat(SECRETS.bob);
    expect(first.status).toBe(200);
    const used = ((await first.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
    expect(used).toBeGreaterThan(5);
    await waitFor(async () => (await keyStats('bob')).windows.tokens_per_minute!.used >= used, 5000, 'bob window');

    const refused = await rawChat(SECRETS.bob);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('5');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const body = (await refused.json()) as { error: { type: string; message: string; limit: string } };
    expect(body.error).toMatchObject({ type: 'rate_limit_error', limit: 'tokens_per_minute' });

    const sdkError = await openai(SECRETS.bob)
      .chat.completions.create(chat(OPENAI_MODEL))
      .catch((e) => e);
    expect(sdkError).toBeInstanceOf(OpenAI.RateLimitError);
    expect((await keyStats('bob')).rejections.tokens_per_minute).toBeGreaterThanOrEqual(2);
  });

  it('refuses requests over requests_per_minute', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await rawChat(SECRETS.carol)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const stats = await keyStats('carol');
    expect(stats.rejections.requests_per_minute).toBe(1);
    expect(stats.windows.requests_per_minute).toMatchObject({ limit: 2, remaining: 0 });
  });

  it('refuses a request over max_concurrent while another is in flight, and admits again once it ends', async () => {
    openaiMock.setTokens(30, 30);
    try {
      const stream = await openai(SECRETS.dave).chat.completions.create({ ...chat(OPENAI_MODEL), stream: true });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next();
      const refused = await rawChat(SECRETS.dave);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-ratelimit-limit')).toBe('1');
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {}
    } finally {
      openaiMock.setTokens(6, 0);
    }
    await waitFor(async () => (await keyStats('dave')).windows.max_concurrent!.used === 0, 5000, 'slot released');
    expect((await rawChat(SECRETS.dave)).status).toBe(200);
    expect((await keyStats('dave')).rejections.max_concurrent).toBe(1);
  });
});

describe('usage per key', () => {
  it('reports each key in stats, Prometheus and the request log, by name', async () => {
    const alice = await keyStats('alice');
    expect(alice).toMatchObject({ name: 'alice', priority: 'high' });
    expect(alice.requests).toBeGreaterThanOrEqual(1);
    expect(alice.last_seen).not.toBeNull();

    const metrics = await (
      await fetch(`${olla.url}/internal/metrics`, { headers: { authorization: `Bearer ${SECRETS.admin}` } })
    ).text();
    expect(metrics).toMatch(/olla_client_key_requests_total\{key="alice"\} [1-9]/);
    expect(metrics).toMatch(/olla_client_key_tokens_total\{key="ci",direction="output"\} [1-9]/);
    expect(metrics).toMatch(/olla_client_key_rejections_total\{key="bob",reason="tokens_per_minute"\} [1-9]/);
    expect(metrics).toMatch(/olla_client_key_rejections_total\{key="none",reason="unauthenticated"\} [1-9]/);

    const lines = olla
      .logs()
      .split('\n')
      .filter((l) => l.includes('request completed'));
    expect(lines.some((l) => l.includes('"key":"alice"'))).toBe(true);
    expect(lines.some((l) => l.includes('"key":"ci"') && l.includes('/olla/anthropic/v1/messages'))).toBe(true);
  });

  it('shows no configured secret in status, stats, metrics or logs', async () => {
    const paths = [
      '/internal/status',
      '/internal/status/endpoints',
      '/internal/status/models',
      '/internal/stats/models',
      '/internal/stats/keys',
      '/internal/stats/translators',
      '/internal/process',
      '/internal/metrics',
      '/version',
    ];
    let seen = '';
    for (const path of paths) {
      const res = await fetch(`${olla.url}${path}`, { headers: { authorization: `Bearer ${SECRETS.admin}` } });
      seen += await res.text();
    }
    seen += olla.logs();
    expect(seen).toContain('alice');
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(seen.includes(secret), `${name}'s secret leaked`).toBe(false);
    }
  });
});

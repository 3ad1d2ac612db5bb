/**
 * Issue 5 end to end: the model catalogue that Olla builds from three different kinds of node,
 * and every listing built from it. The fleet is an Ollama serving `llama3.2:3b` and `qwen2.5:7b`,
 * a vLLM serving Llama 3.2 under its Hugging Face name, and an LM Studio serving the same
 * Hugging Face name plus a vision model.
 *
 * How overlap is expressed: the original merges by digest, else by name (case-insensitively),
 * and never by a guess at "the same weights". vLLM and LM Studio report no digest, so they share
 * the model by listing the same Hugging Face name; `llama3.2:3b` on Ollama stays a model of its
 * own, and the `llama-3.2-3b` alias joins the two into one routable name. Digest merging needs
 * two nodes that report digests, so it has a test of its own with two Ollamas.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { type RunningOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import { ALIAS, ALL_MODELS, HF_LLAMA, useModelFleet, VISION } from './model-fleet.js';

const { mock, startFleet, startOllaOver } = useModelFleet();

/** Response bodies are typed as loosely as each assertion needs; the assertions check the rest. */
type Body = Record<string, unknown>;
interface ListBody {
  object: string;
  data: (Body & { id: string })[];
}

async function getJson<T = Body>(url: string): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

interface StatusModels {
  timestamp: string;
  models_by_family: Record<string, string[]>;
  recent_models: Body[];
  model_groups?: unknown[];
}

interface UnifiedEntry {
  id: string;
  alias_of?: string[];
  olla?: { aliases: string[]; availability: { endpoint: string; state: string }[]; capabilities: string[] };
}

async function catalogue(olla: RunningOlla, query = ''): Promise<UnifiedEntry[]> {
  const { status, body } = await getJson<{ data: UnifiedEntry[] }>(`${olla.url}/olla/models${query}`);
  expect(status).toBe(200);
  return body.data;
}

const availabilityOf = (entries: UnifiedEntry[], id: string) =>
  entries.find((e) => e.id === id)?.olla?.availability.map((a) => `${a.endpoint}:${a.state}`);

async function chat(olla: RunningOlla, model: string) {
  const response = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.arrayBuffer();
  return { status: response.status, endpoint: response.headers.get('x-olla-endpoint') };
}

describe('the unified catalogue at /olla/models', () => {
  it('lists every model once with the nodes that serve it, and the alias beside its targets', async () => {
    const { olla } = await startFleet();
    const entries = await catalogue(olla);

    expect(entries.map((e) => e.id).sort()).toEqual([...ALL_MODELS, ALIAS].sort());
    expect(availabilityOf(entries, 'llama3.2:3b')).toEqual(['ollama-a:available']);
    expect(availabilityOf(entries, 'qwen2.5:7b')).toEqual(['ollama-a:available']);
    // The same Hugging Face name on two nodes is one model; vLLM cannot say whether it is loaded.
    expect(availabilityOf(entries, HF_LLAMA)).toEqual(['vllm-b:unknown', 'lmstudio-c:loaded']);
    expect(availabilityOf(entries, VISION)).toEqual(['lmstudio-c:loaded']);
    // Different names and no digest: the original keeps Ollama's tag and the HF name apart.
    expect(entries.find((e) => e.id === 'llama3.2:3b')?.olla?.aliases).toEqual(['llama3.2:3b']);
    expect(entries.find((e) => e.id === VISION)?.olla?.capabilities).toContain('vision');
    expect(entries.find((e) => e.id === ALIAS)).toMatchObject({ object: 'model', alias_of: ['llama3.2:3b', HF_LLAMA] });
  });

  it('merges the same digest listed under different names on two Ollamas, and finds it by either name', async () => {
    const digest = 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72';
    const first = await mock('ollama-1', 'ollama', [{ name: 'llama3.2:3b', digest }]);
    const second = await mock('ollama-2', 'ollama', [{ name: 'llama3.2:latest', digest }]);
    const olla = await startOllaOver([
      { name: 'ollama-1', url: first.url, type: 'ollama' },
      { name: 'ollama-2', url: second.url, type: 'ollama' },
    ]);
    await waitForHealthy(olla, ['ollama-1', 'ollama-2'], { models: ['llama3.2:3b', 'llama3.2:latest'] });
    await waitFor(async () => (await catalogue(olla)).length === 1, 5000, 'one unified model');

    const [merged] = await catalogue(olla);
    expect(merged?.id).toBe('llama3.2:3b');
    expect(merged?.olla?.aliases).toEqual(['llama3.2:3b', 'llama3.2:latest']);
    expect(merged?.olla?.availability.map((a) => a.endpoint)).toEqual(['ollama-1', 'ollama-2']);

    for (const name of ['llama3.2:3b', 'llama3.2:latest', 'LLAMA3.2:LATEST']) {
      const { status, body } = await getJson(`${olla.url}/olla/models/${encodeURIComponent(name)}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ id: 'llama3.2:3b', endpoints: ['ollama-1', 'ollama-2'] });
    }
  });

  it('answers /olla/models/{id} by ID (slashes and all) and by alias, and 404 JSON naming an unknown one', async () => {
    const { olla } = await startFleet();

    const byId = await getJson<Body & { capabilities: string[] }>(`${olla.url}/olla/models/${HF_LLAMA}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({
      id: HF_LLAMA,
      aliases: [HF_LLAMA],
      endpoints: ['vllm-b', 'lmstudio-c'],
      loaded_endpoints: ['lmstudio-c'],
      max_context_length: 8192,
    });
    expect(byId.body.capabilities).toContain('chat');

    // A percent-encoded slash is the same ID.
    const encoded = await getJson(`${olla.url}/olla/models/${encodeURIComponent(HF_LLAMA)}`);
    expect(encoded.body).toMatchObject({ id: HF_LLAMA });

    // A configured alias resolves too, as listings show it.
    const alias = await getJson(`${olla.url}/olla/models/${ALIAS}`);
    expect(alias.status).toBe(200);
    expect(alias.body).toEqual({
      id: ALIAS,
      alias_of: ['llama3.2:3b', HF_LLAMA],
      endpoints: ['ollama-a', 'vllm-b', 'lmstudio-c'],
    });

    // A literal `%` is decoded once only: an unknown name, not a server error.
    const percent = await getJson(`${olla.url}/olla/models/100%25-not-a-model`);
    expect(percent.status).toBe(404);
    expect(percent.body).toMatchObject({ model: '100%-not-a-model' });

    const unknown = await getJson(`${olla.url}/olla/models/no-such-model:1b`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/json');
    expect(unknown.body).toMatchObject({ model: 'no-such-model:1b' });
    expect(unknown.body.error).toContain('no-such-model:1b');
    expect(JSON.stringify(unknown.body)).toContain('/olla/models');
  });

  it('renders the catalogue as OpenAI, Ollama and LM Studio lists, each with the names that backend type knows', async () => {
    const { olla } = await startFleet();

    const openai = await getJson<ListBody>(`${olla.url}/olla/models?format=openai`);
    expect(openai.body.object).toBe('list');
    expect(openai.body.data.map((m) => m.id).sort()).toEqual([...ALL_MODELS, ALIAS].sort());
    expect(openai.body.data.find((m) => m.id === ALIAS)?.alias_of).toEqual(['llama3.2:3b', HF_LLAMA]);

    const ollama = await getJson<{ models: (Body & { name: string })[] }>(`${olla.url}/olla/models?format=ollama`);
    expect(ollama.body.models.map((m) => m.name)).toEqual(['llama3.2:3b', 'qwen2.5:7b']);
    expect(ollama.body.models[0]).toMatchObject({
      model: 'llama3.2:3b',
      details: { family: 'llama', quantization_level: 'Q4_K_M' },
    });

    const lmstudio = await getJson<ListBody>(`${olla.url}/olla/models?format=lmstudio`);
    expect(lmstudio.body.data).toEqual([
      expect.objectContaining({ id: HF_LLAMA, object: 'model', type: 'llm', state: 'loaded' }),
      expect.objectContaining({ id: VISION, object: 'model', type: 'vlm', state: 'loaded' }),
    ]);

    const bad = await getJson(`${olla.url}/olla/models?format=yaml`);
    expect(bad.status).toBe(400);
  });

  it('filters by endpoint, family and availability', async () => {
    const { olla } = await startFleet();
    const ids = async (query: string) =>
      (await catalogue(olla, query))
        .filter((e) => !e.alias_of)
        .map((e) => e.id)
        .sort();

    expect(await ids('?endpoint=ollama-a')).toEqual(['llama3.2:3b', 'qwen2.5:7b']);
    expect(await ids('?endpoint=vllm-b')).toEqual([HF_LLAMA]);
    expect(await ids('?family=qwen')).toEqual(['qwen2.5:7b', VISION].sort());
    expect(await ids('?family=llama')).toEqual([HF_LLAMA, 'llama3.2:3b'].sort());
    // `available` means loaded somewhere: LM Studio says so, Ollama lists pulled models only.
    expect(await ids('?available=true')).toEqual([HF_LLAMA, VISION].sort());
    expect(await ids('?available=false')).toEqual(['llama3.2:3b', 'qwen2.5:7b']);
    expect(await ids('?endpoint=lmstudio-c&family=qwen')).toEqual([VISION]);
    expect((await getJson(`${olla.url}/olla/models?available=maybe`)).status).toBe(400);
  });
});

describe('model filters', () => {
  it("keeps an endpoint's excluded models out of the catalogue, the listings and routing", async () => {
    const ollama = await mock('ollama-a', 'ollama', ['llama3.2:3b', 'qwen2.5:7b', 'nomic-embed-text:latest']);
    const olla = await startOllaOver([
      // Globs are case-insensitive.
      { name: 'ollama-a', url: ollama.url, type: 'ollama', model_filter: { exclude: ['*embed*', 'QWEN*'] } },
    ]);
    await waitForHealthy(olla, ['ollama-a'], { models: ['llama3.2:3b'] });

    expect((await catalogue(olla)).map((e) => e.id)).toEqual(['llama3.2:3b']);
    const tags = await getJson<{ models: { name: string }[] }>(`${olla.url}/olla/ollama/api/tags`);
    expect(tags.body.models.map((m) => m.name)).toEqual(['llama3.2:3b']);
    expect(await chat(olla, 'nomic-embed-text:latest')).toEqual({ status: 404, endpoint: null });
  });
  it('applies the top-level model_filter to every endpoint before its own filter', async () => {
    const ollama = await mock('ollama-a', 'ollama', ['llama3.2:3b', 'qwen2.5:7b', 'nomic-embed-text:latest']);
    const vllm = await mock('vllm-b', 'vllm', [HF_LLAMA, 'BAAI/bge-embed-small']);
    const olla = await startOllaOver(
      [
        { name: 'ollama-a', url: ollama.url, type: 'ollama', model_filter: { exclude: ['qwen*'] } },
        { name: 'vllm-b', url: vllm.url, type: 'vllm' },
      ],
      { model_filter: { exclude: ['*EMBED*'] } },
    );
    await waitForHealthy(olla, ['ollama-a', 'vllm-b'], { models: ['llama3.2:3b', HF_LLAMA] });

    expect((await catalogue(olla)).map((e) => e.id).sort()).toEqual([HF_LLAMA, 'llama3.2:3b'].sort());
    const listed = await getJson<ListBody>(`${olla.url}/olla/proxy/v1/models`);
    expect(listed.body.data.map((m) => m.id).sort()).toEqual([HF_LLAMA, 'llama3.2:3b'].sort());
    for (const model of ['nomic-embed-text:latest', 'BAAI/bge-embed-small', 'qwen2.5:7b']) {
      expect(await chat(olla, model), model).toEqual({ status: 404, endpoint: null });
    }
    expect(await chat(olla, 'llama3.2:3b')).toEqual({ status: 200, endpoint: 'ollama-a' });
  });
});

describe('provider listings through the official clients', () => {
  it('lists OpenAI-compatible models through /olla/proxy/v1/models and /olla/openai/v1/models with the openai SDK', async () => {
    const { olla } = await startFleet();
    for (const base of ['/olla/proxy/v1', '/olla/openai/v1']) {
      const client = new OpenAI({ baseURL: `${olla.url}${base}`, apiKey: 'unused' });
      const ids: string[] = [];
      for await (const model of client.models.list()) {
        expect(model.object).toBe('model');
        ids.push(model.id);
      }
      expect(ids.sort(), base).toEqual([...ALL_MODELS, ALIAS].sort());
    }
  });

  it("lists the Ollama nodes' models with the ollama client through /olla/ollama", async () => {
    const { olla } = await startFleet();
    const client = new Ollama({ host: `${olla.url}/olla/ollama` });
    const { models } = await client.list();
    expect(models.map((m) => m.name)).toEqual(['llama3.2:3b', 'qwen2.5:7b']);
    expect(models[0]?.details.family).toBe('llama');
  });

  it("answers LM Studio's /api/v0/models with the LM Studio node's models in its own shape", async () => {
    const { olla } = await startFleet();
    const { status, body } = await getJson<ListBody>(`${olla.url}/olla/lmstudio/api/v0/models`);
    expect(status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual([HF_LLAMA, VISION]);
    for (const model of body.data) {
      expect(model).toMatchObject({ object: 'model', state: 'loaded', max_context_length: 8192 });
      expect(['llm', 'vlm']).toContain(model.type);
    }
  });

  it("answers vLLM's /v1/models under /olla/vllm with the vLLM node's models in vLLM's shape", async () => {
    const { olla } = await startFleet();
    const { status, body } = await getJson<ListBody>(`${olla.url}/olla/vllm/v1/models`);
    expect(status).toBe(200);
    expect(body.data).toEqual([
      expect.objectContaining({
        id: HF_LLAMA,
        object: 'model',
        owned_by: 'meta-llama',
        root: HF_LLAMA,
        max_model_len: 8192,
      }),
    ]);
    expect(body.data[0]?.permission).toEqual([expect.objectContaining({ object: 'model_permission' })]);
  });

  it('shapes /internal/status/models as the original does', async () => {
    const { olla } = await startFleet();
    const { status, body } = await getJson<StatusModels>(`${olla.url}/internal/status/models`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_models: 4, total_endpoints: 3 });
    expect(typeof body.timestamp).toBe('string');
    expect(body.models_by_family.llama?.sort()).toEqual([HF_LLAMA, 'llama3.2:3b'].sort());
    expect(body.models_by_family.qwen?.sort()).toEqual(['qwen2.5:7b', VISION].sort());
    expect(body.recent_models.length).toBeGreaterThan(0);
    for (const model of body.recent_models) {
      expect(typeof model.name).toBe('string');
      expect(Array.isArray(model.endpoints)).toBe(true);
      expect(typeof model.last_seen).toBe('string');
    }
    expect(body.model_groups).toBeUndefined();

    const grouped = await getJson<StatusModels>(`${olla.url}/internal/status/models?detailed=true&group=family`);
    expect(Array.isArray(grouped.body.model_groups)).toBe(true);
  });
});

describe('listings with the unifier off', () => {
  it('lists every native name of every endpoint, merged neither by digest nor by case, in each provider listing', async () => {
    const digest = 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72';
    const first = await mock('ollama-1', 'ollama', [{ name: 'llama3.2:3b', digest }, 'qwen2.5:7b']);
    const second = await mock('ollama-2', 'ollama', [{ name: 'llama3.2:latest', digest }, 'QWEN2.5:7B', 'qwen2.5:7b']);
    const vllm = await mock('vllm-b', 'vllm', [HF_LLAMA]);
    const olla = await startOllaOver(
      [
        { name: 'ollama-1', url: first.url, type: 'ollama' },
        { name: 'ollama-2', url: second.url, type: 'ollama' },
        { name: 'vllm-b', url: vllm.url, type: 'vllm' },
      ],
      { model_registry: { enable_unifier: false } },
    );
    const ollamaNames = ['llama3.2:3b', 'qwen2.5:7b', 'llama3.2:latest', 'QWEN2.5:7B'];
    await waitForHealthy(olla, ['ollama-1', 'ollama-2', 'vllm-b']);
    const openAiIds = async () =>
      (await getJson<ListBody>(`${olla.url}/olla/proxy/v1/models`)).body.data.map((m) => m.id).sort();
    await waitFor(async () => (await openAiIds()).length === 5, 5000, 'five listed models');

    expect(await openAiIds()).toEqual([...ollamaNames, HF_LLAMA].sort());
    const tags = await getJson<{ models: { name: string }[] }>(`${olla.url}/olla/ollama/api/tags`);
    expect(tags.body.models.map((m) => m.name).sort()).toEqual([...ollamaNames].sort());
    const vllmList = await getJson<ListBody>(`${olla.url}/olla/vllm/v1/models`);
    expect(vllmList.body.data.map((m) => m.id)).toEqual([HF_LLAMA]);
    // Still routable by exact native name, on the node that lists it.
    expect(await chat(olla, 'llama3.2:latest')).toEqual({ status: 200, endpoint: 'ollama-2' });
  });
});

describe("the operator's models.yaml", () => {
  it('unifies with the rules of a models.yaml found in $OLLA_CONFIG_DIR, built-ins for the keys it leaves out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'olla-models-yaml-'));
    writeFileSync(
      join(dir, 'models.yaml'),
      ['capabilities:', '  name_patterns:', '    - pattern: "(ACME|coyote)"', '      capabilities: [anvils]'].join(
        '\n',
      ),
    );
    const ollama = await mock('ollama-a', 'ollama', ['acme-coder-7b', 'llama3.2:3b']);
    const previous = process.env.OLLA_CONFIG_DIR;
    process.env.OLLA_CONFIG_DIR = dir;
    const olla = await startOllaOver([{ name: 'ollama-a', url: ollama.url, type: 'ollama' }]).finally(() => {
      if (previous === undefined) delete process.env.OLLA_CONFIG_DIR;
      else process.env.OLLA_CONFIG_DIR = previous;
    });
    await waitForHealthy(olla, ['ollama-a'], { models: ['acme-coder-7b', 'llama3.2:3b'] });

    const capabilitiesOf = async (id: string) => (await catalogue(olla)).find((e) => e.id === id)?.olla?.capabilities;
    // The file's name patterns (matched without regard to case) replace the built-in ones, so
    // "coder" no longer means code generation; the type capabilities are still the built-ins.
    expect(await capabilitiesOf('acme-coder-7b')).toContain('anvils');
    expect(await capabilitiesOf('acme-coder-7b')).not.toContain('code-generation');
    expect(await capabilitiesOf('llama3.2:3b')).not.toContain('anvils');
    expect(olla.logs()).toContain('Loaded model unification rules');
  });
});

describe('a catalogue that follows the nodes', () => {
  it('serves a model a node gains at run time from the first discovery after the change, and drops one it loses', async () => {
    const { olla, ollama } = await startFleet();
    const tagFetches = () => ollama.requests.filter((r) => r.path === '/api/tags').length;

    const before = tagFetches();
    ollama.setModels(['llama3.2:3b', 'phi4:14b']);
    await waitFor(() => olla.olla.models.find('phi4:14b') !== undefined, 5000, 'phi4:14b discovered');
    // The first poll after the change found it (a second may have started while we looked).
    expect(tagFetches() - before).toBeGreaterThanOrEqual(1);
    expect(tagFetches() - before).toBeLessThanOrEqual(2);
    expect(await chat(olla, 'phi4:14b')).toEqual({ status: 200, endpoint: 'ollama-a' });
    expect(availabilityOf(await catalogue(olla), 'phi4:14b')).toEqual(['ollama-a:available']);

    // qwen2.5:7b went with the same change.
    await waitFor(async () => !(await catalogue(olla)).some((e) => e.id === 'qwen2.5:7b'), 5000, 'qwen gone');
    expect((await chat(olla, 'qwen2.5:7b')).status).toBe(404);
  });

  it("keeps a node's last good models when its list turns bad or partial, logging each change once", async () => {
    const { olla, vllm } = await startFleet();
    const listFetches = () => vllm.requests.filter((r) => r.path === '/v1/models').length;
    const logged = (message: string) =>
      olla
        .logs()
        .split('\n')
        .filter((line) => line.includes(message) && line.includes('"vllm-b"')).length;
    const catalogueIds = async () => (await catalogue(olla)).map((e) => e.id).sort();
    const everything = await catalogueIds();

    vllm.setFault('garbage', { paths: ['/v1/models'] });
    const before = listFetches();
    await waitFor(() => listFetches() >= before + 2, 5000, 'two bad polls');
    vllm.setFault(null);
    expect(logged('Model discovery failed')).toBe(1);
    expect(await catalogueIds()).toEqual(everything);
    expect(availabilityOf(await catalogue(olla), HF_LLAMA)).toEqual(['vllm-b:unknown', 'lmstudio-c:loaded']);
    await waitFor(() => logged('Model discovery recovered') === 1, 5000, 'recovery logged');

    // An entry without a usable ID is skipped; the rest of the list still counts.
    vllm.setModels([HF_LLAMA, { name: 'broken', extra: { id: 42 } }, 'mistralai/Mistral-7B-Instruct-v0.3']);
    await waitFor(() => olla.olla.models.find('mistralai/Mistral-7B-Instruct-v0.3') !== undefined, 5000, 'mistral');
    const afterPartial = listFetches();
    await waitFor(() => listFetches() >= afterPartial + 2, 5000, 'two more partial polls');
    expect(logged('Model list had unreadable entries')).toBe(1);
    expect(availabilityOf(await catalogue(olla), HF_LLAMA)).toEqual(['vllm-b:unknown', 'lmstudio-c:loaded']);
  });

  it('drops a stopped node from its models: requests carry on on the other node, and availability says so', async () => {
    const { olla, lmstudio } = await startFleet();
    await lmstudio.stop();
    await waitFor(() => olla.olla.endpoints.get('lmstudio-c')?.status !== 'healthy', 5000, 'lmstudio-c down');

    for (let i = 0; i < 20; i++) expect(await chat(olla, HF_LLAMA)).toEqual({ status: 200, endpoint: 'vllm-b' });

    const entries = await catalogue(olla);
    expect(availabilityOf(entries, HF_LLAMA)).toEqual(['vllm-b:unknown', 'lmstudio-c:offline']);
    // A model only the stopped node had leaves the default view; include_unavailable shows it.
    expect(entries.some((e) => e.id === VISION)).toBe(false);
    expect(availabilityOf(await catalogue(olla, '?include_unavailable=true'), VISION)).toEqual(['lmstudio-c:offline']);

    // And it comes back when the node does.
    await lmstudio.start();
    await waitFor(
      async () => availabilityOf(await catalogue(olla), HF_LLAMA)?.includes('lmstudio-c:loaded') === true,
      5000,
      'lmstudio-c back',
    );
  });
});

import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';

describe('Olla in front of a mock backend', () => {
  let mock: MockBackend | undefined;
  let olla: RunningOlla | undefined;
  afterEach(async () => {
    await olla?.close();
    await mock?.close();
  });

  it('answers an OpenAI chat completion through /olla/proxy/v1 with the X-Olla headers', async () => {
    mock = await startMockBackend({ name: 'node-a', flavour: 'openai', models: ['llama3.2:3b'] });
    olla = await startOlla([{ name: 'node-a', url: mock.url, type: 'openai-compatible' }]);
    await waitForHealthy(olla, ['node-a'], { models: ['llama3.2:3b'] });

    const client = new OpenAI({ baseURL: `${olla.url}/olla/proxy/v1`, apiKey: 'unused' });
    const { data, response } = await client.chat.completions
      .create({ model: 'llama3.2:3b', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toContain('Hello from node-a (llama3.2:3b)');
    expect(response.headers.get('x-olla-endpoint')).toBe('node-a');
    expect(response.headers.get('x-olla-model')).toBe('llama3.2:3b');
    expect(response.headers.get('x-olla-backend-type')).toBe('openai-compatible');
    expect(response.headers.get('x-olla-response-time')).toMatch(/^\d+ms$/);
    expect(response.headers.get('x-olla-routing-decision')).toBe('routed');
  });

  it('routes by model when curl labels a JSON body as a form', async () => {
    mock = await startMockBackend({ name: 'node-a', flavour: 'openai', models: ['llama3.2:3b'] });
    olla = await startOlla([{ name: 'node-a', url: mock.url, type: 'openai-compatible' }]);
    await waitForHealthy(olla, ['node-a'], { models: ['llama3.2:3b'] });

    const response = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify({ model: 'nobody-has-this', messages: [] }),
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { model: string }).model).toBe('nobody-has-this');
  });
});

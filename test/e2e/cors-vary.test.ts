import { describe, expect, it } from 'vitest';
import { waitForHealthy } from '../helpers/olla.js';
import { ENGINES, useServers } from './proxy-support.js';

/**
 * Issue 21: on a proxied response with CORS on, the backend's `Vary` and CORS's `Vary: Origin`
 * are merged (case-insensitively, each name once) rather than one replacing the other, so no
 * cache hands one origin's or one encoding's answer to another.
 */

const ORIGIN = 'https://webui.example';
const MODEL = 'llama3.2:3b';
const servers = useServers();

describe.each(ENGINES)('Vary on proxied responses (%s engine)', (engine) => {
  async function start(upstreamVary: string | undefined) {
    const mock = await servers.mock({
      name: 'node-a',
      flavour: 'openai',
      models: [MODEL],
      script: (request) =>
        request.path === '/v1/chat/completions'
          ? {
              kind: 'json',
              body: { id: 'x', object: 'chat.completion', choices: [] },
              headers: upstreamVary === undefined ? {} : ({ vary: upstreamVary } as Record<string, string>),
            }
          : undefined,
    });
    const olla = await servers.olla(engine, [{ name: 'node-a', url: mock.url, type: 'openai-compatible' }], {
      server: { cors: { enabled: true, allowed_origins: [ORIGIN] } },
    });
    await waitForHealthy(olla, ['node-a'], { models: [MODEL] });
    return olla;
  }

  async function varyOf(url: string, origin: string | undefined): Promise<string | null> {
    const response = await fetch(`${url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    return response.headers.get('vary');
  }

  it("keeps Origin beside the backend's Accept-Encoding", async () => {
    const olla = await start('Accept-Encoding');
    expect(await varyOf(olla.url, ORIGIN)).toBe('Origin, Accept-Encoding');
    expect(await varyOf(olla.url, undefined)).toBe('Origin, Accept-Encoding');
  });

  it('lists a name the backend also sends once, whatever its case', async () => {
    const olla = await start('origin, Accept-Encoding, ACCEPT-ENCODING');
    expect(await varyOf(olla.url, ORIGIN)).toBe('Origin, Accept-Encoding');
  });

  it('keeps Origin alone when the backend sends no Vary', async () => {
    const olla = await start(undefined);
    expect(await varyOf(olla.url, ORIGIN)).toBe('Origin');
  });
});

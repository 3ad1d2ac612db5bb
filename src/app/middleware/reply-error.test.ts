import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../core/errors.js';
import { replyWithError } from './reply-error.js';

describe('replyWithError', () => {
  it('answers in the dialect of the route family', async () => {
    const app = Fastify();
    app.addHook('onRequest', (request, reply, done) => {
      if (request.url.includes('refuse'))
        return void replyWithError(request, reply, new RateLimitedError('slow down', 7));
      done();
    });
    app.all('/*', async () => 'ok');
    const anthropic = await app.inject({ method: 'POST', url: '/olla/anthropic/v1/messages?refuse' });
    expect(anthropic.statusCode).toBe(429);
    expect(anthropic.headers['retry-after']).toBe('7');
    expect(anthropic.json()).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
    });
    const openai = await app.inject({ method: 'POST', url: '/olla/vllm/v1/chat/completions?refuse' });
    expect(openai.json()).toMatchObject({ error: { message: 'slow down', type: 'rate_limit_error' } });
    const olla = await app.inject({ url: '/internal/status?refuse' });
    expect(olla.json()).toMatchObject({ error: 'slow down', code: 'OLLA_ERR_RATE_LIMITED', status: 429 });
    await app.close();
  });
});

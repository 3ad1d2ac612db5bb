import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redactCredentials } from './redact.js';
import { createInspector } from './session-inspector.js';

describe('createInspector', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'olla-inspector-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const on = () => createInspector({ enabled: true, outputDir: dir, sessionHeader: 'X-Session-ID' });

  async function linesOf(session: string): Promise<Record<string, unknown>[]> {
    const [day] = await readdir(dir);
    expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const text = await readFile(join(dir, day!, `${session}.jsonl`), 'utf8');
    return text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  }

  it('is a no-op when disabled and writes nothing', async () => {
    const inspector = createInspector({ enabled: false, outputDir: dir, sessionHeader: 'X-Session-ID' });
    expect(inspector.enabled).toBe(false);
    inspector.logRequest('s', 'm', { a: 1 });
    await inspector.flush();
    expect(await readdir(dir)).toEqual([]);
  });

  it('appends request and response lines per session, in order', async () => {
    const inspector = on();
    inspector.logRequest('s1', 'llama3', { messages: [] });
    inspector.logResponse('s1', { content: [] });
    await inspector.flush();
    const lines = await linesOf('s1');
    expect(lines.map((l) => l.type)).toEqual(['request', 'response']);
    expect(lines[0]).toMatchObject({ model: 'llama3', body: { messages: [] } });
    expect(lines[0]!.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/);
    expect(lines[1]).not.toHaveProperty('model');
  });

  it('keeps the files private to the owner', async () => {
    const inspector = on();
    inspector.logRequest('s', 'm', {});
    await inspector.flush();
    const [day] = await readdir(dir);
    expect((await stat(join(dir, day!))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, day!, 's.jsonl'))).mode & 0o777).toBe(0o600);
  });

  it('takes the session from the configured header, then X-Request-ID, then default', () => {
    const inspector = on();
    expect(inspector.sessionId({ 'x-session-id': 'abc', 'x-request-id': 'r' })).toBe('abc');
    expect(inspector.sessionId({ 'x-request-id': 'r' })).toBe('r');
    expect(inspector.sessionId({})).toBe('default');
  });

  it('writes unsafe session ids to the default file instead of escaping the directory', async () => {
    const inspector = on();
    inspector.logRequest('../../etc/passwd', 'm', {});
    inspector.logRequest('x'.repeat(65), 'm', {});
    await inspector.flush();
    expect(await linesOf('default')).toHaveLength(2);
  });

  it('redacts credentials found in bodies', async () => {
    const inspector = on();
    inspector.logRequest('s', 'm', { metadata: { Authorization: 'Bearer x', 'x-api-key': 'k', user_id: 'u' } });
    await inspector.flush();
    expect((await linesOf('s'))[0]!.body).toEqual({
      metadata: { Authorization: '[redacted]', 'x-api-key': '[redacted]', user_id: 'u' },
    });
  });

  it('only warns when a write fails, never throws to the caller', async () => {
    const warnings: unknown[] = [];
    const inspector = createInspector(
      { enabled: true, outputDir: join(dir, 'file'), sessionHeader: '' },
      { warn: ((...args: unknown[]) => warnings.push(args)) as never },
    );
    // A file where the day directory should go makes mkdir fail.
    await writeFile(join(dir, 'file'), 'x');
    inspector.logRequest('s', 'm', {});
    await inspector.flush();
    expect(warnings.length).toBeGreaterThanOrEqual(2);
  });
});

describe('redactCredentials', () => {
  it('replaces credential-named fields at any depth and leaves the rest alone', () => {
    expect(
      redactCredentials({
        api_key: 'a',
        nested: [{ password: 'p', access_token: 't', max_tokens: 5 }],
        text: 'Authorization: Bearer in prose is content, not a field',
      }),
    ).toEqual({
      api_key: '[redacted]',
      nested: [{ password: '[redacted]', access_token: '[redacted]', max_tokens: 5 }],
      text: 'Authorization: Bearer in prose is content, not a field',
    });
  });
});

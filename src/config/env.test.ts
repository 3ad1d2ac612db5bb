import { describe, expect, it } from 'vitest';
import { applyEnvOverrides, envKeyLabel } from './env.js';

describe('applyEnvOverrides', () => {
  it('writes each variable into its key, creating sections as needed', () => {
    const { document, sources } = applyEnvOverrides(
      { server: { host: 'localhost' } },
      {
        OLLA_SERVER_PORT: '41234',
        OLLA_PROXY_ENGINE: 'sherpa',
        OLLA_SERVER_MAX_BODY_SIZE: '50MB',
        OLLA_SERVER_CORS_ENABLED: 'TRUE',
        OLLA_SERVER_CORS_ALLOWED_ORIGINS: 'http://a.test, http://b.test',
        OLLA_TRANSLATORS_ANTHROPIC_MAX_MESSAGE_SIZE: '1048576',
      },
    );
    expect(document).toEqual({
      server: {
        host: 'localhost',
        port: 41234,
        request_limits: { max_body_size: '50MB' },
        cors: { enabled: true, allowed_origins: ['http://a.test', 'http://b.test'] },
      },
      proxy: { engine: 'sherpa' },
      translators: { anthropic: { max_message_size: 1_048_576 } },
    });
    expect(sources.get('server.port')).toBe('OLLA_SERVER_PORT');
  });

  it('leaves the given document unchanged', () => {
    const original = { server: { port: 1 } };
    applyEnvOverrides(original, { OLLA_SERVER_PORT: '2' });
    expect(original).toEqual({ server: { port: 1 } });
  });

  it('ignores empty and unknown variables', () => {
    const { document, sources } = applyEnvOverrides({}, { OLLA_SERVER_PORT: '', OLLA_SERVER_COLOUR: 'blue' });
    expect(document).toEqual({});
    expect(sources.size).toBe(0);
  });

  it('passes text that is not a number or boolean through for the schema to report', () => {
    const { document } = applyEnvOverrides({}, { OLLA_SERVER_PORT: 'eighty', OLLA_SHOW_NERD_STATS: 'maybe' });
    expect(document).toEqual({ server: { port: 'eighty' }, engineering: { show_nerdstats: 'maybe' } });
  });
});

describe('envKeyLabel', () => {
  it('names the variable behind a key, and leaves other keys alone', () => {
    const label = envKeyLabel(new Map([['server.port', 'OLLA_SERVER_PORT']]));
    expect(label('server.port')).toBe('OLLA_SERVER_PORT (server.port)');
    expect(label('server.host')).toBe('server.host');
  });
});

import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/parse.js';
import { ConfigError } from '../../core/errors.js';
import { ReloadController } from './reload-controller.js';

const NO_CHANGES = { endpoints: { added: [], removed: [], changed: [] }, applied: [], restartRequired: [] };
const quiet = { info() {}, warn() {}, error() {} };

describe('ReloadController', () => {
  it('applies a valid config, then refuses a bad one and keeps the applied one, counting both', () => {
    const initial = defaultConfig();
    const next = { ...defaultConfig(), filename: 'next' };
    const counts: string[] = [];
    let loads = 0;
    const controller = new ReloadController({
      initial,
      load: () => {
        loads++;
        if (loads === 2) throw new ConfigError(['proxy.load_balancer: unknown']);
        return { config: next, warnings: ['unknown key x (ignored)'] };
      },
      apply: () => ({ ...NO_CHANGES, endpoints: { added: ['b'], removed: [], changed: [] } }),
      logger: quiet,
      count: (result) => counts.push(result),
      now: () => new Date(0),
    });
    expect(controller.last).toBeUndefined();
    expect(controller.reload('SIGHUP')).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      trigger: 'SIGHUP',
      outcome: 'applied',
      warnings: ['unknown key x (ignored)'],
      endpoints_added: ['b'],
    });
    expect(controller.current).toBe(next);
    expect(controller.reload('watch')).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      trigger: 'watch',
      outcome: 'refused',
      errors: ['proxy.load_balancer: unknown'],
    });
    expect(controller.current).toBe(next);
    expect(counts).toEqual(['success', 'failure']);
  });

  it('refuses when applying throws, and keeps the config it had', () => {
    const initial = defaultConfig();
    const controller = new ReloadController({
      initial,
      load: () => ({ config: defaultConfig(), warnings: [] }),
      apply: () => {
        throw new ConfigError(['server.port: the listening address cannot change without a restart']);
      },
      logger: quiet,
    });
    expect(controller.reload('manual').outcome).toBe('refused');
    expect(controller.current).toBe(initial);
  });
});

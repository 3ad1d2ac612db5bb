/**
 * Reloads: re-reads and validates the config (SIGHUP, a watched file change), applies it, and
 * remembers how the last attempt went for `/internal/status`. A config that fails validation or
 * cannot be applied is refused as a whole and Olla carries on with the one it has.
 */
import type { ParsedConfig } from '../../config/parse.js';
import type { OllaConfig } from '../../config/types.js';
import { ConfigError } from '../../core/errors.js';
import type { AppliedReload } from './apply-config.js';

export type ReloadTrigger = 'SIGHUP' | 'watch' | 'manual';

/** The last reload as `/internal/status` shows it (snake_case like the rest of the body). */
export interface ReloadStatus {
  at: string;
  trigger: ReloadTrigger;
  outcome: 'applied' | 'refused';
  /** Each problem on one line, naming the key path. */
  errors?: string[];
  warnings?: string[];
  endpoints_added?: string[];
  endpoints_removed?: string[];
  endpoints_changed?: string[];
  /** Changed keys that take effect only after a restart. */
  restart_required?: string[];
}

export interface ReloadLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ReloadControllerOptions {
  /** Reads and validates the config again; throws `ConfigError` for a bad one. */
  load: () => ParsedConfig;
  apply: (before: OllaConfig, after: OllaConfig) => AppliedReload;
  initial: OllaConfig;
  logger: ReloadLogger;
  /** Counts each attempt, for `olla_config_reloads_total{result}`. */
  count?: (result: 'success' | 'failure') => void;
  now?: () => Date;
}

export class ReloadController {
  readonly #options: ReloadControllerOptions;
  #current: OllaConfig;
  #last: ReloadStatus | undefined;

  constructor(options: ReloadControllerOptions) {
    this.#options = options;
    this.#current = options.initial;
  }

  /** The config requests are served with now. */
  get current(): OllaConfig {
    return this.#current;
  }

  get last(): ReloadStatus | undefined {
    return this.#last;
  }

  /** Never throws: the outcome is logged, counted and kept for the status page. */
  reload(trigger: ReloadTrigger): ReloadStatus {
    const { load, apply, logger, count } = this.#options;
    const at = (this.#options.now?.() ?? new Date()).toISOString();
    let status: ReloadStatus;
    try {
      const { config, warnings } = load();
      const applied = apply(this.#current, config);
      this.#current = config;
      status = {
        at,
        trigger,
        outcome: 'applied',
        ...nonEmpty('warnings', warnings),
        ...nonEmpty('endpoints_added', applied.endpoints.added),
        ...nonEmpty('endpoints_removed', applied.endpoints.removed),
        ...nonEmpty('endpoints_changed', applied.endpoints.changed),
        ...nonEmpty('restart_required', applied.restartRequired),
      };
      for (const warning of warnings) logger.warn({ trigger }, `config reload: ${warning}`);
      if (applied.restartRequired.length > 0) {
        logger.warn(
          { trigger, keys: applied.restartRequired },
          'config reload: these changes take effect only after a restart',
        );
      }
      logger.info(
        { trigger, applied: applied.applied, ...applied.endpoints },
        applied.applied.length === 0 ? 'config reloaded, nothing to change' : 'config reloaded',
      );
      count?.('success');
    } catch (err) {
      const errors = err instanceof ConfigError ? err.issues : [err instanceof Error ? err.message : String(err)];
      status = { at, trigger, outcome: 'refused', errors };
      logger.error({ trigger, errors }, 'config reload refused; still serving with the previous config');
      count?.('failure');
    }
    this.#last = status;
    return status;
  }
}

function nonEmpty<K extends string>(key: K, list: readonly string[]): Partial<Record<K, string[]>> {
  return list.length > 0 ? ({ [key]: [...list] } as Record<K, string[]>) : {};
}

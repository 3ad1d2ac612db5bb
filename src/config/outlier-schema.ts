/**
 * `proxy.outlier_detection` and an endpoint's own `outlier_detection` block. Both take the same
 * keys; the proxy's has defaults, an endpoint's has none (a key it leaves out takes the proxy's).
 */
import * as z from 'zod';
import { formatDuration } from './duration.js';
import { bool, integer, maybe, optional, positiveDuration, section } from './fields.js';
import type { OutlierDetectionConfig } from './types.js';
import { MINUTE, SECOND } from './units.js';

const PARSERS = {
  enabled: bool,
  consecutive_failures: integer(1),
  failure_rate_threshold: integer(0, 100, 'a percentage from 0 (rule off) to 100'),
  failure_rate_window: positiveDuration,
  failure_rate_min_requests: integer(1),
  base_ejection_time: positiveDuration,
  max_ejection_time: positiveDuration,
};

/** Envoy's failure-percentage defaults, but a 50 % threshold over 10 s with at least 20 requests. */
export const OUTLIER_DETECTION_DEFAULTS: OutlierDetectionConfig = {
  enabled: true,
  consecutiveFailures: 5,
  failureRateThreshold: 50,
  failureRateWindow: 10 * SECOND,
  failureRateMinRequests: 20,
  baseEjectionTime: 30 * SECOND,
  maxEjectionTime: 5 * MINUTE,
};

type RawOutlier = { [K in keyof typeof PARSERS]?: number | boolean };

function checkEjectionTimes(raw: RawOutlier, ctx: z.RefinementCtx): void {
  const base = raw.base_ejection_time as number | undefined;
  const max = raw.max_ejection_time as number | undefined;
  if (base !== undefined && max !== undefined && max < base) {
    ctx.addIssue({
      code: 'custom',
      path: ['max_ejection_time'],
      message: `must be at least base_ejection_time (${formatDuration(base)})`,
    });
  }
}

function toConfig(raw: RawOutlier): Partial<OutlierDetectionConfig> {
  const out: Partial<Record<keyof OutlierDetectionConfig, number | boolean>> = {};
  const set = (key: keyof OutlierDetectionConfig, value: number | boolean | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('enabled', raw.enabled);
  set('consecutiveFailures', raw.consecutive_failures);
  set('failureRateThreshold', raw.failure_rate_threshold);
  set('failureRateWindow', raw.failure_rate_window);
  set('failureRateMinRequests', raw.failure_rate_min_requests);
  set('baseEjectionTime', raw.base_ejection_time);
  set('maxEjectionTime', raw.max_ejection_time);
  return out as Partial<OutlierDetectionConfig>;
}

/** `proxy.outlier_detection`: every key has a default. */
export const outlierDetectionSchema = section({
  enabled: optional(PARSERS.enabled, OUTLIER_DETECTION_DEFAULTS.enabled),
  consecutive_failures: optional(PARSERS.consecutive_failures, OUTLIER_DETECTION_DEFAULTS.consecutiveFailures),
  failure_rate_threshold: optional(PARSERS.failure_rate_threshold, OUTLIER_DETECTION_DEFAULTS.failureRateThreshold),
  failure_rate_window: optional(PARSERS.failure_rate_window, OUTLIER_DETECTION_DEFAULTS.failureRateWindow),
  failure_rate_min_requests: optional(
    PARSERS.failure_rate_min_requests,
    OUTLIER_DETECTION_DEFAULTS.failureRateMinRequests,
  ),
  base_ejection_time: optional(PARSERS.base_ejection_time, OUTLIER_DETECTION_DEFAULTS.baseEjectionTime),
  max_ejection_time: optional(PARSERS.max_ejection_time, OUTLIER_DETECTION_DEFAULTS.maxEjectionTime),
})
  .superRefine(checkEjectionTimes)
  .transform((raw) => ({ ...OUTLIER_DETECTION_DEFAULTS, ...toConfig(raw) }));

/** An endpoint's `outlier_detection`: only the keys it sets; undefined when it has none. */
export const outlierOverrideSchema = z.preprocess(
  (input) => input ?? undefined,
  z
    .object({
      enabled: maybe(PARSERS.enabled),
      consecutive_failures: maybe(PARSERS.consecutive_failures),
      failure_rate_threshold: maybe(PARSERS.failure_rate_threshold),
      failure_rate_window: maybe(PARSERS.failure_rate_window),
      failure_rate_min_requests: maybe(PARSERS.failure_rate_min_requests),
      base_ejection_time: maybe(PARSERS.base_ejection_time),
      max_ejection_time: maybe(PARSERS.max_ejection_time),
    })
    .superRefine(checkEjectionTimes)
    .transform(toConfig)
    .optional(),
);

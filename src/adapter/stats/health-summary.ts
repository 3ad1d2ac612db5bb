import type { ProxyStatsSnapshot } from './collector.js';
import type { SecuritySnapshot } from './security-stats.js';

/**
 * The verdicts the status summary and the metrics share: one place decides what "degraded"
 * means so `/internal/status` and `olla_system_status` never disagree.
 */

export type SystemStatus = 'healthy' | 'degraded' | 'critical';
export type SecurityStatus = 'normal' | 'elevated';

/**
 * No endpoints is critical. With traffic, both the healthy share of endpoints and the proxy's
 * success rate must clear their bars; without traffic the success rate is undefined, so health
 * alone decides (a fresh boot with every endpoint healthy is healthy, not critical).
 */
export function systemStatus(healthy: number, total: number, proxy: ProxyStatsSnapshot): SystemStatus {
  if (total === 0) return 'critical';
  const healthyRatio = healthy / total;
  if (proxy.totalRequests > 0) {
    const successRate = (proxy.successfulRequests / proxy.totalRequests) * 100;
    if (healthyRatio < 0.5 || successRate < 90) return 'critical';
    if (healthyRatio < 0.8 || successRate < 95) return 'degraded';
    return 'healthy';
  }
  if (healthyRatio < 0.5) return 'critical';
  if (healthyRatio < 0.8) return 'degraded';
  return 'healthy';
}

/** Elevated past 100 violations or 10 distinct rate-limited clients. */
export function securityStatus(s: SecuritySnapshot): SecurityStatus {
  return s.rateLimitViolations + s.sizeLimitViolations > 100 || s.uniqueRateLimitedIps > 10 ? 'elevated' : 'normal';
}

/** Numeric forms for Prometheus: 2 healthy, 1 degraded, 0 critical. */
export function systemStatusValue(status: SystemStatus): number {
  return status === 'healthy' ? 2 : status === 'degraded' ? 1 : 0;
}

export const NO_SECURITY: SecuritySnapshot = {
  rateLimitViolations: 0,
  sizeLimitViolations: 0,
  uniqueRateLimitedIps: 0,
};

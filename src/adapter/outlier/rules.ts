/**
 * Each endpoint's outlier-detection settings: `proxy.outlier_detection` under the keys the
 * endpoint's own `outlier_detection` block sets. The endpoint list is read on every call (a reload
 * replaces it) and the merged settings are rebuilt only when it is a different list.
 */
import type { EndpointConfig, OutlierDetectionConfig } from '../../config/types.js';

export function outlierRulesByEndpoint(
  proxy: OutlierDetectionConfig,
  endpoints: () => readonly EndpointConfig[],
): (name: string) => OutlierDetectionConfig {
  let seen: readonly EndpointConfig[] | undefined;
  let byName = new Map<string, OutlierDetectionConfig>();
  return (name) => {
    const current = endpoints();
    if (current !== seen) {
      seen = current;
      byName = new Map(
        current.flatMap((e) => (e.outlierDetection ? [[e.name, { ...proxy, ...e.outlierDetection }] as const] : [])),
      );
    }
    return byName.get(name) ?? proxy;
  };
}

/** Whether any endpoint has detection on, so a proxy with it off everywhere builds no detector. */
export function outlierDetectionWanted(proxy: OutlierDetectionConfig, endpoints: readonly EndpointConfig[]): boolean {
  return proxy.enabled || endpoints.some((e) => e.outlierDetection?.enabled === true);
}

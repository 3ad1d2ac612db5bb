import { describe, expect, it } from 'vitest';
import { OUTLIER_DETECTION_DEFAULTS } from '../../config/outlier-schema.js';
import type { EndpointConfig, OutlierDetectionConfig } from '../../config/types.js';
import { outlierDetectionWanted, outlierRulesByEndpoint } from './rules.js';

const PROXY = OUTLIER_DETECTION_DEFAULTS;

function endpoint(name: string, outlierDetection?: Partial<OutlierDetectionConfig>): EndpointConfig {
  return {
    url: `http://${name}:1`,
    name,
    type: 'vllm',
    modelUrl: '',
    healthCheckUrl: '',
    checkInterval: 5_000,
    checkTimeout: 2_000,
    preservePath: false,
    headers: {},
    ...(outlierDetection && { outlierDetection }),
  };
}

describe('outlierRulesByEndpoint', () => {
  it("lays an endpoint's own keys over the proxy's, and follows a reloaded endpoint list", () => {
    let list = [endpoint('a', { enabled: false }), endpoint('b')];
    const rules = outlierRulesByEndpoint(PROXY, () => list);
    expect(rules('a')).toEqual({ ...PROXY, enabled: false });
    expect(rules('b')).toBe(PROXY);
    expect(rules('unknown')).toBe(PROXY);
    list = [endpoint('a'), endpoint('b', { consecutiveFailures: 2 })];
    expect(rules('a')).toBe(PROXY);
    expect(rules('b')).toEqual({ ...PROXY, consecutiveFailures: 2 });
  });

  it('wants a detector when the proxy or any endpoint switches detection on', () => {
    const off = { ...PROXY, enabled: false };
    expect(outlierDetectionWanted(PROXY, [])).toBe(true);
    expect(outlierDetectionWanted(off, [endpoint('a')])).toBe(false);
    expect(outlierDetectionWanted(off, [endpoint('a', { enabled: true })])).toBe(true);
  });
});

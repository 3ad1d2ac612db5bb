import { describe, expect, it } from 'vitest';
import { userTunedWasmTiering } from './wasm-baseline.js';

describe('userTunedWasmTiering', () => {
  it('is false when neither the command line nor NODE_OPTIONS tunes wasm tiering', () => {
    expect(userTunedWasmTiering([], undefined)).toBe(false);
    expect(userTunedWasmTiering(['--enable-source-maps'], '--max-semi-space-size=16')).toBe(false);
  });

  it('is true for a tiering flag on the command line, in either spelling', () => {
    expect(userTunedWasmTiering(['--wasm-tiering-budget=1000'], undefined)).toBe(true);
    expect(userTunedWasmTiering(['--no-wasm-dynamic-tiering'], undefined)).toBe(true);
    expect(userTunedWasmTiering(['--liftoff_only'], undefined)).toBe(true);
    expect(userTunedWasmTiering(['--no-liftoff'], undefined)).toBe(true);
  });

  it('is true for a tiering flag in NODE_OPTIONS', () => {
    expect(userTunedWasmTiering([], '--inspect --wasm_tier_up')).toBe(true);
  });
});

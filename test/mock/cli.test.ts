import { describe, expect, it } from 'vitest';
import { parseMockArgs, splitGroups } from './cli.js';

describe('the mock command line', () => {
  it('splits the arguments into one group per mock at each --and', () => {
    expect(splitGroups(['--flavour', 'ollama', '--and', '--flavour', 'vllm', '--json'])).toEqual([
      ['--flavour', 'ollama'],
      ['--flavour', 'vllm', '--json'],
    ]);
  });

  it('reads every option of one mock', () => {
    const args = ['--flavour', 'vllm', '--port', '8000', '--name', 'rack', '--models', 'a,b', '--tokens', '200'];
    const parsed = parseMockArgs(
      [...args, '--delay', '5', '--auth-token', 't', '--fault', 'hang', '--no-anthropic'],
      0,
    );
    expect(parsed.options).toEqual({
      name: 'rack',
      flavour: 'vllm',
      port: 8000,
      models: ['a', 'b'],
      tokens: 200,
      tokenDelayMs: 5,
      authToken: 't',
      fault: 'hang',
      anthropic: false,
    });
  });

  it('fills in defaults, naming each mock by its position', () => {
    expect(parseMockArgs([], 1).options).toEqual({
      name: 'mock-2',
      flavour: 'ollama',
      port: 0,
      models: ['mock-model'],
      tokens: 10,
      tokenDelayMs: 0,
    });
  });

  it('refuses an unknown flavour and a number that is not one', () => {
    expect(() => parseMockArgs(['--flavour', 'gpt'], 0)).toThrow(/unknown flavour/);
    expect(() => parseMockArgs(['--tokens', 'many'], 0)).toThrow(/whole number/);
  });
});

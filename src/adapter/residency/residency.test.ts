import { describe, expect, it } from 'vitest';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import type { SelectionContext } from '../../core/ports/balancer.js';
import { RoundRobinBalancer } from '../balancer/round-robin.js';
import { loadedFromListing, parseOllamaRunning } from './loaded-models.js';
import { ResidencySelector } from './residency-selector.js';
import { foldModelName, ResidencyTracker } from './residency-tracker.js';

const nodes = [fakeEndpoint({ name: 'a' }), fakeEndpoint({ name: 'b' }), fakeEndpoint({ name: 'c' })];
const ctx = (model?: string): SelectionContext => ({ headers: {}, clientIp: '127.0.0.1', ...(model ? { model } : {}) });

describe('ResidencySelector', () => {
  it('picks among the nodes holding the model, and says so', () => {
    const tracker = new ResidencyTracker();
    tracker.report('b', ['llama3:latest']);
    tracker.report('c', ['llama3']);
    tracker.report('a', ['qwen']);
    const selector = new ResidencySelector(new RoundRobinBalancer(), tracker);
    const picks = Array.from({ length: 4 }, () => {
      const context = ctx('llama3');
      const chosen = selector.select(nodes, context)?.name;
      expect(context.modelLoaded).toBe(true);
      return chosen;
    });
    expect(picks).toEqual(['b', 'c', 'b', 'c']);
  });

  it('leaves the choice to the balancer when no node holds the model, then remembers where it went', () => {
    const tracker = new ResidencyTracker();
    for (const n of nodes) tracker.report(n.name, []);
    const selector = new ResidencySelector(new RoundRobinBalancer(), tracker);
    const first = ctx('new-model');
    const chosen = selector.select(nodes, first);
    expect(first.modelLoaded).toBe(false);
    const second = ctx('new-model');
    expect(selector.select(nodes, second)).toBe(chosen);
    expect(second.modelLoaded).toBe(true);
  });

  it('keeps nodes of unknown residency beside the holders, and drops only those known to lack the model', () => {
    const tracker = new ResidencyTracker();
    tracker.report('a', ['m']);
    tracker.report('b', ['other']);
    const selector = new ResidencySelector(new RoundRobinBalancer(), tracker);
    const picks = Array.from({ length: 4 }, () => selector.select(nodes, ctx('m'))?.name);
    expect(picks).toEqual(['a', 'c', 'a', 'c']);
  });

  it('never guesses residency for an endpoint that does not report it', () => {
    const tracker = new ResidencyTracker();
    tracker.noteServed('a', 'm');
    expect(tracker.isLoaded('a', 'm')).toBe(false);
  });

  it('passes requests without a model straight through', () => {
    const tracker = new ResidencyTracker();
    const selector = new ResidencySelector(new RoundRobinBalancer(), tracker);
    expect(selector.select(nodes, ctx())?.name).toBe('a');
  });
});

describe('residency reports', () => {
  it('reads Ollama /api/ps, preferring name over model', () => {
    expect(parseOllamaRunning({ models: [{ name: 'a:1b', model: 'x' }, { model: 'b' }, { size: 1 }, 'junk'] })).toEqual(
      ['a:1b', 'b'],
    );
    expect(parseOllamaRunning({ error: 'no' })).toBeUndefined();
    expect(parseOllamaRunning(null)).toBeUndefined();
  });

  it('reads LM Studio states, and knows nothing when no model has one', () => {
    const model = (name: string, state?: string) => ({
      name,
      lastSeen: 0,
      ...(state ? { details: { state } } : {}),
    });
    expect(loadedFromListing([model('x', 'loaded'), model('y', 'not-loaded')])).toEqual(['x']);
    expect(loadedFromListing([model('x')])).toBeUndefined();
  });

  it('folds case and the implicit :latest tag', () => {
    expect(foldModelName('Llama3:LATEST')).toBe('llama3');
    expect(foldModelName('llama3:8b')).toBe('llama3:8b');
  });
});

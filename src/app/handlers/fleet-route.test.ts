import { describe, expect, it, vi } from 'vitest';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import type { Endpoint } from '../../core/domain/endpoint.js';
import { ModelNotFoundError } from '../../core/errors.js';
import type { ModelLookup, ModelRouteResult } from '../../core/ports/models.js';
import { FakeRepository } from './monitoring.fixture.js';
import { type FleetRequest, type FleetRoute, routeThroughFleet } from './fleet-route.js';

const gpu = fakeEndpoint({ name: 'gpu', type: 'vllm', status: 'healthy' });
const laptop = fakeEndpoint({ name: 'laptop', type: 'ollama', status: 'healthy' });
const SCOPE = { types: [], failClosed: false };

/** A catalogue where each model lives on the named endpoints; answers at once or, `later`, as a promise. */
function catalogue(where: Record<string, Endpoint[]>, later = false): ModelLookup {
  return {
    route(model, candidates): ModelRouteResult | Promise<ModelRouteResult> {
      const held = model === undefined ? candidates : (where[model] ?? []).filter((e) => candidates.includes(e));
      const result: ModelRouteResult = {
        endpoints: held,
        decision: {
          strategy: 'strict',
          action: held.length > 0 ? 'routed' : 'rejected',
          reason: held.length > 0 ? 'model_found' : 'model_not_found',
        },
      };
      return later ? Promise.resolve(result) : result;
    },
  };
}

function request(model: string | undefined, listed?: string[]): FleetRequest {
  return {
    model,
    listed,
    required: undefined,
    sink: { header: () => {} },
    client: { once: () => {} } as never,
    priority: undefined,
  };
}

const served = (route: FleetRoute) => Promise.resolve(route);

describe('routeThroughFleet', () => {
  it('runs the one link at once, in the same turn, when the catalogue answers at once', async () => {
    const deps = { endpoints: new FakeRepository([gpu, laptop]), models: catalogue({ qwen: [gpu] }) };
    const run = vi.fn(served);
    const answer = routeThroughFleet(deps, SCOPE, request('qwen'), run);
    // The exchange must start synchronously (see AdmissionQueue): no await stands before `run`.
    expect(run).toHaveBeenCalledTimes(1);
    const route = await answer;
    expect(route.model).toBe('qwen');
    expect(route.fellBack).toBe(false);
    expect(route.route.endpoints).toEqual([gpu]);
    expect(route.decision?.reason).toBe('model_found');
  });

  it('waits for a catalogue that answers later, then runs', async () => {
    const deps = { endpoints: new FakeRepository([gpu, laptop]), models: catalogue({ qwen: [laptop] }, true) };
    const route = await routeThroughFleet(deps, SCOPE, request('qwen'), served);
    expect(route.route.endpoints).toEqual([laptop]);
  });

  it('rejects, never throws, when the one link is refused, and never runs', async () => {
    const deps = { endpoints: new FakeRepository([gpu]), models: catalogue({}) };
    const run = vi.fn(served);
    let answer: Promise<FleetRoute> | undefined;
    expect(() => {
      answer = routeThroughFleet(deps, SCOPE, request('missing'), run);
    }).not.toThrow();
    await expect(answer).rejects.toBeInstanceOf(ModelNotFoundError);
    expect(run).not.toHaveBeenCalled();
  });

  it('takes the chain when the request lists fallbacks, and serves the first link that has a node', async () => {
    const deps = { endpoints: new FakeRepository([gpu, laptop]), models: catalogue({ llama: [laptop] }) };
    const route = await routeThroughFleet(deps, SCOPE, request('missing', ['llama']), served);
    expect(route.model).toBe('llama');
    expect(route.fellBack).toBe(true);
    expect(route.decision?.action).toBe('fallback');
    expect(route.decision?.reason).toBe('fallback from missing (model_not_found)');
  });
});

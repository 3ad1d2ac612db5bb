import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../core/domain/model.js';
import { ModelCatalogue } from '../registry/model-catalogue.js';
import { extractFamilyAndVariant, normalisePlatform } from './metadata.js';
import { type EndpointModels, unifyModels } from './unifier.js';

const source = (name: string, models: ModelInfo[]): EndpointModels => ({
  endpointName: name,
  endpointUrl: `http://${name}:1`,
  endpointType: 'ollama',
  models,
  online: true,
});

/** Model names as backends write them: tags, namespaces, dots, mixed case, and the odd surprise. */
const modelName = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,12}(:[A-Za-z0-9._-]{1,8})?$/),
  fc.stringMatching(/^[A-Za-z0-9-]{1,10}\/[A-Za-z0-9._-]{1,16}$/),
  fc.string({ minLength: 1, maxLength: 12 }),
);

/** The same name with each letter's case flipped at random. */
const recased = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((flips) => [...name].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));

const digest = fc.option(fc.constantFrom('d1', 'd2', 'd3'), { nil: undefined });
const listed = fc.record({ name: modelName, digest });
const toInfo = ({ name, digest }: { name: string; digest: string | undefined }): ModelInfo => ({
  name,
  lastSeen: 1000,
  ...(digest ? { details: { digest } } : {}),
});

describe('model name normalisation', () => {
  it('merges any name with a differently-cased spelling of it on another node, keeping the first as the ID', () => {
    fc.assert(
      fc.property(
        modelName.chain((name) => fc.tuple(fc.constant(name), recased(name))),
        ([name, other]) => {
          const [model, ...rest] = unifyModels([
            source('a', [{ name, lastSeen: 1 }]),
            source('b', [{ name: other, lastSeen: 1 }]),
          ]);
          expect(rest).toEqual([]);
          expect(model?.id).toBe(name);
          expect(model?.aliases).toEqual(name === other ? [name] : [name, other]);
          expect(model?.sourceEndpoints.map((s) => s.endpointName)).toEqual(['a', 'b']);
        },
      ),
    );
  });

  it('gives unique, repeatable IDs and keeps every listed name, in one model unless its digests differ', () => {
    const endpoint = fc.array(listed, { maxLength: 6 });
    fc.assert(
      fc.property(fc.array(endpoint, { minLength: 1, maxLength: 4 }), (lists) => {
        const sources = lists.map((models, i) => source(`node-${i}`, models.map(toInfo)));
        const first = unifyModels(sources);
        const ids = first.map((m) => m.id);
        expect(unifyModels(sources).map((m) => m.id)).toEqual(ids);
        expect(new Set(ids).size).toBe(ids.length);
        for (const { name } of lists.flat()) {
          const holders = first.filter((m) => m.aliases.includes(name)).length;
          const digests = new Set(lists.flat().flatMap((l) => (l.name === name && l.digest ? [l.digest] : [])));
          // The same name over different binaries stays apart (the second ID gets a digest suffix).
          expect(holders).toBeGreaterThanOrEqual(1);
          if (holders > 1) expect(digests.size).toBeGreaterThan(1);
        }
      }),
    );
  });

  it("makes one model of a name listed without a digest before the same name arrives with another name's digest", () => {
    // fast-check's counterexample: `K` is `A` by digest d1 and the digestless `K` by name.
    const models = unifyModels([
      source('node-0', [toInfo({ name: 'K', digest: undefined })]),
      source('node-1', [toInfo({ name: 'A', digest: 'd1' })]),
      source('node-2', [toInfo({ name: 'K', digest: 'd1' })]),
    ]);
    expect(models.map((m) => [m.id, m.aliases, m.sourceEndpoints.map((e) => e.endpointName)])).toEqual([
      ['K', ['K', 'A'], ['node-0', 'node-1', 'node-2']],
    ]);
  });

  it('routes any spelling of a listed name to the endpoints of its unified model', () => {
    fc.assert(
      fc.property(
        modelName.chain((name) => fc.tuple(fc.constant(name), recased(name))),
        ([name, spelling]) => {
          const catalogue = new ModelCatalogue({ enableUnifier: true, staleThresholdMs: 1e9, cleanupIntervalMs: 0 });
          catalogue.setModels({ name: 'a', url: 'http://a:1', type: 'ollama' }, [{ name, lastSeen: 1 }]);
          catalogue.setModels({ name: 'b', url: 'http://b:1', type: 'vllm' }, [{ name, lastSeen: 1 }]);
          expect([...(catalogue.route(spelling)?.endpoints ?? [])]).toEqual(['a', 'b']);
          expect(catalogue.find(spelling)?.id).toBe(name);
        },
      ),
    );
  });

  it('normalises endpoint types idempotently and never throws extracting a family from any name', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const platform = normalisePlatform(text);
        expect(normalisePlatform(platform)).toBe(platform);
        const [family, variant] = extractFamilyAndVariant(text, '');
        expect(typeof family).toBe('string');
        expect(typeof variant).toBe('string');
      }),
    );
  });
});

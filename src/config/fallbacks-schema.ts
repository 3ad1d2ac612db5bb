/** `model_fallbacks`: the models to try, in order, when the one asked for cannot be served. */
import * as z from 'zod';
import { optional, textList } from './fields.js';

/**
 * A chain that leads back to where it started (`a: [b]`, `b: [a]`): the first link that closes a
 * loop, as its key path and the loop it closes. Chains are followed transitively, so a loop
 * would make a request bounce between models forever; it is a config error.
 */
export function findFallbackCycle(
  chains: Readonly<Record<string, readonly string[]>>,
): { path: [string, number]; loop: string[] } | undefined {
  const done = new Set<string>();
  const visit = (model: string, trail: string[]): { path: [string, number]; loop: string[] } | undefined => {
    if (done.has(model)) return undefined;
    const next = Object.hasOwn(chains, model) ? chains[model]! : [];
    for (const [index, target] of next.entries()) {
      const at = trail.indexOf(target);
      if (at >= 0 || target === model) return { path: [model, index], loop: [...trail.slice(at), model, target] };
      const found = visit(target, [...trail, model]);
      if (found) return found;
    }
    done.add(model);
    return undefined;
  };
  for (const model of Object.keys(chains)) {
    const found = visit(model, []);
    if (found) return found;
  }
  return undefined;
}

export function modelFallbacksSchema() {
  return z
    .preprocess((input) => input ?? {}, z.record(z.string(), optional(textList, [])))
    .superRefine((chains, ctx) => {
      for (const [model, targets] of Object.entries(chains)) {
        if (model.trim() === '') ctx.addIssue({ code: 'custom', path: [], message: 'a model name must not be empty' });
        for (const [index, target] of targets.entries()) {
          if (target === '') ctx.addIssue({ code: 'custom', path: [model, index], message: 'is an empty model name' });
        }
      }
      const cycle = findFallbackCycle(chains);
      if (cycle) {
        ctx.addIssue({
          code: 'custom',
          path: cycle.path,
          message: `makes a fallback loop (${cycle.loop.join(' -> ')}); a chain must not lead back to a model in it`,
        });
      }
    })
    .default({});
}

/**
 * The check that targeting names only a flag's own variants, held against flagd-core: random
 * targeting trees are validated, then evaluated by flagd-core in every context that can steer them.
 * Each `if` condition reads a context attribute of its own, so every branch is reachable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlagValidationError } from '../../lib/flags/errors.js';
import { parseFlagDefinition } from '../../lib/flags/flag-schema.js';
import { compileFlagSet, evaluateFlag, ofrepRequest } from '../../lib/flags/ofrep.js';

const KEY = 'checkout-variant';
const variants = { a: 'A', b: 'B', true: 'yes' };
const evaluators = { picker: { if: [{ var: 'pick' }, 'a', 'b'] }, stray: { if: [{ var: 'pick' }, 'a', 'zz'] } };
const MAX_CONDITIONS = 7;
const BUCKET_KEYS = ['u-1', 'u-2', 'u-3', 'u-4', 'u-5', 'u-6', 'u-7', 'u-8'];

type Tree = unknown;

/** Names in and out of the variants, the default (null), literals flagd reads by their string form. */
const leaf = fc.constantFrom<Tree>('a', 'b', 'x', null, true, false, 7);

const trees = (withFractional: boolean) =>
  fc.letrec<{ tree: Tree; node: Tree }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('node')),
    node: fc.oneof(
      fc.record({ if: fc.tuple(fc.array(tie('tree'), { minLength: 1, maxLength: 2 }), fc.option(tie('tree'), { nil: undefined })) }).map(({ if: [thens, otherwise] }) => ({
        if: [...thens.flatMap((then) => [{ var: '?' }, then]), ...(otherwise === undefined ? [] : [otherwise])],
      })),
      ...(withFractional
        ? [
            fc.array(fc.tuple(tie('tree'), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 3 }).map((buckets) => ({ fractional: buckets })),
            fc.constantFrom<Tree>({ $ref: 'picker' }, { $ref: 'stray' }, { in: [{ var: 'email' }, ['a@b.c']] }, { cat: ['a', ''] }, { var: 'chosen' }),
          ]
        : []),
    ),
  })).tree;

/** Gives each condition an attribute of its own, c0, c1, ..., in order. */
function numbered(tree: Tree): { targeting: Tree; conditions: number } {
  let conditions = 0;
  const visit = (node: Tree): Tree => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const entries = Object.entries(node as Record<string, unknown>);
    if (entries.length === 1 && entries[0]![0] === 'var' && entries[0]![1] === '?') return { var: `c${conditions++}` };
    return Object.fromEntries(entries.map(([key, value]) => [key, visit(value)]));
  };
  return { targeting: visit(tree), conditions };
}

/** Every assignment of the conditions, with each bucketing key and both picks. */
function contexts(conditions: number, withFractional: boolean): Record<string, unknown>[] {
  const all: Record<string, unknown>[] = [];
  for (let bits = 0; bits < 2 ** conditions; bits++) {
    const base = Object.fromEntries(Array.from({ length: conditions }, (_, index) => [`c${index}`, (bits >> index) % 2 === 1]));
    if (!withFractional) all.push(base);
    else for (const targetingKey of BUCKET_KEYS) for (const pick of [true, false]) all.push({ ...base, targetingKey, pick, chosen: 'b' });
  }
  return all;
}

/** The variant-name issues parseFlagDefinition raises, or none. */
function refusals(definition: unknown): readonly { path: string; message: string }[] {
  try {
    parseFlagDefinition(KEY, definition, evaluators);
    return [];
  } catch (error) {
    if (error instanceof FlagValidationError) return error.issues;
    throw error;
  }
}

/** Whether flagd-core ever fails with a variant it does not have, over these contexts. */
function failsSomewhere(definition: unknown, inContexts: readonly Record<string, unknown>[]): boolean {
  const set = compileFlagSet({ flags: { [KEY]: definition }, $evaluators: evaluators }, 1);
  return inContexts.some((context) => {
    const body = evaluateFlag(set, KEY, ofrepRequest({ context })).body as { errorCode?: string; errorDetails?: string };
    if (body.errorCode !== undefined && !/Variant '.*' not found/.test(body.errorDetails ?? '')) throw new Error(`unexpected evaluation error: ${JSON.stringify(body)}`);
    return body.errorCode !== undefined;
  });
}

describe('variant names in targeting, against flagd-core', () => {
  it('refuses a flag exactly when some context makes flagd-core return a variant it does not have (if trees)', () => {
    fc.assert(
      fc.property(trees(false), (tree) => {
        const { targeting, conditions } = numbered(tree);
        fc.pre(conditions <= MAX_CONDITIONS && typeof targeting === 'object' && targeting !== null);
        const definition = { state: 'ENABLED', variants, targeting };
        const issues = refusals(definition);
        expect(issues.every((issue) => issue.path.startsWith(`flags.${KEY}.targeting`) && issue.message.includes('which'))).toBe(true);
        expect(issues.length > 0).toBe(failsSomewhere(definition, contexts(conditions, false)));
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts a flag that flagd-core then fails to resolve (with fractional, evaluators, conditions and computed results)', () => {
    fc.assert(
      fc.property(trees(true), (tree) => {
        const { targeting, conditions } = numbered(tree);
        fc.pre(conditions <= MAX_CONDITIONS - 3 && typeof targeting === 'object' && targeting !== null);
        const definition = { state: 'ENABLED', variants, targeting };
        if (refusals(definition).length === 0) expect(failsSomewhere(definition, contexts(conditions, true))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

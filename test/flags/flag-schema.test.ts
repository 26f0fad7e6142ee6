import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCohortRule, parseFlagDefinition, parseFlagSet } from '../../lib/flags/flag-schema.js';
import { issuesOf } from '../support/flag-issues.js';

const evaluators = { beta: { in: [{ var: 'email' }, ['ana@example.com']] } };
const boolFlag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

describe('parseFlagDefinition', () => {
  it.each([
    ['a boolean flag', boolFlag],
    ['a string flag with targeting through a cohort', { state: 'ENABLED', variants: { a: 'x', b: 'y' }, defaultVariant: 'a', targeting: { if: [{ $ref: 'beta' }, 'b', null] } }],
    ['a number flag with floats and integers', { state: 'DISABLED', variants: { low: 0.1, high: 9007199254740991 }, defaultVariant: 'low' }],
    ['an object flag', { state: 'ENABLED', variants: { empty: {}, full: { title: 'Hi', tags: ['a'] } }, defaultVariant: 'full' }],
    ['no default variant', { state: 'ENABLED', variants: { on: true, off: false } }],
    ['a null default variant', { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: null }],
    ['empty targeting', { ...boolFlag, targeting: {} }],
    ['metadata of strings, numbers and booleans', { ...boolFlag, metadata: { owner: 'team', ticket: 42, paid: false } }],
    ['fractional with integer weights and a bucketing expression', { ...boolFlag, targeting: { fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'accountId' }] }, ['on', 1], ['off', 99]] } }],
    ['flagd custom operators', { ...boolFlag, targeting: { if: [{ and: [{ sem_ver: [{ var: 'version' }, '>=', '1.2.0'] }, { starts_with: [{ var: 'id' }, 'acc-'] }] }, 'on', 'off'] } }],
  ])('accepts %s', (_, definition) => {
    expect(parseFlagDefinition('new-checkout', definition, evaluators)).toEqual(definition);
  });

  it.each([
    ['an unknown state', { ...boolFlag, state: 'ON' }, 'flags.new-checkout.state', 'expected one of "ENABLED"|"DISABLED"'],
    ['a missing state', { variants: { on: true }, defaultVariant: 'on' }, 'flags.new-checkout.state', ''],
    ['a default variant that is not a variant', { ...boolFlag, defaultVariant: 'maybe' }, 'flags.new-checkout.defaultVariant', "'maybe' is not one of the variants (on, off)"],
    ['mixed variant types', { ...boolFlag, variants: { on: true, off: 'no' } }, 'flags.new-checkout.variants.off', "'off' is a string, 'on' a boolean"],
    ['no variants', { ...boolFlag, variants: {}, defaultVariant: undefined }, 'flags.new-checkout.variants', 'at least one variant'],
    ['an array variant', { state: 'ENABLED', variants: { list: [1, 2] } }, 'flags.new-checkout.variants.list', 'a variant is a boolean, string, number or object'],
    ['an unsafe integer', { state: 'ENABLED', variants: { big: 2 ** 60 } }, 'flags.new-checkout.variants.big', 'within ±2^53-1'],
    ['an empty variant name', { state: 'ENABLED', variants: { '': true } }, 'flags.new-checkout.variants.', 'variant names must not be empty'],
    ['an unknown field', { ...boolFlag, owner: 'me' }, 'flags.new-checkout', 'Unrecognized key: "owner"'],
    ['targeting that is not an object', { ...boolFlag, targeting: 'on' }, 'flags.new-checkout.targeting', ''],
    ['targeting with two operators', { ...boolFlag, targeting: { if: [true, 'on'], var: 'x' } }, 'flags.new-checkout.targeting', 'exactly one JsonLogic operator'],
    ['an operator flagd does not know', { ...boolFlag, targeting: { rollout_magic: [1] } }, 'flags.new-checkout.targeting', 'flagd cannot compile'],
    ['a decimal fractional weight', { ...boolFlag, targeting: { fractional: [['on', 0.5], ['off', 99.5]] } }, 'flags.new-checkout.targeting.fractional[0][1]', 'non-negative integers'],
    ['a negative fractional weight', { ...boolFlag, targeting: { fractional: [['on', -5], ['off', 105]] } }, 'flags.new-checkout.targeting.fractional[0][1]', 'non-negative integers'],
    ['a $ref to an undefined evaluator', { ...boolFlag, targeting: { if: [{ $ref: 'gamma' }, 'on', null] } }, 'flags.new-checkout.targeting.if[0].$ref', "'gamma' is not a defined evaluator (known: beta)"],
    ['a $ref with company', { ...boolFlag, targeting: { if: [{ $ref: 'beta', extra: 1 }, 'on', null] } }, 'flags.new-checkout.targeting.if[0]', 'exactly {"$ref": "<evaluator name>"}'],
    ['metadata with an object value', { ...boolFlag, metadata: { owner: { team: 'a' } } }, 'flags.new-checkout.metadata.owner', 'strings, numbers or booleans'],
  ])('refuses %s with the path at fault', (_, definition, path, message) => {
    const issues = issuesOf(() => parseFlagDefinition('new-checkout', definition, evaluators));
    expect(issues).toContainEqual({ path, message: expect.stringContaining(message) as string });
  });

  it('refuses a key outside the pattern', () => {
    expect(issuesOf(() => parseFlagDefinition('new checkout!', boolFlag, evaluators))).toEqual([{ path: 'flags.new checkout!', message: 'flag keys use letters, digits, _ . - (starting with a letter or digit)' }]);
  });
});

describe('variant names that targeting can return', () => {
  const cohorts = {
    ...evaluators,
    picker: { if: [{ in: [{ var: 'plan' }, ['pro']] }, 'gold', 'silver'] },
  };
  const beta = { $ref: 'beta' };
  const strings = { state: 'ENABLED', variants: { gold: 'G', silver: 'S' }, defaultVariant: 'silver' };

  it.each([
    ['results computed at run time', { ...boolFlag, targeting: { if: [beta, { var: 'variant' }, { cat: ['o', 'n'] }] } }],
    ['conditions in condition places', { ...boolFlag, targeting: { if: [{ in: [{ var: 'email' }, ['a@b.c']] }, 'on', { if: [{ '!': [beta] }, 'off'] }] } }],
    ['fractional as a condition, as the flagd test kit has it', { ...boolFlag, targeting: { if: [{ fractional: [[false, 0], [true, 100]] }, 'on', 'off'] } }],
    ['a condition as the result when the variants are named true and false', { state: 'ENABLED', variants: { true: 'yes', false: 'no' }, targeting: { sem_ver: [{ var: 'version' }, '>=', '2.0.0'] } }],
    ['literals read as names: a boolean, a number', { state: 'ENABLED', variants: { true: 'yes', '7': 'seven' }, targeting: { if: [beta, true, 7] } }],
    ['null results and null buckets, which mean the default variant', { ...boolFlag, targeting: { fractional: [{ var: 'accountId' }, [null, 1], ['on', 1]] } }],
    ['an evaluator that returns only names the flag has', { ...strings, targeting: { if: [beta, { $ref: 'picker' }, null] } }],
    ['a ramp as ramps compile it', { ...boolFlag, targeting: { if: [beta, { fractional: [['on', 25000], ['off', 75000]] }, null] } }],
  ])('accepts %s', (_, definition) => {
    expect(parseFlagDefinition('new-checkout', definition, cohorts)).toEqual(definition);
  });

  it.each([
    ['a then', { ...boolFlag, targeting: { if: [beta, 'maybe', null] } }, 'flags.new-checkout.targeting.if[1]', "targeting can return 'maybe' here, which is not one of the variants (on, off)"],
    ['an else', { ...boolFlag, targeting: { if: [beta, 'on', 'nope'] } }, 'flags.new-checkout.targeting.if[2]', "'nope'"],
    ['a later then of a chain', { ...boolFlag, targeting: { if: [beta, 'on', { var: 'x' }, 'of', 'off'] } }, 'flags.new-checkout.targeting.if[3]', "'of'"],
    ['a lone argument', { ...boolFlag, targeting: { if: ['gone'] } }, 'flags.new-checkout.targeting.if[0]', "'gone'"],
    ['the ?: spelling', { ...boolFlag, targeting: { '?:': [beta, 'yes', 'off'] } }, 'flags.new-checkout.targeting.?:[1]', "'yes'"],
    ['a nested if', { ...boolFlag, targeting: { if: [beta, 'on', { if: [{ var: 'x' }, 'off', 'gone'] }] } }, 'flags.new-checkout.targeting.if[2].if[2]', "'gone'"],
    ['a fractional bucket', { ...boolFlag, targeting: { fractional: [['on', 50], ['of', 50]] } }, 'flags.new-checkout.targeting.fractional[1][0]', "'of'"],
    ['a bucket after a bucketing expression', { ...boolFlag, targeting: { fractional: [{ var: 'accountId' }, ['on', 1], ['nope', 1]] } }, 'flags.new-checkout.targeting.fractional[2][0]', "'nope'"],
    ['a bucket of a ramp-shaped rule', { ...boolFlag, targeting: { if: [beta, { fractional: [['on', 1], ['onn', 1]] }, null] } }, 'flags.new-checkout.targeting.if[1].fractional[1][0]', "'onn'"],
    ['an if inside a bucket', { ...boolFlag, targeting: { fractional: [[{ if: [beta, 'on', 'bad'] }, 1]] } }, 'flags.new-checkout.targeting.fractional[0][0].if[2]', "'bad'"],
    ['a boolean literal', { ...boolFlag, targeting: { if: [beta, true, null] } }, 'flags.new-checkout.targeting.if[1]', "'true'"],
    ['a number literal', { state: 'ENABLED', variants: { one: 1, two: 2 }, defaultVariant: 'one', targeting: { if: [beta, 2, null] } }, 'flags.new-checkout.targeting.if[1]', "targeting can return '2' here, which is not one of the variants (one, two)"],
    ['a condition as the result', { ...boolFlag, targeting: { in: [{ var: 'email' }, ['a@b.c']] } }, 'flags.new-checkout.targeting', "targeting can return 'true' and 'false' here, which are not variants (on, off)"],
    ['a cohort as the result', { ...boolFlag, targeting: { if: [{ var: 'x' }, beta, 'off'] } }, 'flags.new-checkout.targeting.if[1]', "evaluator 'beta' can return 'true' and 'false' here (at $evaluators.beta), which are not variants (on, off)"],
    ['an evaluator returning a name the flag lacks', { state: 'ENABLED', variants: { gold: 'G', bronze: 'B' }, targeting: { if: [beta, { $ref: 'picker' }, null] } }, 'flags.new-checkout.targeting.if[1]', "evaluator 'picker' can return 'silver' here (at $evaluators.picker.if[2]), which is not one of the variants (gold, bronze)"],
    ['a DISABLED flag, which may be enabled again', { ...boolFlag, state: 'DISABLED', targeting: { if: [beta, 'maybe', null] } }, 'flags.new-checkout.targeting.if[1]', "'maybe'"],
  ])('refuses a missing variant returned by %s, at its path', (_, definition, path, message) => {
    expect(issuesOf(() => parseFlagDefinition('new-checkout', definition, cohorts))).toEqual([{ path, message: expect.stringContaining(message) as string }]);
  });

  it('reports every bad result at once', () => {
    const issues = issuesOf(() => parseFlagDefinition('new-checkout', { ...boolFlag, targeting: { if: [beta, 'a', { var: 'x' }, { fractional: [['b', 1], ['on', 1]] }, 'c'] } }, cohorts));
    expect(issues.map((issue) => issue.path)).toEqual(['flags.new-checkout.targeting.if[1]', 'flags.new-checkout.targeting.if[3].fractional[0][0]', 'flags.new-checkout.targeting.if[4]']);
  });

  it('leaves the flagd test kit as it was: only its broken $ref and negative weight are refused', () => {
    const testkit = JSON.parse(readFileSync(new URL('../fixtures/flagd-testbed/evaluator/flags/testkit-flags.json', import.meta.url), 'utf8')) as unknown;
    expect(issuesOf(() => parseFlagSet(testkit))).toEqual([
      { path: 'flags.ref-to-nonexistent-evaluator-flag.targeting.if[0].$ref', message: "'nonexistent_evaluator' is not a defined evaluator (known: is_ballmer)" },
      { path: 'flags.fractional-negative-weight-flag.targeting.fractional[1][1]', message: 'fractional weights are non-negative integers' },
    ]);
  });
});

describe('parseCohortRule', () => {
  it('accepts a JsonLogic rule', () => {
    expect(parseCohortRule('internal', { ends_with: [{ var: 'email' }, '@corp.example'] })).toEqual({ ends_with: [{ var: 'email' }, '@corp.example'] });
  });

  it.each([
    ['an empty rule', 'beta', {}, '$evaluators.beta', 'exactly one operator'],
    ['a rule that references another evaluator', 'beta', { or: [{ $ref: 'internal' }, true] }, '$evaluators.beta.or[0]', 'cannot reference another evaluator'],
    ['an unknown operator', 'beta', { frobnicate: [] }, '$evaluators.beta', 'flagd cannot compile'],
    ['a bad name', 'be ta', { '==': [1, 1] }, '$evaluators.be ta', 'cohort names use'],
  ])('refuses %s', (_, name, rule, path, message) => {
    expect(issuesOf(() => parseCohortRule(name, rule))).toContainEqual({ path, message: expect.stringContaining(message) as string });
  });
});

describe('parseFlagSet', () => {
  it('accepts a flagd file with $schema, evaluators and set metadata', () => {
    const set = {
      $schema: 'https://flagd.dev/schema/v0/flags.json',
      flags: { 'new-checkout': { ...boolFlag, targeting: { if: [{ $ref: 'beta' }, 'on', null] } } },
      $evaluators: evaluators,
      metadata: { flagSetId: 'checkout', version: '3' },
    };
    expect(parseFlagSet(set)).toEqual(set);
  });

  it('reports every flag at fault in one error, each with its path', () => {
    const issues = issuesOf(() =>
      parseFlagSet({
        flags: {
          'new-checkout': { ...boolFlag, defaultVariant: 'maybe' },
          'bad key': boolFlag,
          'old-checkout': { ...boolFlag, targeting: { if: [{ $ref: 'nobody' }, 'on', null] } },
        },
        $evaluators: evaluators,
        extra: true,
      }),
    );
    expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['flags.bad key', '(root)']));
    expect(issues).toContainEqual({ path: '(root)', message: 'Unrecognized key: "extra"' });
    expect(issues).toContainEqual({ path: 'flags.bad key', message: expect.stringContaining('flag keys use') as string });
  });

  it('checks flags against the set’s own evaluators', () => {
    const issues = issuesOf(() =>
      parseFlagSet({
        flags: { 'new-checkout': { ...boolFlag, defaultVariant: 'maybe' }, 'old-checkout': { ...boolFlag, targeting: { if: [{ $ref: 'nobody' }, 'on', null] } } },
        $evaluators: evaluators,
      }),
    );
    expect(issues).toEqual([
      { path: 'flags.new-checkout.defaultVariant', message: "'maybe' is not one of the variants (on, off)" },
      { path: 'flags.old-checkout.targeting.if[0].$ref', message: "'nobody' is not a defined evaluator (known: beta)" },
    ]);
  });

  it('checks the variant names a file’s flags can return through the file’s own evaluators', () => {
    const file = {
      flags: { 'new-checkout': { state: 'ENABLED', variants: { gold: 'G' }, targeting: { if: [{ var: 'x' }, { $ref: 'tier' }, null] } } },
      $evaluators: { tier: { if: [{ var: 'pro' }, 'gold', 'silver'] } },
    };
    expect(issuesOf(() => parseFlagSet(file))).toEqual([
      { path: 'flags.new-checkout.targeting.if[1]', message: "evaluator 'tier' can return 'silver' here (at $evaluators.tier.if[2]), which is not one of the variants (gold)" },
    ]);
  });
});

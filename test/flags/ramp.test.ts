import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import { parseFlagDefinition, type FlagDefinition } from '../../lib/flags/flag-schema.js';
import { applyRamp, percentToWeight, RAMP_METADATA_KEY, rampIssues, rampsOf, TOTAL_WEIGHT } from '../../lib/flags/ramp.js';
import { issuesOf } from '../support/flag-issues.js';

const evaluators = {
  beta: { in: [{ var: 'email' }, ['ana@example.com', 'bo@example.com']] },
  internal: { ends_with: [{ var: 'email' }, '@corp.example'] },
};
const boolFlag: FlagDefinition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
const stringFlag: FlagDefinition = { state: 'ENABLED', variants: { classic: 'Buy', friendly: 'Complete my order', bold: 'BUY' }, defaultVariant: 'classic' };


function evaluator(key: string, definition: FlagDefinition) {
  const core = new FlagdCore();
  core.setConfigurations(JSON.stringify({ flags: { [key]: definition }, $evaluators: evaluators }));
  return core;
}

describe('percentToWeight', () => {
  it.each([
    [0, 0],
    [0.001, 1],
    [0.5, 500],
    [25, 25_000],
    [12.34567, 12_346],
    [100, TOTAL_WEIGHT],
  ])('%d%% is a weight of %d out of 100,000', (percent, weight) => {
    expect(percentToWeight(percent)).toBe(weight);
    expect(Number.isInteger(percentToWeight(percent))).toBe(true);
  });
});

describe('applyRamp', () => {
  it('compiles one cohort to a fractional split under its $ref, keeping the state in metadata', () => {
    const ramped = applyRamp('new-checkout', boolFlag, { cohort: 'beta', percent: 25 });
    expect(ramped.targeting).toEqual({ if: [{ $ref: 'beta' }, { fractional: [['on', 25_000], ['off', 75_000]] }, null] });
    expect(JSON.parse(String(ramped.metadata?.[RAMP_METADATA_KEY]))).toEqual({ ramps: [{ cohort: 'beta', percent: 25, on: 'on', off: 'off' }] });
    expect(parseFlagDefinition('new-checkout', ramped, evaluators)).toEqual(ramped);
  });

  it('appends a new cohort after the existing ones and re-ramps a cohort in place', () => {
    let flag = applyRamp('new-checkout', boolFlag, { cohort: 'beta', percent: 10 });
    flag = applyRamp('new-checkout', flag, { cohort: 'internal', percent: 0.5 });
    flag = applyRamp('new-checkout', flag, { cohort: 'beta', percent: 50 });
    expect(flag.targeting).toEqual({
      if: [{ $ref: 'beta' }, { fractional: [['on', 50_000], ['off', 50_000]] }, { $ref: 'internal' }, { fractional: [['on', 500], ['off', 99_500]] }, null],
    });
    expect(rampsOf(flag).map((ramp) => [ramp.cohort, ramp.percent])).toEqual([
      ['beta', 50],
      ['internal', 0.5],
    ]);
  });

  it('records the percent it applied, on the 0.001% grid', () => {
    const flag = applyRamp('new-checkout', boolFlag, { cohort: 'beta', percent: 12.34567 });
    expect(rampsOf(flag)[0]?.percent).toBe(12.346);
  });

  it('keeps the targeting the flag had before its first ramp as the final branch', () => {
    const base = { if: [{ ends_with: [{ var: 'email' }, '@vip.example'] }, 'on', null] };
    let flag = applyRamp('new-checkout', { ...boolFlag, targeting: base }, { cohort: 'beta', percent: 5 });
    flag = applyRamp('new-checkout', flag, { cohort: 'beta', percent: 60 });
    expect((flag.targeting as { if: unknown[] }).if.at(-1)).toEqual(base);
    const core = evaluator('new-checkout', flag);
    expect(core.resolveBooleanEvaluation('new-checkout', false, { targetingKey: 'x', email: 'zed@vip.example' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(core.resolveBooleanEvaluation('new-checkout', false, { targetingKey: 'x', email: 'zed@example.org' })).toMatchObject({ value: false, reason: 'DEFAULT' });
  });

  it('lets a person edit the final branch, but not the compiled ramps', () => {
    const flag = applyRamp('new-checkout', boolFlag, { cohort: 'beta', percent: 5 });
    const branches = (flag.targeting as { if: unknown[] }).if;
    const editedBase = { ...flag, targeting: { if: [...branches.slice(0, -1), 'on'] } } as FlagDefinition;
    expect(rampIssues('new-checkout', editedBase)).toEqual([]);
    const editedRamp = { ...flag, targeting: { if: [branches[0], { fractional: [['on', 90_000], ['off', 10_000]] }, null] } } as FlagDefinition;
    expect(rampIssues('new-checkout', editedRamp)).toEqual([{ path: 'flags.new-checkout.targeting', message: expect.stringContaining('does not match the ramps') as string }]);
    expect(issuesOf(() => applyRamp('new-checkout', editedRamp, { cohort: 'beta', percent: 10 }))[0]?.path).toBe('flags.new-checkout.targeting');
  });

  it('refuses a ramp state that is not valid JSON of ramps', () => {
    const broken = { ...boolFlag, metadata: { [RAMP_METADATA_KEY]: '{"ramps": [{"cohort": "beta"}]}' } };
    expect(rampIssues('new-checkout', broken)).toEqual([{ path: `flags.new-checkout.metadata.${RAMP_METADATA_KEY}`, message: expect.stringContaining('not a valid ramp state') as string }]);
  });

  it('needs the "on" variant named for a non-boolean flag, and defaults "off" to the default variant', () => {
    expect(issuesOf(() => applyRamp('button-text', stringFlag, { cohort: 'beta', percent: 10 }))).toEqual([
      { path: 'on', message: "name the variant to serve to the ramped users; flag 'button-text' is not boolean" },
    ]);
    const flag = applyRamp('button-text', stringFlag, { cohort: 'beta', percent: 10, on: 'friendly' });
    expect(rampsOf(flag)).toEqual([{ cohort: 'beta', percent: 10, on: 'friendly', off: 'classic' }]);
    const again = applyRamp('button-text', flag, { cohort: 'beta', percent: 20 });
    expect(rampsOf(again)[0]).toMatchObject({ on: 'friendly', off: 'classic', percent: 20 });
  });

  it.each([
    ['an unknown variant', { cohort: 'beta', percent: 10, on: 'shiny' }, 'on', "'shiny' is not a variant of flag 'new-checkout'"],
    ['a percent above 100', { cohort: 'beta', percent: 100.5 }, 'percent', 'between 0 and 100'],
    ['a negative percent', { cohort: 'beta', percent: -1 }, 'percent', 'between 0 and 100'],
    ['a percent that is not a number', { cohort: 'beta', percent: Number.NaN }, 'percent', 'between 0 and 100'],
    ['a bad cohort name', { cohort: 'beta testers', percent: 10 }, 'cohort', 'not a cohort name'],
  ])('refuses %s', (_, request, path, message) => {
    expect(issuesOf(() => applyRamp('new-checkout', boolFlag, request))).toContainEqual({ path, message: expect.stringContaining(message) as string });
  });

  it('buckets on the cohort’s attribute when it names one, and keeps it fixed once ramped', () => {
    let flag = applyRamp('new-checkout', boolFlag, { cohort: 'internal', percent: 50, bucketBy: 'accountId' });
    flag = applyRamp('new-checkout', flag, { cohort: 'internal', percent: 60, bucketBy: 'userId' });
    expect(rampsOf(flag)[0]).toMatchObject({ bucketBy: 'accountId', percent: 60 });
    const core = evaluator('new-checkout', flag);
    const accounts = Array.from({ length: 200 }, (_, index) => `acc-${index}`);
    for (const accountId of accounts) {
      const first = core.resolveBooleanEvaluation('new-checkout', false, { targetingKey: `${accountId}-u1`, email: 'a@corp.example', accountId }).value;
      const second = core.resolveBooleanEvaluation('new-checkout', false, { targetingKey: `${accountId}-u2`, email: 'b@corp.example', accountId }).value;
      expect(second).toBe(first);
    }
    const enabled = accounts.filter((accountId) => core.resolveBooleanEvaluation('new-checkout', false, { targetingKey: 't', email: 'a@corp.example', accountId }).value).length;
    expect(enabled).toBeGreaterThan(80);
    expect(enabled).toBeLessThan(160);
    expect(core.resolveBooleanEvaluation('new-checkout', true, { targetingKey: 't', email: 'a@corp.example' })).toMatchObject({ value: false, reason: 'DEFAULT', variant: 'off' });
  });

  it('serves the default variant to cohort members without a targetingKey, as flagd does', () => {
    const core = evaluator('new-checkout', applyRamp('new-checkout', boolFlag, { cohort: 'beta', percent: 100 }));
    expect(core.resolveBooleanEvaluation('new-checkout', true, { email: 'ana@example.com' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    expect(core.resolveBooleanEvaluation('new-checkout', false, { email: 'ana@example.com', targetingKey: 'ana' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH', variant: 'on' });
  });
});

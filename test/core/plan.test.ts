import { describe, expect, it } from 'vitest';
import { PlanError } from '../../lib/core/errors.js';
import { minimumTimeToFullMs, parsePlan, progressDeadlineMs, verificationMs, weightAt, type Plan } from '../../lib/core/plan.js';
import { DEFAULT_PRESET, PRESET_NAMES, presetPlan } from '../../lib/core/presets.js';
import { resolvePlan } from '../../lib/core/resolve-plan.js';
import { applyRisk, HIGH_RISK_APPROVER } from '../../lib/core/risk.js';

const MINUTE = 60_000;
const trafficOf = (plan: Plan) => plan.steps.flatMap((step) => (step.type === 'traffic' ? [[step.weight, step.minBake]] : []));

function issuesOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  throw new Error('expected a PlanError');
}

describe('presets', () => {
  it.each([
    [DEFAULT_PRESET, [[1, '5m'], [10, '5m'], [50, '5m']], 15],
    ['Canary10Percent5Minutes', [[10, '5m']], 5],
    ['Canary10Percent10Minutes', [[10, '10m']], 10],
    ['Canary10Percent15Minutes', [[10, '15m']], 15],
    ['Canary10Percent30Minutes', [[10, '30m']], 30],
    ['Linear10PercentEvery1Minute', [10, 20, 30, 40, 50, 60, 70, 80, 90].map((w) => [w, '1m']), 9],
    ['Linear10PercentEvery2Minutes', [10, 20, 30, 40, 50, 60, 70, 80, 90].map((w) => [w, '2m']), 18],
    ['Linear10PercentEvery3Minutes', [10, 20, 30, 40, 50, 60, 70, 80, 90].map((w) => [w, '3m']), 27],
    ['Linear10PercentEvery10Minutes', [10, 20, 30, 40, 50, 60, 70, 80, 90].map((w) => [w, '10m']), 90],
    ['AllAtOnce', [], 0],
  ])('%s shifts %j and reaches 100%% after %i minutes', (name, traffic, minutes) => {
    const plan = resolvePlan(name, 'normal');
    expect(plan.preset).toBe(name);
    expect(trafficOf(plan)).toEqual(traffic);
    expect(minimumTimeToFullMs(plan)).toBe(minutes * MINUTE);
    expect(verificationMs(plan)).toBe(30 * MINUTE);
  });

  it('lists every preset and each one validates', () => {
    expect(PRESET_NAMES).toHaveLength(10);
    for (const name of PRESET_NAMES) expect(() => parsePlan(presetPlan(name))).not.toThrow();
  });

  it('uses the default preset when no plan is given', () => {
    expect(resolvePlan(undefined, 'normal').preset).toBe(DEFAULT_PRESET);
  });

  it('rejects an unknown preset naming the field and the choices', () => {
    const [issue] = issuesOf(() => resolvePlan('Canary99', 'normal'));
    expect(issue?.path).toBe('plan');
    expect(issue?.message).toContain('Canary10Percent5Minutes');
  });
});

describe('parsePlan', () => {
  it('fills defaults and keeps decimals', () => {
    const plan = parsePlan({ steps: [{ type: 'traffic', weight: 0.5 }, { type: 'traffic', weight: 2.25, minBake: '90s' }] });
    expect(parsePlan({ steps: [{ type: 'traffic', weight: 0.0125 }] }).steps[0]).toMatchObject({ weight: 0.0125 });
    expect(plan.verification).toBe('30m');
    expect(plan.steps).toEqual([
      { type: 'traffic', weight: 0.5, minBake: '0s' },
      { type: 'traffic', weight: 2.25, minBake: '90s' },
    ]);
    expect(weightAt(plan, 0)).toBe(0.5);
    expect(weightAt(plan, 1)).toBe(2.25);
  });

  it('drops a trailing 100% step: every plan ends in promotion', () => {
    const plan = parsePlan({ steps: [{ type: 'traffic', weight: 10, minBake: '1m' }, { type: 'traffic', weight: 100 }] });
    expect(plan.steps).toHaveLength(1);
  });

  it('keeps every step kind, with weights carried through non-traffic steps', () => {
    const plan = parsePlan({
      steps: [
        { type: 'traffic', weight: 5, minBake: '1m' },
        { type: 'flag', key: 'new-checkout', cohort: 'beta', percent: 25 },
        { type: 'bake', duration: '2m' },
        { type: 'approval', role: 'oncall' },
        { type: 'pause', duration: 'indefinite' },
        { type: 'pause', duration: '10m' },
      ],
    });
    expect(plan.steps.map((step) => step.type)).toEqual(['traffic', 'flag', 'bake', 'approval', 'pause', 'pause']);
    expect([1, 2, 3, 4, 5].map((index) => weightAt(plan, index))).toEqual([5, 5, 5, 5, 5]);
    // The indefinite pause waits on a person, so it adds nothing to the minimum.
    expect(minimumTimeToFullMs(plan)).toBe(13 * MINUTE);
  });

  it.each([
    ['no steps', { steps: [] }, 'steps', 'at least one step'],
    ['weights going down', { steps: [{ type: 'traffic', weight: 10 }, { type: 'traffic', weight: 5 }] }, 'steps[1].weight', 'never go down'],
    ['a weight above 100', { steps: [{ type: 'traffic', weight: 101 }] }, 'steps[0].weight', ''],
    ['a negative weight', { steps: [{ type: 'traffic', weight: -1 }] }, 'steps[0].weight', ''],
    ['a weight finer than Lambda can confirm', { steps: [{ type: 'traffic', weight: 33.333333 }] }, 'steps[0].weight', 'four decimals'],
    ['a weight that is not a number', { steps: [{ type: 'traffic', weight: '10' }] }, 'steps[0].weight', ''],
    ['a bad bake', { steps: [{ type: 'traffic', weight: 10, minBake: '5 minutes' }] }, 'steps[0].minBake', 'duration'],
    ['a bad pause', { steps: [{ type: 'pause', duration: 'forever' }] }, 'steps[0].duration', ''],
    ['a bad verification', { steps: [{ type: 'traffic', weight: 1 }], verification: '1 hour' }, 'verification', 'duration'],
    ['100% before the end', { steps: [{ type: 'traffic', weight: 100 }, { type: 'bake', duration: '1m' }] }, 'steps[0].weight', 'last step'],
    ['a bake on the 100% step', { steps: [{ type: 'traffic', weight: 100, minBake: '5m' }] }, 'steps[0].minBake', 'verification'],
    ['an unknown step type', { steps: [{ type: 'teleport' }] }, 'steps[0].type', ''],
    ['an unknown field', { steps: [{ type: 'traffic', weight: 1, wieght: 2 }] }, 'steps[0]', ''],
    ['a flag percent above 100', { steps: [{ type: 'flag', key: 'a', cohort: 'b', percent: 150 }] }, 'steps[0].percent', ''],
    ['a flag key with a slash', { steps: [{ type: 'flag', key: '../etc', cohort: 'b', percent: 1 }] }, 'steps[0].key', 'flag key'],
    ['an empty approval role', { steps: [{ type: 'approval', role: '' }] }, 'steps[0].role', ''],
  ])('rejects %s at %s', (_name, input, path, message) => {
    const issues = issuesOf(() => parsePlan(input));
    expect(issues.map((issue) => issue.path)).toContain(path);
    expect(issues.find((issue) => issue.path === path)?.message).toContain(message);
  });

  it('reports every field at fault, not only the first', () => {
    const issues = issuesOf(() => parsePlan({ steps: [{ type: 'traffic', weight: 200 }, { type: 'bake', duration: 'x' }], verification: 'y' }));
    expect(issues.map((issue) => issue.path).sort()).toEqual(['steps[0].weight', 'steps[1].duration', 'verification']);
  });

  it('prefixes paths with plan when resolving a release plan', () => {
    const issues = issuesOf(() => resolvePlan({ steps: [{ type: 'traffic', weight: 10 }, { type: 'traffic', weight: 5 }] }, 'normal'));
    expect(issues[0]?.path).toBe('plan.steps[1].weight');
  });

  it('gives each step a progress deadline of twice its bake, at least five minutes', () => {
    const plan = parsePlan({ steps: [{ type: 'traffic', weight: 1, minBake: '10m' }, { type: 'traffic', weight: 2, minBake: '1m' }] });
    expect(progressDeadlineMs(plan, plan.steps[0]!)).toBe(20 * MINUTE);
    expect(progressDeadlineMs(plan, plan.steps[1]!)).toBe(5 * MINUTE);
    const explicit = parsePlan({ ...plan, progressDeadline: '1h' });
    expect(progressDeadlineMs(explicit, explicit.steps[1]!)).toBe(60 * MINUTE);
  });
});

describe('risk classes', () => {
  const base = resolvePlan(DEFAULT_PRESET, 'normal');

  it('normal runs the plan as written', () => {
    expect(applyRisk(base, 'normal')).toEqual(base);
  });

  it('low halves the verification window', () => {
    const low = resolvePlan(DEFAULT_PRESET, 'low');
    expect(low.steps).toEqual(base.steps);
    expect(verificationMs(low)).toBe(15 * MINUTE);
  });

  it('high requires an approval before passing 10% and doubles verification', () => {
    const high = resolvePlan(DEFAULT_PRESET, 'high');
    expect(high.steps.map((step) => (step.type === 'traffic' ? step.weight : step.type))).toEqual([1, 10, 'approval', 50]);
    expect(high.steps[2]).toEqual({ type: 'approval', role: HIGH_RISK_APPROVER });
    expect(verificationMs(high)).toBe(60 * MINUTE);
  });

  it('high puts the approval before promotion when no step passes 10%', () => {
    const high = resolvePlan('Canary10Percent5Minutes', 'high');
    expect(high.steps.at(-1)).toEqual({ type: 'approval', role: HIGH_RISK_APPROVER });
    expect(resolvePlan('AllAtOnce', 'high').steps).toEqual([{ type: 'approval', role: HIGH_RISK_APPROVER }]);
  });

  it('high keeps an approval the plan already has before passing 10%', () => {
    const plan = { steps: [{ type: 'traffic', weight: 5 }, { type: 'approval', role: 'cab' }, { type: 'traffic', weight: 50 }] };
    const high = resolvePlan(plan, 'high');
    expect(high.steps.filter((step) => step.type === 'approval')).toEqual([{ type: 'approval', role: 'cab' }]);
  });
});

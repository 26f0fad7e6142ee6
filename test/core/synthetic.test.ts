import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, InvalidTransitionError } from '../../lib/core/errors.js';
import { applyEvent } from '../../lib/core/reducer.js';
import type { Release } from '../../lib/core/release.js';
import { appendProbeTick, hookDue, hookOutcome, probeJudgement, probePairs, probesRuleOut, syntheticDraft } from '../../lib/core/synthetic.js';
import { parseSynthetic, PROBE_TICKS_KEPT, type ProbeTick, type SyntheticInput } from '../../lib/core/synthetic-config.js';
import { ratioLogLikelihood, twoSampleMixture } from '../../lib/core/analysis/sprt.js';
import { at, newRelease, T0 } from './fixtures.js';

const settings = { alpha: 0.01, beta: 0.05, ratio: 2, floor: 0.05 };

const tick = (minute: number, canaryErrors: number, baselineErrors: number, pairs = 10): ProbeTick => ({
  at: at(minute),
  pairs,
  canaryTotal: pairs,
  canaryErrors,
  baselineTotal: pairs,
  baselineErrors,
});

function withSynthetic(synthetic: SyntheticInput): Release {
  return { ...newRelease(), synthetic: parseSynthetic(synthetic) };
}

describe('SyntheticSchema', () => {
  it('fills the defaults: both hooks on, ten pairs a tick', () => {
    expect(parseSynthetic({ hooks: { function: 'checkout-smoke' }, probes: { events: [{ cartId: 'c-1' }] } })).toEqual({
      hooks: { function: 'checkout-smoke', before: true, after: true },
      probes: { events: [{ cartId: 'c-1' }], pairsPerTick: 10 },
    });
  });

  it('takes a function ARN in any partition', () => {
    expect(parseSynthetic({ hooks: { function: 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:smoke' } })?.hooks?.function).toContain('function:smoke');
  });

  it.each([
    ['nothing to do', {}, 'synthetic', /hooks, probes or both/],
    ['a bad name', { hooks: { function: 'bad name!' } }, 'synthetic.hooks.function', /function name or function ARN/],
    ['a qualified ARN', { hooks: { function: 'arn:aws:lambda:us-east-1:123456789012:function:smoke:live' } }, 'synthetic.hooks.function', /without a qualifier/],
    ['no events', { probes: { events: [] } }, 'synthetic.probes.events', /at least one/],
    ['21 events', { probes: { events: Array.from({ length: 21 }, () => ({})) } }, 'synthetic.probes.events', /.+/],
    ['an event over 8 KiB', { probes: { events: [{}, { blob: 'x'.repeat(8200) }] } }, 'synthetic.probes.events[1]', /at most 8192 bytes/],
    ['an event nested 20 deep', { probes: { events: [JSON.parse(`${'['.repeat(20)}1${']'.repeat(20)}`) as unknown] } }, 'synthetic.probes.events[0]', /nested at most 16 levels deep/],
    ['a number DynamoDB cannot store', { probes: { events: [{ amount: 1e200 }] } }, 'synthetic.probes.events[0]', /outside what DynamoDB stores/],
    ['101 pairs', { probes: { events: [{}], pairsPerTick: 101 } }, 'synthetic.probes.pairsPerTick', /.+/],
    ['half a pair', { probes: { events: [{}], pairsPerTick: 2.5 } }, 'synthetic.probes.pairsPerTick', /.+/],
    ['an unknown field', { probes: { events: [{}] }, extra: true }, 'synthetic', /extra/],
  ])('refuses %s at %s', (_name, input, path, message) => {
    try {
      parseSynthetic(input);
      expect.unreachable('parsed');
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      const issue = (error as InputError).issues.find((candidate) => candidate.path === path);
      expect(issue?.message).toMatch(message);
    }
  });

  it('counts an event in bytes, not characters', () => {
    // 2,800 three-byte characters are 8,400 bytes: over the limit though only 2,800 long.
    expect(() => parseSynthetic({ probes: { events: ['€'.repeat(2800)] } })).toThrow(/at most 8192 bytes/);
  });
});

describe('hookOutcome', () => {
  it.each([
    [null, undefined, 'pass', undefined],
    ['ok', undefined, 'pass', undefined],
    [{ checked: 3 }, undefined, 'pass', undefined],
    [{ status: 'pass' }, undefined, 'pass', 'status pass'],
    [{ status: 'fail', reason: 'cart total wrong' }, undefined, 'fail', 'status "fail"'],
    [{ status: 'PASSED' }, undefined, 'fail', 'status "PASSED"'],
    [{ errorType: 'Error', errorMessage: 'Card declined' }, 'Unhandled', 'fail', 'Unhandled: Card declined'],
    [{ status: 'pass' }, 'Unhandled', 'fail', 'Unhandled'],
  ])('%j with function error %s is %s', (payload, functionError, outcome, detail) => {
    expect(hookOutcome(payload, functionError)).toEqual({ outcome, detail });
  });
});

describe('probeJudgement', () => {
  it('fails a version that fails every probe while stable passes: at once with ten pairs a tick, on the second tick with five', () => {
    const ten = probeJudgement([tick(1, 10, 0)], settings);
    expect(ten).toMatchObject({
      check: 'paired-probes',
      sli: 'error rate (probes)',
      method: 'sequential',
      verdict: 'fail',
      canary: 1,
      baseline: 0,
      canaryCounts: { events: 10, total: 10 },
      baselineCounts: { events: 0, total: 10 },
      criticalValue: Math.log(100),
    });
    expect(ten.statistic).toBeCloseTo(Math.log(twoSampleMixture(probePairs([tick(1, 10, 0)]), undefined, undefined, false)));
    expect(ten.note).toBe('error rate 100% (10/10) vs stable 0% (0/10) over 1 tick; SPRT log-likelihood ratio 6.0 ≥ 4.6');
    expect(probeJudgement([tick(1, 5, 0, 5)], settings).verdict).toBe('inconclusive');
    expect(probeJudgement([tick(1, 5, 0, 5), tick(2, 5, 0, 5)], settings).verdict).toBe('fail');
  });

  it('rules out a 2× regression for equal versions at a 5% probe error rate, with 100 pairs a tick', () => {
    const ticks = Array.from({ length: 10 }, (_, index) => tick(index, 5, 5, 100));
    // As the doc comment works out: 25 failed probes a side are not quite enough, 30 are.
    // Each route spends β/2: 30 failed probes a side are not quite enough for ln(0.025), 35 are.
    expect(probesRuleOut(ticks.slice(0, 6), settings)).toBe(false);
    expect(probesRuleOut(ticks.slice(0, 7), settings)).toBe(true);
    expect(probesRuleOut(ticks, settings)).toBe(true);
    const judged = probeJudgement(ticks, settings);
    expect(judged.verdict).toBe('pass');
    expect(judged.note).toMatch(/a 2× regression ruled out \(log-likelihood -5\.9 ≤ -3\.7\)$/);
  });

  it('tells no ratio while no probe fails on either version, but rules out failing 5% of them once enough pass', () => {
    const ticks = Array.from({ length: 3 }, (_, index) => tick(index, 0, 0, 50));
    expect(probesRuleOut(ticks.slice(0, 1), settings)).toBe(false);
    expect(probeJudgement(ticks.slice(0, 1), settings)).toMatchObject({ verdict: 'inconclusive', note: expect.stringMatching(/nor failing 5% of the probes ruled out yet$/) });
    expect(probesRuleOut(ticks, settings)).toBe(true);
    expect(probeJudgement(ticks, settings)).toMatchObject({ verdict: 'pass', note: expect.stringMatching(/failing 5% of the probes or more ruled out$/) });
  });

  it('property: identical outcomes on both versions never fail and never count towards a regression', () => {
    const ticks = fc.array(
      fc.integer({ min: 1, max: 100 }).chain((pairs) => fc.record({ pairs: fc.constant(pairs), errors: fc.integer({ min: 0, max: pairs }) })),
      { minLength: 1, maxLength: 200 },
    );
    fc.assert(
      fc.property(ticks, (drawn) => {
        const probes = drawn.map(({ pairs, errors }, index) => tick(index, errors, errors, pairs));
        const judged = probeJudgement(probes, settings);
        expect(judged.verdict).not.toBe('fail');
        expect(judged.statistic).toBeLessThanOrEqual(1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it('property: a version failing every probe while stable fails none fails within three ticks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 100 }), (pairs) => {
        const probes = [1, 2, 3].map((minute) => tick(minute, pairs, 0, pairs));
        expect(probeJudgement(probes, settings).verdict).toBe('fail');
      }),
    );
  });
});

describe('appendProbeTick', () => {
  it(`keeps ${PROBE_TICKS_KEPT} ticks, folding the oldest together without changing the evidence`, () => {
    let ticks: ProbeTick[] = [];
    const all: ProbeTick[] = [];
    for (let minute = 0; minute < PROBE_TICKS_KEPT + 30; minute += 1) {
      const next = tick(minute, minute % 3 === 0 ? 1 : 0, minute % 5 === 0 ? 1 : 0);
      all.push(next);
      ticks = appendProbeTick(ticks, next);
    }
    expect(ticks).toHaveLength(PROBE_TICKS_KEPT);
    expect(ticks[0]!.pairs).toBe(310);
    expect(ratioLogLikelihood(probePairs(ticks), 2, false)).toBeCloseTo(ratioLogLikelihood(probePairs(all), 2, false), 9);
    expect(twoSampleMixture(probePairs(ticks), undefined, undefined, false)).toBeCloseTo(twoSampleMixture(probePairs(all), undefined, undefined, false), 9);
  });
});

describe('the synthetic events in the state machine', () => {
  const run = (phase: 'before' | 'after', outcome: 'pass' | 'fail') => ({ phase, function: 'checkout-smoke', at: at(1), outcome, durationMs: 42, detail: outcome === 'fail' ? 'status "fail"' : undefined });

  it('records a hook run once per phase, only for a release with hooks', () => {
    const release = withSynthetic({ hooks: { function: 'checkout-smoke' } });
    expect(hookDue(release, 'before')).toBe(true);
    const ran = applyEvent(release, { type: 'hook_ran', at: at(1), run: run('before', 'pass') });
    expect(ran.hookRuns).toEqual([run('before', 'pass')]);
    expect(hookDue(ran, 'before')).toBe(false);
    expect(() => applyEvent(ran, { type: 'hook_ran', at: at(2), run: run('before', 'pass') })).toThrow(/already run/);
    expect(() => applyEvent(newRelease(), { type: 'hook_ran', at: at(1), run: run('before', 'pass') })).toThrow(InvalidTransitionError);
    expect(() => applyEvent(release, { type: 'hook_ran', at: at(1), run: run('after', 'pass') })).toThrow(/after-hook does not run while pending/);
    const promoted = applyEvent(applyEvent(ran, { type: 'started', at: at(2), weight: 1 }), { type: 'promoted', at: at(3) });
    expect(() => applyEvent(promoted, { type: 'hook_ran', at: at(4), run: run('before', 'pass') })).toThrow(/before-hook does not run while promoted/);
    expect(applyEvent(promoted, { type: 'hook_ran', at: at(4), run: run('after', 'pass') }).hookRuns).toHaveLength(2);
  });

  it('records probes only while progressing, and only for a release with probes', () => {
    const release = withSynthetic({ probes: { events: [{}] } });
    expect(() => applyEvent(release, { type: 'probes_ran', at: at(1), tick: tick(1, 0, 0) })).toThrow(InvalidTransitionError);
    const started = applyEvent(release, { type: 'started', at: at(1), weight: 1 });
    expect(applyEvent(started, { type: 'probes_ran', at: at(2), tick: tick(2, 1, 0) }).probeTicks).toEqual([tick(2, 1, 0)]);
    const plain = applyEvent(newRelease(), { type: 'started', at: at(1), weight: 1 });
    expect(() => applyEvent(plain, { type: 'probes_ran', at: at(2), tick: tick(2, 0, 0) })).toThrow(/no probes/);
  });
});

describe('syntheticDraft', () => {
  it('asks for nothing without synthetic evidence, or while the evidence is good', () => {
    expect(syntheticDraft(newRelease(), T0)).toBeUndefined();
    const release = applyEvent(withSynthetic({ hooks: { function: 'checkout-smoke' } }), { type: 'hook_ran', at: at(1), run: run('before', 'pass') });
    expect(syntheticDraft(release, T0)).toBeUndefined();
  });

  it('stops a pending release whose before-hook failed, before any traffic', () => {
    const release = applyEvent(withSynthetic({ hooks: { function: 'checkout-smoke' } }), { type: 'hook_ran', at: at(1), run: run('before', 'fail') });
    expect(syntheticDraft(release, T0)).toEqual({
      action: 'abort',
      reason: 'hook_failed',
      explanation: 'stopped before any traffic: before-hook checkout-smoke failed in 42 ms (status "fail")',
    });
  });

  it('rolls back a promoted release whose after-hook failed', () => {
    let release = withSynthetic({ hooks: { function: 'checkout-smoke', before: false } });
    release = applyEvent(release, { type: 'started', at: at(1), weight: 1 });
    release = applyEvent(release, { type: 'promoted', at: at(2) });
    release = applyEvent(release, { type: 'hook_ran', at: at(3), run: run('after', 'fail') });
    expect(syntheticDraft(release, T0)).toMatchObject({ action: 'rollback', reason: 'hook_failed', explanation: expect.stringMatching(/^rolled back from 100%: after-hook checkout-smoke failed/) });
  });

  it('rolls back a progressing release whose probes fail, with the numbers in the explanation', () => {
    let release = applyEvent(withSynthetic({ probes: { events: [{}] } }), { type: 'started', at: at(1), weight: 1 });
    release = applyEvent(release, { type: 'probes_ran', at: at(2), tick: tick(2, 5, 0, 5) });
    expect(syntheticDraft(release, T0 + 2 * 60_000)).toBeUndefined();
    release = applyEvent(release, { type: 'probes_ran', at: at(3), tick: tick(3, 5, 0, 5) });
    // Two ticks reach 6.0, short of ln(1/α) for the probes' share of α (0.1%): 6.9.
    expect(syntheticDraft(release, T0 + 3 * 60_000)).toBeUndefined();
    release = applyEvent(release, { type: 'probes_ran', at: at(4), tick: tick(4, 5, 0, 5) });
    const draft = syntheticDraft(release, T0 + 4 * 60_000);
    expect(draft).toMatchObject({ action: 'rollback', reason: 'probes_failed' });
    expect(draft?.explanation).toMatch(/^rolled back at 1%: paired-probes: error rate 100% \(15\/15\) vs stable 0% \(0\/15\) over 3 ticks; SPRT log-likelihood ratio \d+\.\d ≥ 6\.9$/);
    expect(draft?.judgement).toMatchObject({ verdict: 'fail', window: { start: Date.parse(at(2)), end: T0 + 4 * 60_000 }, canaryRequests: 15 });
  });

  function run(phase: 'before' | 'after', outcome: 'pass' | 'fail') {
    return { phase, function: 'checkout-smoke', at: at(1), outcome, durationMs: 42, detail: outcome === 'fail' ? 'status "fail"' : undefined } as const;
  }
});

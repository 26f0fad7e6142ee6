import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../lib/core/decide.js';
import { eventsForDecision } from '../../lib/core/decision-events.js';
import type { Observation, Period } from '../../lib/core/metrics.js';
import type { PolicyInput } from '../../lib/core/policy.js';
import { applyEvent, replay } from '../../lib/core/reducer.js';
import type { Release } from '../../lib/core/release.js';
import { arm, at, MINUTE, newRelease, periods, T0 } from './fixtures.js';

const healthy = (from: number, count: number, canary = 10, baseline = 990) => periods(from, count, arm(canary, 0), arm(baseline, 5));
const ok = (list: Period[]): Observation => ({ ok: true, periods: list });
const now = (minutes: number) => T0 + minutes * MINUTE;

/** A release started at minute 0 and advanced through `steps` steps, each at the given minute. */
function started(options: { plan?: unknown; policy?: PolicyInput; advances?: number[] } = {}): Release {
  let release = applyEvent(newRelease(options), { type: 'started', at: at(0), weight: 1 });
  (options.advances ?? []).forEach((minute, index) => {
    const step = release.plan.steps[index + 1];
    const weight = step?.type === 'traffic' ? step.weight : release.weight;
    release = applyEvent(release, { type: 'step_advanced', at: at(minute), toStep: index + 1, weight });
  });
  return release;
}

describe('decide', () => {
  it('starts a pending release at its first weight', () => {
    const decision = decide(newRelease(), ok([]), now(0));
    expect(decision).toMatchObject({ action: 'advance', toWeight: 1, measurement: 'skipped' });
    expect(eventsForDecision(newRelease(), decision)).toEqual([{ type: 'started', at: at(0), weight: 1, decision }]);
  });

  it('holds while the step bakes, even when every check passes', () => {
    const decision = decide(started(), ok(healthy(0, 3)), now(3));
    expect(decision).toMatchObject({ action: 'hold', reason: 'baking', measurement: 'ok' });
    expect(decision.explanation).toMatch(/^baking at 1%: 2m left; /);
  });

  it('advances once the bake is over and the evidence is in', () => {
    const decision = decide(started(), ok(healthy(0, 5)), now(5));
    expect(decision).toMatchObject({ action: 'advance', reason: 'step_passed', toWeight: 10 });
    expect(decision.explanation).toMatch(/^advanced from 1% to 10%: all 3 checks pass/);
  });

  it('says "the one check passes" when the policy has one check', () => {
    const release = started({ policy: { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }] } });
    const decision = decide(release, ok(healthy(0, 5)), now(5));
    expect(decision).toMatchObject({ action: 'advance', toWeight: 10 });
    expect(decision.explanation).toMatch(/^advanced from 1% to 10%: the one check passes \(error-rate/);
  });

  it('promotes after the last step and succeeds after verification', () => {
    const last = started({ advances: [5, 10] });
    const history = [...healthy(0, 5), ...healthy(5, 5, 100, 900), ...healthy(10, 5, 500, 500)];
    expect(decide(last, ok(history), now(15))).toMatchObject({ action: 'promote', toWeight: 100 });
    const promoted = applyEvent(last, { type: 'promoted', at: at(15) });
    const verifying = [...history, ...periods(15, 29, arm(1000, 5), arm(0, 0))];
    expect(decide(promoted, ok(verifying), now(44))).toMatchObject({ action: 'hold', reason: 'verifying' });
    const full = [...verifying, ...periods(44, 1, arm(1000, 5), arm(0, 0))];
    const done = decide(promoted, ok(full), now(45));
    expect(done).toMatchObject({ action: 'succeed', reason: 'verification_passed' });
    expect(done.judgement?.checks.map((check) => check.note).join(' ')).toContain('pre-promotion baseline');
  });

  it('rolls back mid-step as soon as a check fails, and says why in numbers', () => {
    const release = started({ advances: [5] });
    const history = [...healthy(0, 5), ...periods(5, 2, arm(100, 6), arm(900, 4))];
    const decision = decide(release, ok(history), now(7));
    expect(decision).toMatchObject({ action: 'rollback', reason: 'analysis_failed', toWeight: 0 });
    expect(decision.explanation).toMatch(
      /^rolled back at 10%: error-rate-vs-baseline: error rate 6% \(12\/200\) vs baseline 0\.44% \(8\/1800\); SPRT log-likelihood ratio \d+\.\d ≥ 4\.6/,
    );
    expect(eventsForDecision(release, decision)).toEqual([
      { type: 'rollback_started', at: at(7), intent: 'rollback', reason: decision.explanation, decision },
    ]);
  });

  it('tolerates failures up to the failure limit', () => {
    const policy = { checks: [{ sli: { kind: 'error_rate' }, method: 'threshold', value: 0.01 }], failureLimit: 1 } as const;
    const release = started({ policy: policy as unknown as PolicyInput });
    const bad = periods(0, 3, arm(500, 50), arm(500, 2));
    expect(decide(release, ok(bad), now(3))).toMatchObject({ action: 'hold', reason: 'failure_tolerated' });
    const once = applyEvent(release, { type: 'held', at: at(3), decision: decide(release, ok(bad), now(3)) });
    expect(decide(once, ok(bad), now(4))).toMatchObject({ action: 'rollback' });
  });

  it('holds on metric errors, then pauses at the consecutive-error limit', () => {
    let release = started();
    const outage: Observation = { ok: false, error: 'ThrottlingException' };
    for (let minute = 1; minute <= 3; minute += 1) {
      const decision = decide(release, outage, now(minute));
      expect(decision).toMatchObject({ action: 'hold', reason: 'metrics_error', measurement: 'error' });
      release = applyEvent(release, { type: 'held', at: at(minute), decision });
    }
    const fourth = decide(release, outage, now(4));
    expect(fourth).toMatchObject({ action: 'pause', reason: 'metrics_unavailable' });
    expect(fourth.explanation).toContain('4 times in a row (ThrottlingException)');
  });

  it('never advances on missing data: an empty window holds, then pauses at the deadline', () => {
    const release = started();
    expect(decide(release, ok([]), now(5))).toMatchObject({ action: 'hold', reason: 'inconclusive' });
    // Default deadline: twice the 5m bake, after the bake.
    expect(decide(release, ok([]), now(14))).toMatchObject({ action: 'hold' });
    expect(decide(release, ok([]), now(15))).toMatchObject({ action: 'pause', reason: 'deadline_inconclusive' });
  });

  it('rolls back at the deadline when the policy says so', () => {
    const release = started({ policy: { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], onInconclusive: 'rollback' } });
    expect(decide(release, ok([]), now(15))).toMatchObject({ action: 'rollback', reason: 'deadline_inconclusive', toWeight: 0 });
  });

  it('bakes longer when the evidence leans towards a regression', () => {
    const release = started({ advances: [5] });
    const history = [...healthy(0, 5), ...periods(5, 5, arm(100, 2), arm(900, 4))];
    const decision = decide(release, ok(history), now(10));
    expect(decision).toMatchObject({ action: 'hold', reason: 'suspicious' });
    expect(decision.explanation).toContain('leaning towards a regression');
  });

  it('rolls back when the evidence still leans towards a regression at the deadline, or pauses if the policy says so', () => {
    // Five suspicious minutes, then minutes without a single error that neither add nor remove evidence.
    const history = [...healthy(0, 5), ...periods(5, 5, arm(100, 2), arm(900, 4)), ...periods(10, 10, arm(100, 0), arm(900, 0))];
    // Minute 20: the 10% step's 5m bake plus its 10m deadline.
    expect(decide(started({ advances: [5] }), ok(history), now(20))).toMatchObject({ action: 'rollback', reason: 'deadline_suspicious', toWeight: 0 });
    const pausing = started({ advances: [5], policy: { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], onSuspicious: 'pause' } });
    expect(decide(pausing, ok(history), now(20))).toMatchObject({ action: 'pause', reason: 'deadline_suspicious' });
  });

  describe('latency checks', () => {
    const latencyOnly: PolicyInput = { checks: [{ sli: { kind: 'latency', percentile: 'p99' }, method: 'baseline', maxRatio: 2 }] };
    const slowPeriod = (minute: number, requests: number, p99: number) => periods(minute, 1, arm(requests, 0, p99), arm(1000, 5, 300))[0]!;

    it('leave out the first minute after a weight change, when cold starts are expected', () => {
      const release = started({ advances: [5], policy: latencyOnly });
      const history = [...healthy(0, 5), slowPeriod(5, 600, 2000), slowPeriod(6, 600, 310)];
      expect(decide(release, ok(history), now(7))).toMatchObject({ action: 'hold', reason: 'baking' });
    });

    it('hold instead of failing when too few requests lie beyond the percentile, then fail once there are enough', () => {
      const release = started({ advances: [5], policy: latencyOnly });
      const thin = [...healthy(0, 5), slowPeriod(5, 100, 300), slowPeriod(6, 100, 900)];
      const thinDecision = decide(release, ok(thin), now(7));
      expect(thinDecision.action).toBe('hold');
      expect(thinDecision.judgement?.checks[0]).toMatchObject({ verdict: 'inconclusive', suspicious: true });
      expect(thinDecision.explanation).toContain('too few to fail');
      const enough = [...thin, ...Array.from({ length: 4 }, (_, index) => slowPeriod(7 + index, 100, 900))];
      expect(decide(release, ok(enough), now(11))).toMatchObject({ action: 'rollback', reason: 'analysis_failed' });
    });
  });

  it('restarts the progress deadline when a person resumes', () => {
    const release = replay(started(), [
      { type: 'paused', at: at(15), reason: 'deadline' },
      { type: 'resumed', at: at(20), actor: 'alice' },
    ]);
    // The deadline (twice the 5m bake) counts again from the resume at minute 20.
    expect(decide(release, ok([]), now(29))).toMatchObject({ action: 'hold' });
    expect(decide(release, ok([]), now(30))).toMatchObject({ action: 'pause' });
  });

  it('ignores periods that end after now: the newest, partial minute never counts', () => {
    const release = started();
    const future = periods(5, 1, arm(10, 10), arm(990, 0));
    expect(decide(release, ok([...healthy(0, 5), ...future]), now(5))).toMatchObject({ action: 'advance' });
  });

  describe('steps without traffic of their own', () => {
    const plan = {
      steps: [
        { type: 'traffic', weight: 1, minBake: '1m' },
        { type: 'approval', role: 'cab' },
        { type: 'flag', key: 'new-checkout', cohort: 'beta', percent: 25 },
        { type: 'pause', duration: '2m' },
        { type: 'pause', duration: 'indefinite' },
        { type: 'bake', duration: '1m' },
      ],
    };
    const at1 = (advances: number[]) => started({ plan, advances });

    it('waits for an approval, then advances', () => {
      const waiting = at1([1]);
      expect(decide(waiting, ok(healthy(0, 2)), now(2))).toMatchObject({ action: 'hold', reason: 'awaiting_approval' });
      const approved = applyEvent(waiting, { type: 'approved', at: at(2), actor: 'bob', role: 'cab' });
      const decision = decide(approved, ok(healthy(0, 3)), now(3));
      expect(decision).toMatchObject({ action: 'advance', reason: 'approved', toWeight: 1 });
      expect(decision.explanation).toContain('approved by bob');
    });

    it('moves past a flag step at once', () => {
      expect(decide(at1([1, 2]), ok(healthy(0, 3)), now(3))).toMatchObject({ action: 'advance', reason: 'flag_step' });
    });

    it('waits out a timed pause', () => {
      const pausing = at1([1, 2, 3]);
      expect(decide(pausing, ok(healthy(0, 4)), now(4))).toMatchObject({ action: 'hold', reason: 'timed_pause' });
      expect(decide(pausing, ok(healthy(0, 5)), now(5))).toMatchObject({ action: 'advance', reason: 'step_complete' });
    });

    it('pauses on an indefinite pause until a person resumes', () => {
      const waiting = at1([1, 2, 3, 5]);
      expect(decide(waiting, ok(healthy(0, 6)), now(6))).toMatchObject({ action: 'pause', reason: 'indefinite_pause' });
      const resumed = replay(waiting, [
        { type: 'paused', at: at(6), reason: 'indefinite' },
        { type: 'resumed', at: at(30), actor: 'alice' },
      ]);
      expect(decide(resumed, ok(healthy(0, 31)), now(31))).toMatchObject({ action: 'advance', reason: 'step_complete' });
    });

    it('still rolls back during a pause when a check fails', () => {
      const pausing = at1([1, 2, 3]);
      expect(decide(pausing, ok(periods(0, 4, arm(10, 10), arm(990, 5))), now(4))).toMatchObject({ action: 'rollback' });
    });

    it('does not judge a step with no traffic on the new version', () => {
      const dark = applyEvent(newRelease({ plan: { steps: [{ type: 'traffic', weight: 0, minBake: '2m' }, { type: 'traffic', weight: 5 }] } }), {
        type: 'started',
        at: at(0),
        weight: 0,
      });
      const decision = decide(dark, ok(periods(0, 2, arm(0, 0), arm(1000, 5))), now(2));
      expect(decision).toMatchObject({ action: 'advance', toWeight: 5 });
      expect(decision.judgement).toBeUndefined();
    });
  });

  it('decides nothing for paused, rolling-back and finished releases', () => {
    for (const events of [[{ type: 'paused', at: at(1), reason: 'x' }], [{ type: 'rollback_started', at: at(1), intent: 'rollback', reason: 'x' }]] as const) {
      const release = replay(started(), events);
      expect(decide(release, ok([]), now(2))).toMatchObject({ action: 'none', reason: 'not_active', measurement: 'skipped' });
    }
  });

  it('rolls back during verification when the new version regresses at 100%', () => {
    const promoted = applyEvent(started({ advances: [5, 10] }), { type: 'promoted', at: at(15) });
    const history = [...healthy(0, 5), ...healthy(5, 5, 100, 900), ...healthy(10, 5, 500, 500), ...periods(15, 5, arm(1000, 40), arm(0, 0))];
    expect(decide(promoted, ok(history), now(20))).toMatchObject({ action: 'rollback', reason: 'analysis_failed' });
  });

  it('is a pure function: the same inputs give the same decision', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 30 }), (canaryErrors, minutes, at) => {
        const history = periods(0, minutes, arm(100, Math.min(100, canaryErrors)), arm(900, 4));
        const release = started();
        expect(decide(release, ok(history), now(at))).toEqual(decide(structuredClone(release), ok(structuredClone(history)), now(at)));
      }),
    );
  });
});

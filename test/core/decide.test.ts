import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
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

/** The engine's read-back of the alias at the release's weight, when it is not confirmed yet. */
function confirmed(release: Release, minute: number): Release {
  if (release.confirmedAt !== undefined) return release;
  return applyEvent(release, { type: 'routing_confirmed', at: at(minute), weight: release.weight, durationMs: 0, attempts: 1 });
}

/** A release started at minute 0 and advanced through `steps` steps, each at the given minute, each shift read back at once. */
function started(options: { plan?: unknown; policy?: PolicyInput; advances?: number[] } = {}): Release {
  let release = confirmed(applyEvent(newRelease(options), { type: 'started', at: at(0), weight: 1 }), 0);
  (options.advances ?? []).forEach((minute, index) => {
    const step = release.plan.steps[index + 1];
    const weight = step?.type === 'traffic' ? step.weight : release.weight;
    release = confirmed(applyEvent(release, { type: 'step_advanced', at: at(minute), toStep: index + 1, weight }), minute);
  });
  return release;
}

const promote = (release: Release, minute: number) => confirmed(applyEvent(release, { type: 'promoted', at: at(minute) }), minute);

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
    const promoted = promote(last, 15);
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
      /^rolled back at 10%: error-rate-vs-baseline: error rate 6% \(12\/200\) vs baseline 0\.44% \(8\/1800\); SPRT log-likelihood ratio \d+\.\d ≥ 5\.3/,
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
    // Default deadline: the policy's maximum step time (4h) after the bake, since low traffic brings evidence slowly.
    expect(decide(release, ok([]), now(244))).toMatchObject({ action: 'hold' });
    expect(decide(release, ok([]), now(245))).toMatchObject({ action: 'pause', reason: 'deadline_inconclusive' });
  });

  it("holds to the plan's own progress deadline when it sets one", () => {
    const release = started({ plan: { steps: [{ type: 'traffic', weight: 1, minBake: '5m' }], progressDeadline: '10m' } });
    expect(decide(release, ok([]), now(14))).toMatchObject({ action: 'hold' });
    expect(decide(release, ok([]), now(15))).toMatchObject({ action: 'pause', reason: 'deadline_inconclusive' });
  });

  it('rolls back at the deadline when the policy says so', () => {
    const release = started({ policy: { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], onInconclusive: 'rollback', evidence: { maxStepTime: '10m' } } });
    expect(decide(release, ok([]), now(15))).toMatchObject({ action: 'rollback', reason: 'deadline_inconclusive', toWeight: 0 });
  });

  it('bakes longer when the evidence leans towards a regression', () => {
    const release = started({ advances: [5] });
    const history = [...healthy(0, 5), ...periods(5, 5, arm(100, 2), arm(900, 4))];
    const decision = decide(release, ok(history), now(10));
    expect(decision).toMatchObject({ action: 'hold', reason: 'suspicious' });
    expect(decision.explanation).toContain('leaning towards a regression');
  });

  it('pauses when the evidence still leans towards a regression at the deadline, or rolls back if the policy says so', () => {
    // Five suspicious minutes, then minutes without a single error that neither add nor remove evidence.
    const history = [...healthy(0, 5), ...periods(5, 5, arm(100, 2), arm(900, 4)), ...periods(10, 10, arm(100, 0), arm(900, 0))];
    const evidence = { maxStepTime: '10m' };
    // Minute 20: the 10% step's 5m bake plus its 10m deadline. Leaning is not a test at α, so a person decides.
    const pausing = started({ advances: [5], policy: { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], evidence } });
    expect(decide(pausing, ok(history), now(20))).toMatchObject({ action: 'pause', reason: 'deadline_suspicious' });
    const rolling = started({ advances: [5], policy: { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], evidence, onSuspicious: 'rollback' } });
    expect(decide(rolling, ok(history), now(20))).toMatchObject({ action: 'rollback', reason: 'deadline_suspicious', toWeight: 0 });
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
      // A percentile ratio has no α behind it: it asks a person, unless the policy lets it roll back.
      const paused = decide(release, ok(enough), now(11));
      expect(paused).toMatchObject({ action: 'pause', reason: 'breach_paused' });
      expect(paused.explanation).toMatch(/^paused at 10% for a person to judge: .*this check has no α to roll back on by itself$/);
      const rolling = started({ advances: [5], policy: { ...latencyOnly, onHeuristicFail: 'rollback' } });
      expect(decide(rolling, ok(enough), now(11))).toMatchObject({ action: 'rollback', reason: 'analysis_failed' });
    });
  });

  it('restarts the progress deadline when a person resumes', () => {
    const release = replay(started({ policy: { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], evidence: { maxStepTime: '10m' } } }), [
      { type: 'paused', at: at(15), reason: 'deadline' },
      { type: 'resumed', at: at(20), actor: 'alice' },
      { type: 'routing_confirmed', at: at(20), weight: 1, durationMs: 0, attempts: 0 },
    ]);
    // The deadline (10m) counts again from the resume at minute 20.
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
      const dark = confirmed(
        applyEvent(newRelease({ plan: { steps: [{ type: 'traffic', weight: 0, minBake: '2m' }, { type: 'traffic', weight: 5 }] } }), { type: 'started', at: at(0), weight: 0 }),
        0,
      );
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
    const promoted = promote(started({ advances: [5, 10] }), 15);
    const history = [...healthy(0, 5), ...healthy(5, 5, 100, 900), ...healthy(10, 5, 500, 500), ...periods(15, 5, arm(1000, 40), arm(0, 0))];
    expect(decide(promoted, ok(history), now(20))).toMatchObject({ action: 'rollback', reason: 'analysis_failed' });
  });

  it('is a pure function: the same inputs give the same decision, whatever the clock, the random source or the environment say', () => {
    /** Runs `decide` in a world whose wall clock, Math.random and environment differ each time. */
    const inWorld = <T>(wallClock: number, random: number, run: () => T): T => {
      vi.useFakeTimers({ now: wallClock });
      const spy = vi.spyOn(Math, 'random').mockReturnValue(random);
      vi.stubEnv('RELEASE_GATE_PROBE', String(random));
      try {
        return run();
      } finally {
        spy.mockRestore();
        vi.unstubAllEnvs();
        vi.useRealTimers();
      }
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 30 }), (canaryErrors, minutes, at) => {
        const history = periods(0, minutes, arm(100, Math.min(100, canaryErrors)), arm(900, 4));
        const release = started();
        const first = inWorld(0, 0.1, () => decide(release, ok(history), now(at)));
        const second = inWorld(4_102_444_800_000, 0.9, () => decide(structuredClone(release), ok(structuredClone(history)), now(at)));
        expect(second).toEqual(first);
        // The decision's time is the one passed in, not the wall clock's.
        expect(first.at).toBe(new Date(now(at)).toISOString());
      }),
    );
  });
});

describe('confirmed exposure: pauses and drift', () => {
  const drift = { expected: { functionVersion: '1', additionalVersion: '2', additionalWeight: 1 }, actual: { functionVersion: '1', additionalVersion: '2', additionalWeight: 33 } };
  const reconfirmed = (minute: number, weight = 1) => ({ type: 'routing_confirmed', at: at(minute), weight, durationMs: 0, attempts: 0 }) as const;

  it("leaves a person's pause out of the bake: the step counts again from the read-back after the resume", () => {
    // Baked 3 of 5 minutes, paused for 7, resumed and read back at minute 10.
    const release = replay(started(), [{ type: 'paused', at: at(3), actor: 'ana' }, { type: 'resumed', at: at(10), actor: 'ana' }, reconfirmed(10)]);
    const holding = decide(release, ok(healthy(0, 11)), now(11));
    expect(holding).toMatchObject({ action: 'hold', reason: 'baking' });
    expect(holding.explanation).toMatch(/^baking at 1%: 1m left/);
    const done = decide(release, ok(healthy(0, 12)), now(12));
    expect(done).toMatchObject({ action: 'advance', toWeight: 10 });
    // Minutes 3–10 were served while the gate was not watching: only the 5 minutes around them count.
    expect(done.judgement?.canaryRequests).toBe(50);
  });

  it('does not count the bake after a resume until the gate has read the alias back', () => {
    const resumed = replay(started(), [{ type: 'paused', at: at(3), actor: 'ana' }, { type: 'resumed', at: at(10), actor: 'ana' }]);
    const decision = decide(resumed, ok(healthy(0, 20)), now(20));
    expect(decision).toMatchObject({ action: 'hold', reason: 'routing_unconfirmed' });
    expect(decision.explanation).toBe('waiting to read the alias back at 1%: time counts only under routing the gate confirmed (2m left)');
  });

  it('does not start a new step\'s bake before its new weight is read back, but still rolls back on a failure meanwhile', () => {
    const shifted = applyEvent(started(), { type: 'step_advanced', at: at(5), toStep: 1, weight: 10 });
    expect(decide(shifted, ok(healthy(0, 15)), now(15))).toMatchObject({ action: 'hold', reason: 'routing_unconfirmed' });
    expect(decide(shifted, ok([...healthy(0, 5), ...periods(5, 3, arm(100, 30), arm(900, 4))]), now(8))).toMatchObject({ action: 'rollback' });
    const confirmedLate = applyEvent(shifted, reconfirmed(15, 10));
    expect(decide(confirmedLate, ok(healthy(0, 19)), now(19))).toMatchObject({ action: 'hold', reason: 'baking' });
    expect(decide(confirmedLate, ok([...healthy(0, 15), ...healthy(15, 5, 100, 900)]), now(20))).toMatchObject({ action: 'advance', toWeight: 50 });
  });

  it('judges nothing served under a drifted routing, in the step or in the sequential test, and bakes only confirmed time', () => {
    // Confirmed at minute 0; the alias was last seen as expected at minute 3, found at 33% at minute 4; set back, resumed and read back at 6.
    const release = replay(started(), [{ type: 'drift_detected', at: at(4), since: at(3), ...drift }, { type: 'resumed', at: at(6), actor: 'ana' }, reconfirmed(6)]);
    // During the drift the new version served a third of the traffic and failed a tenth of it.
    const history = [...healthy(0, 3), ...periods(3, 3, arm(330, 33), arm(670, 3)), ...healthy(6, 3)];
    const withoutDrift = [...healthy(0, 3), ...healthy(6, 3)];
    const holding = decide(release, ok(history), now(7));
    expect(holding).toMatchObject({ action: 'hold', reason: 'baking' });
    expect(holding.explanation).toMatch(/^baking at 1%: 1m left/);
    const done = decide(release, ok(history), now(8));
    expect(done).toMatchObject({ action: 'advance', toWeight: 10 });
    expect(done.judgement?.canaryRequests).toBe(50);
    // Whatever the drifted minutes held, the judgement is the one without them.
    expect(done.judgement).toEqual(decide(release, ok(withoutDrift), now(8)).judgement);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), (requests, errors) => {
        const drifted = periods(3, 3, arm(requests, Math.min(requests, errors)), arm(1000 - requests, 0));
        expect(decide(release, ok([...healthy(0, 3), ...drifted, ...healthy(6, 3)]), now(8)).judgement).toEqual(done.judgement);
      }),
      { numRuns: 50 },
    );
  });

  it('keeps the drifted minutes out of the sequential test in later steps too', () => {
    const release = replay(started(), [
      { type: 'drift_detected', at: at(4), since: at(3), ...drift },
      { type: 'resumed', at: at(6), actor: 'ana' },
      reconfirmed(6),
      { type: 'step_advanced', at: at(8), toStep: 1, weight: 10 },
      reconfirmed(8, 10),
    ]);
    const badDrift = [...healthy(0, 3), ...periods(3, 3, arm(330, 60), arm(670, 3)), ...healthy(6, 2), ...healthy(8, 5, 100, 900)];
    const decision = decide(release, ok(badDrift), now(13));
    expect(decision).toMatchObject({ action: 'advance', toWeight: 50 });
    const sequential = decision.judgement?.checks.find((check) => check.method === 'sequential');
    expect(sequential).toMatchObject({ verdict: 'pass' });
  });

  it('counts the progress deadline in confirmed time too', () => {
    // An empty window: the 5m bake plus the 10m deadline is 15 minutes of confirmed exposure.
    const release = replay(started({ policy: { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], evidence: { maxStepTime: '10m' } } }), [{ type: 'paused', at: at(4), actor: 'ana' }, { type: 'resumed', at: at(30), actor: 'ana' }, reconfirmed(30)]);
    // Paused 4 minutes in, resumed at 30: 11 more minutes of confirmed time, not the wall clock's 40.
    expect(decide(release, ok([]), now(40))).toMatchObject({ action: 'hold', reason: 'inconclusive' });
    expect(decide(release, ok([]), now(41))).toMatchObject({ action: 'pause', reason: 'deadline_inconclusive' });
  });

  it('verifies for the whole window of confirmed time after a pause at 100%', () => {
    const promoted = promote(started({ advances: [5, 10] }), 15);
    const paused = replay(promoted, [{ type: 'paused', at: at(20), actor: 'ana' }, { type: 'resumed', at: at(40), actor: 'ana' }, reconfirmed(40, 100)]);
    const history = [...healthy(0, 5), ...healthy(5, 5, 100, 900), ...healthy(10, 5, 500, 500), ...periods(15, 60, arm(1000, 5), arm(0, 0))];
    // 5 minutes before the pause and 24 after it: one minute of the 30 is left.
    const holding = decide(paused, ok(history), now(64));
    expect(holding).toMatchObject({ action: 'hold', reason: 'verifying' });
    expect(holding.explanation).toMatch(/^verifying at 100%: 1m left/);
    expect(decide(paused, ok(history), now(65))).toMatchObject({ action: 'succeed' });
  });
});

describe('explanations', () => {
  it('says less than a second, never milliseconds, when a bake is about to end', () => {
    const decision = decide(started(), ok(healthy(0, 4)), now(5) - 23);
    expect(decision.explanation).toMatch(/^baking at 1%: less than a second left; /);
    expect(decision.explanation).not.toMatch(/\dms left/);
  });

  it('rounds a time left up to whole seconds', () => {
    expect(decide(started(), ok(healthy(0, 4)), now(5) - 1_200).explanation).toMatch(/^baking at 1%: 2s left; /);
  });

  it('says which version has no requests yet and how many a check needs', () => {
    const decision = decide(started(), ok([]), now(1));
    const notes = decision.judgement?.checks.map((check) => check.note) ?? [];
    expect(notes).toContain('p99 latency: no requests on version 2 yet (20 needed)');
    expect(notes.join(' ')).not.toContain('0 of 20');
  });
});

describe('evidence before promotion', () => {
  // The last step at 50% of a trickle: equal versions, and no errors to rule 2× out with.
  const quiet = (from: number, count: number) => periods(from, count, arm(20, 0), arm(20, 0));
  const lastStep = (policy?: PolicyInput, preflight?: Release['preflight']) => {
    const release = started({ advances: [5, 10], ...(policy ? { policy } : {}) });
    return preflight ? { ...release, preflight } : release;
  };
  const early = [...healthy(0, 5), ...healthy(5, 5, 100, 900)];
  const policy: PolicyInput = { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], evidence: { maxStepTime: '30m' } };

  it('holds at the last step until the target regression is ruled out, saying how far there is to go', () => {
    const decision = decide(lastStep(policy), ok([...early, ...quiet(10, 5)]), now(15));
    expect(decision).toMatchObject({ action: 'hold', reason: 'gathering_evidence' });
    expect(decision.judgement?.evidence).toMatchObject({ ruledOut: false, ratio: 2, canaryRequests: 650, canaryErrors: 0, baselineErrors: 50 });
    expect(decision.explanation).toMatch(/^gathering evidence at 50% before promotion \(up to 30m more\): not yet ruled out 2× the stable error rate \(0\/650 errors on the new version, 50\/9,550 on the stable; log-likelihood -\d+\.\d, needs ≤ -3\.7, about [\d,]+ more requests on the new version\); the one check passes/);
  });

  it('promotes once the evidence is in, and says so', () => {
    const plenty = [...early, ...periods(10, 30, arm(500, 3), arm(500, 3))];
    const decision = decide(lastStep(policy), ok(plenty), now(40));
    expect(decision).toMatchObject({ action: 'promote', toWeight: 100 });
    expect(decision.explanation).toMatch(/; ruled out 2× the stable error rate \(/);
  });

  it('pauses for a person when the traffic never brings the evidence, rather than promoting unjudged', () => {
    const decision = decide(lastStep(policy), ok([...early, ...quiet(10, 35)]), now(45));
    expect(decision).toMatchObject({ action: 'pause', reason: 'deadline_evidence' });
    expect(decision.explanation).toMatch(/^paused at 50%: traffic did not bring the evidence to promote within 30m: not yet ruled out/);
  });

  it('proceeds on time alone when the policy says so, and labels every such move unjudged', () => {
    const timeOnly: PolicyInput = { ...policy, evidence: { maxStepTime: '30m', onInfeasible: 'time' } };
    const atDeadline = decide(lastStep(timeOnly), ok([...early, ...quiet(10, 35)]), now(45));
    expect(atDeadline).toMatchObject({ action: 'promote' });
    expect(atDeadline.explanation).toMatch(/^promoted from 50% to 100% on time alone, unjudged: not yet ruled out/);
    const planned = lastStep(timeOnly, { steps: [], feasible: false, mode: 'time', latencyObjectivesMs: {}, warnings: [] });
    const onTime = decide(planned, ok([...early, ...quiet(10, 5)]), now(15));
    expect(onTime).toMatchObject({ action: 'promote' });
    expect(onTime.explanation).toMatch(/^promoted from 50% to 100% \(on time alone, unjudged\): /);
  });

  it('moves a release on time alone past steps its traffic is too thin to judge, and still holds it on a doubt', () => {
    const unjudged = { ...started({ policy }), preflight: { steps: [], feasible: false, mode: 'time' as const, latencyObjectivesMs: {}, warnings: [] } };
    const thin = decide(unjudged, ok(periods(0, 5, arm(2, 0), arm(8, 0))), now(5));
    expect(thin).toMatchObject({ action: 'advance', toWeight: 10 });
    expect(thin.explanation).toMatch(/^advanced from 1% to 10% \(on time alone, unjudged\): /);
    const doubtful = decide(unjudged, ok(periods(0, 5, arm(100, 2), arm(900, 4))), now(5));
    expect(doubtful).toMatchObject({ action: 'hold', reason: 'suspicious' });
  });

  it('never asks for evidence before the last step: earlier steps advance on their bake', () => {
    const decision = decide(started({ advances: [5], policy }), ok([...healthy(0, 5), ...periods(5, 5, arm(100, 0), arm(900, 1))]), now(10));
    expect(decision).toMatchObject({ action: 'advance', toWeight: 50 });
  });
});

describe('holding at 100%', () => {
  it('settles a doubt in verification within twice its window, not the hours a step may wait for evidence', () => {
    const promoted = promote(started({ advances: [5, 10] }), 15);
    // Verification of 30m, then an empty window: held to 30m + 60m, then paused.
    expect(decide(promoted, ok([...healthy(0, 5), ...healthy(5, 5, 100, 900), ...healthy(10, 5, 500, 500)]), now(15 + 89))).toMatchObject({ action: 'hold' });
    expect(decide(promoted, ok([...healthy(0, 5), ...healthy(5, 5, 100, 900), ...healthy(10, 5, 500, 500)]), now(15 + 90))).toMatchObject({ action: 'pause', reason: 'deadline_inconclusive' });
  });
});

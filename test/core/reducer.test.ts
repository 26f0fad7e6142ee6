import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../lib/core/decision.js';
import { InvalidTransitionError } from '../../lib/core/errors.js';
import type { ReleaseEvent } from '../../lib/core/events.js';
import { applyEvent, DECISIONS_KEPT, rebuild, replay } from '../../lib/core/reducer.js';
import { isTerminal, RELEASE_STATES, type Release, type ReleaseState } from '../../lib/core/release.js';
import { at, newRelease } from './fixtures.js';

const decision = (action: Decision['action'], measurement: Decision['measurement'] = 'ok', verdict?: 'pass' | 'fail'): Decision => ({
  action,
  reason: 'baking',
  at: at(1),
  stepIndex: 0,
  weight: 1,
  measurement,
  explanation: action,
  judgement: verdict ? { verdict, checks: [], window: { start: 0, end: 1 }, canaryRequests: 10 } : undefined,
});

/** One event of each type, with the fields a valid one needs for the default plan (three traffic steps). */
function eventOf(type: ReleaseEvent['type'], release: Release, minute: number): ReleaseEvent {
  const when = at(minute);
  switch (type) {
    case 'created':
      return { type, at: when, release: { ...release, createdAt: when } };
    case 'started':
      return { type, at: when, weight: 1 };
    case 'routing_confirmed':
      return { type, at: when, weight: release.weight, durationMs: 120, attempts: 1 };
    case 'step_advanced':
      return { type, at: when, toStep: release.stepIndex + 1, weight: release.weight + 5 };
    case 'held':
    case 'decision_recorded':
      return { type, at: when, decision: decision('hold') };
    case 'paused':
      return { type, at: when, reason: 'on-call asked', actor: 'alice' };
    case 'resumed':
      return { type, at: when, actor: 'alice', reason: 'fixed' };
    case 'approved':
      return { type, at: when, actor: 'bob', role: 'release-approver' };
    case 'promoted':
      return { type, at: when, actor: 'carol', reason: 'urgent fix' };
    case 'succeeded':
      return { type, at: when };
    case 'rollback_started':
      return { type, at: when, intent: minute % 2 === 0 ? 'rollback' : 'abort', reason: 'errors' };
    case 'rolled_back':
      return { type, at: when, durationMs: 1200, attempts: 1 };
    case 'aborted':
      return { type, at: when, actor: 'dave', reason: 'wrong build' };
    case 'drift_detected':
      return { type, at: when, expected: { functionVersion: '1', additionalVersion: '2', additionalWeight: 1 }, actual: { functionVersion: '3' } };
    case 'flag_changed':
      return { type, at: when, flag: { key: 'k', cohort: 'beta', percent: 10, previousVersion: 1, appliedVersion: 2, at: when } };
    case 'flags_restored':
      return { type, at: when, keys: ['k'] };
    // Synthetic evidence's events need a release that opted in: test/core/synthetic.test.ts covers them.
    case 'hook_ran':
      return { type, at: when, run: { phase: 'before', function: 'checkout-smoke', at: when, outcome: 'pass', durationMs: 40 } };
    case 'probes_ran':
      return { type, at: when, tick: { at: when, pairs: 10, canaryTotal: 10, canaryErrors: 0, baselineTotal: 10, baselineErrors: 0 } };
    case 'observed':
      return { type, at: when, inputs: { analysis: 'test', periods: [{ start: minute * 60_000, end: (minute + 1) * 60_000, canary: { invocations: 5, errors: 0, throttles: 0 }, baseline: { invocations: 95, errors: 1, throttles: 0 } }] } };
  }
}

const EVENT_TYPES: ReleaseEvent['type'][] = [
  'created', 'routing_confirmed', 'started', 'step_advanced', 'held', 'decision_recorded', 'paused', 'resumed', 'approved', 'promoted',
  'succeeded', 'rollback_started', 'rolled_back', 'aborted', 'drift_detected', 'flag_changed', 'flags_restored', 'observed',
];

/** Paths to each state from a new release, on the default plan. */
const PATHS: Record<ReleaseState, ReleaseEvent['type'][]> = {
  pending: [],
  progressing: ['started'],
  paused: ['started', 'paused'],
  rolling_back: ['started', 'rollback_started'],
  promoted: ['started', 'promoted'],
  succeeded: ['started', 'promoted', 'succeeded'],
  rolled_back: ['started', 'rollback_started', 'rolled_back'],
  aborted: ['aborted'],
};

function releaseIn(state: ReleaseState): Release {
  let release = newRelease();
  PATHS[state].forEach((type, index) => {
    release = applyEvent(release, eventOf(type, release, index + 1));
  });
  expect(release.state).toBe(state);
  return release;
}

/** The transition table, written independently of the reducer: where each event leads from each state. */
const EXPECTED: Record<ReleaseState, Partial<Record<ReleaseEvent['type'], ReleaseState>>> = {
  pending: { created: 'pending', started: 'progressing', paused: 'paused', aborted: 'aborted', decision_recorded: 'pending', drift_detected: 'paused', observed: 'pending' },
  progressing: {
    routing_confirmed: 'progressing',
    step_advanced: 'progressing', held: 'progressing', decision_recorded: 'progressing', paused: 'paused', promoted: 'promoted',
    rollback_started: 'rolling_back', drift_detected: 'paused', flag_changed: 'progressing', observed: 'progressing',
  },
  paused: { routing_confirmed: 'paused', resumed: 'progressing', promoted: 'promoted', rollback_started: 'rolling_back', decision_recorded: 'paused' },
  rolling_back: { rolled_back: 'rolled_back', decision_recorded: 'rolling_back', flags_restored: 'rolling_back' },
  promoted: {
    routing_confirmed: 'promoted',
    held: 'promoted', decision_recorded: 'promoted', paused: 'paused', succeeded: 'succeeded', rollback_started: 'rolling_back',
    drift_detected: 'paused', flag_changed: 'promoted', observed: 'promoted',
  },
  succeeded: {},
  rolled_back: {},
  aborted: {},
};

/** Resuming returns to the state the release paused from, or to pending if it had not started. */
function expectedAfter(before: Release, type: ReleaseEvent['type']): ReleaseState | undefined {
  if (before.state === 'paused' && type === 'resumed') return before.pausedFrom ?? 'pending';
  // A return to stable ends as what it was started as: a rollback or an abort.
  if (before.state === 'rolling_back' && type === 'rolled_back') return before.rollbackIntent === 'rollback' ? 'rolled_back' : undefined;
  if (before.state === 'rolling_back' && type === 'aborted') return before.rollbackIntent === 'abort' ? 'aborted' : undefined;
  return EXPECTED[before.state][type];
}

describe('the release state machine', () => {
  const cases = RELEASE_STATES.flatMap((state) => EVENT_TYPES.map((type) => [state, type] as const));

  it.each(cases)('from %s, %s', (state, type) => {
    const release = releaseIn(state);
    const event = eventOf(type, release, 10);
    const expected = expectedAfter(release, type);
    if (expected === undefined) {
      expect(() => applyEvent(release, event)).toThrow(InvalidTransitionError);
      return;
    }
    const next = applyEvent(release, event);
    expect(next.state).toBe(expected);
    expect(next.revision).toBe(release.revision + 1);
    expect(next.updatedAt).toBe(event.at);
  });

  it('approves only an approval step, once', () => {
    const plan = { steps: [{ type: 'traffic', weight: 1 }, { type: 'approval', role: 'cab' }] };
    let release = applyEvent(newRelease({ plan }), { type: 'started', at: at(0), weight: 1 });
    expect(() => applyEvent(release, { type: 'approved', at: at(1), actor: 'bob', role: 'cab' })).toThrow(/not an approval/);
    release = applyEvent(release, { type: 'step_advanced', at: at(2), toStep: 1, weight: 1 });
    release = applyEvent(release, { type: 'approved', at: at(3), actor: 'bob', role: 'cab' });
    expect(release.approvals).toEqual([{ stepIndex: 1, role: 'cab', actor: 'bob', at: at(3) }]);
    expect(release.actors.map((entry) => entry.action)).toEqual(['approve']);
    expect(() => applyEvent(release, { type: 'approved', at: at(4), actor: 'eve', role: 'cab' })).toThrow(/already approved/);
  });

  it('advances exactly one step at a time, never past the last, never lowering the weight', () => {
    const release = releaseIn('progressing');
    expect(() => applyEvent(release, { type: 'step_advanced', at: at(1), toStep: 2, weight: 50 })).toThrow(/expected step 1/);
    expect(() => applyEvent(release, { type: 'step_advanced', at: at(1), toStep: 1, weight: 0.5 })).toThrow(/weight/);
    const last = replay(release, [
      { type: 'step_advanced', at: at(1), toStep: 1, weight: 10 },
      { type: 'step_advanced', at: at(2), toStep: 2, weight: 50 },
    ]);
    expect(() => applyEvent(last, { type: 'step_advanced', at: at(3), toStep: 3, weight: 60 })).toThrow(/promote instead/);
  });

  it('resumes to where it paused and restarts the progress deadline there', () => {
    const verifying = replay(releaseIn('promoted'), [
      { type: 'paused', at: at(5), reason: 'look', actor: 'alice' },
      { type: 'resumed', at: at(6), actor: 'alice' },
    ]);
    expect(verifying.state).toBe('promoted');
    expect(verifying.resumedAt).toBe(at(6));
    const early = replay(newRelease(), [
      { type: 'paused', at: at(1), reason: 'freeze' },
      { type: 'resumed', at: at(2), actor: 'alice' },
    ]);
    expect(early.state).toBe('pending');
  });

  it('ends an abort as aborted and a rollback as rolled back, never the other way round', () => {
    const abort = applyEvent(releaseIn('progressing'), { type: 'rollback_started', at: at(2), intent: 'abort', reason: 'wrong build', actor: 'dave' });
    expect(() => applyEvent(abort, { type: 'rolled_back', at: at(3), durationMs: 1, attempts: 1 })).toThrow(/abort/);
    expect(applyEvent(abort, { type: 'aborted', at: at(3), actor: 'dave' }).state).toBe('aborted');
    const rollback = releaseIn('rolling_back');
    expect(() => applyEvent(rollback, { type: 'aborted', at: at(3), actor: 'dave' })).toThrow(/not an abort/);
  });

  it('keeps the latest decisions and counts metric errors in a row', () => {
    let release = releaseIn('progressing');
    for (let minute = 0; minute < DECISIONS_KEPT + 5; minute += 1) {
      release = applyEvent(release, { type: 'held', at: at(minute), decision: decision('hold', minute < 22 ? 'ok' : 'error') });
    }
    expect(release.decisions).toHaveLength(DECISIONS_KEPT);
    expect(release.consecutiveMetricErrors).toBe(3);
    release = applyEvent(release, { type: 'held', at: at(40), decision: decision('hold', 'ok', 'fail') });
    expect(release.consecutiveMetricErrors).toBe(0);
    expect(release.failedJudgements).toBe(1);
  });

  it('records drift with both routings in the pause reason', () => {
    const release = applyEvent(releaseIn('progressing'), eventOf('drift_detected', releaseIn('progressing'), 3));
    expect(release.pauseReason).toBe('drift: alias routes 100% to version 3, expected 99% to version 1 and 1% to version 2');
  });
});

describe('confirmed routing', () => {
  const confirm = (minute: number, weight: number): ReleaseEvent => ({ type: 'routing_confirmed', at: at(minute), weight, durationMs: 5, attempts: 1 });
  const drifted = { expected: { functionVersion: '1', additionalVersion: '2', additionalWeight: 1 }, actual: { functionVersion: '1', additionalVersion: '2', additionalWeight: 33 } };

  it('starts a step\'s confirmation at its read-back and keeps it across a step that keeps the weight', () => {
    const plan = { steps: [{ type: 'traffic', weight: 1 }, { type: 'bake', duration: '5m' }, { type: 'traffic', weight: 10 }] };
    const started = applyEvent(newRelease({ plan }), { type: 'started', at: at(0), weight: 1 });
    expect(started).toMatchObject({ confirmedAt: undefined, stepConfirmedAt: undefined });
    const confirmed = applyEvent(started, confirm(1, 1));
    expect(confirmed).toMatchObject({ confirmedAt: at(1), stepConfirmedAt: at(1), aliasWeight: 1 });
    const baking = applyEvent(confirmed, { type: 'step_advanced', at: at(6), toStep: 1, weight: 1 });
    expect(baking).toMatchObject({ confirmedAt: at(1), stepConfirmedAt: at(6) });
    const shifted = applyEvent(baking, { type: 'step_advanced', at: at(11), toStep: 2, weight: 10 });
    expect(shifted).toMatchObject({ confirmedAt: undefined, stepConfirmedAt: undefined });
  });

  it('opens an unconfirmed span at a pause that only the read-back after the resume closes', () => {
    const running = replay(newRelease(), [{ type: 'started', at: at(0), weight: 1 }, confirm(0, 1)]);
    const paused = applyEvent(running, { type: 'paused', at: at(3), actor: 'ana' });
    expect(paused).toMatchObject({ confirmedAt: undefined, stepConfirmedAt: at(0), unconfirmed: [{ from: at(3), cause: 'paused' }] });
    // A read-back while still paused is not time the gate watches.
    const readWhilePaused = applyEvent(paused, confirm(4, 1));
    expect(readWhilePaused.unconfirmed).toEqual([{ from: at(3), cause: 'paused' }]);
    const resumed = applyEvent(readWhilePaused, { type: 'resumed', at: at(5), actor: 'ana' });
    expect(resumed.unconfirmed).toEqual([{ from: at(3), cause: 'paused' }]);
    const again = applyEvent(resumed, confirm(6, 1));
    expect(again).toMatchObject({ confirmedAt: at(6), stepConfirmedAt: at(0), unconfirmed: [{ from: at(3), to: at(6), cause: 'paused' }] });
  });

  it('records a drift with the routing found, from when the alias was last seen as expected, until the gate confirms again', () => {
    const running = replay(newRelease(), [{ type: 'started', at: at(0), weight: 1 }, confirm(0, 1)]);
    const drift = applyEvent(running, { type: 'drift_detected', at: at(4), since: at(3), ...drifted });
    expect(drift).toMatchObject({ state: 'paused', drift: { at: at(4), ...drifted }, unconfirmed: [{ from: at(3), cause: 'drift' }] });
    const back = replay(drift, [{ type: 'resumed', at: at(6), actor: 'ana' }, confirm(6, 1)]);
    expect(back).toMatchObject({ state: 'progressing', drift: undefined, unconfirmed: [{ from: at(3), to: at(6), cause: 'drift' }] });
  });

  it('leaves nothing out before a release starts', () => {
    const paused = applyEvent(newRelease(), { type: 'paused', at: at(1), actor: 'ana' });
    expect(paused.unconfirmed).toEqual([]);
  });
});

describe('refusals in words', () => {
  it('answers a second abort with where the release stands, never an event name', () => {
    const aborting = applyEvent(releaseIn('progressing'), { type: 'rollback_started', at: at(2), intent: 'abort', reason: 'wrong build', actor: 'dave' });
    expect(() => applyEvent(aborting, { type: 'rollback_started', at: at(3), intent: 'abort', reason: 'again', actor: 'dave' })).toThrow(
      'cannot abort release rel-1: it is already being aborted',
    );
    const aborted = applyEvent(aborting, { type: 'aborted', at: at(3), actor: 'dave' });
    expect(() => applyEvent(aborted, { type: 'rollback_started', at: at(4), intent: 'abort', reason: 'again', actor: 'dave' })).toThrow(
      'cannot abort release rel-1: it has already been aborted',
    );
    const rolling = applyEvent(releaseIn('progressing'), { type: 'rollback_started', at: at(2), intent: 'rollback', reason: 'errors' });
    expect(() => applyEvent(rolling, { type: 'rollback_started', at: at(3), intent: 'abort', reason: 'stop', actor: 'dave' })).toThrow(
      'cannot abort release rel-1: it is already rolling back',
    );
  });

  it.each<[ReleaseState, ReleaseEvent['type'], string]>([
    ['progressing', 'resumed', 'cannot resume release rel-1: it is progressing'],
    ['paused', 'paused', 'cannot pause release rel-1: it is already paused'],
    ['succeeded', 'rollback_started', 'cannot roll back release rel-1: it has already succeeded'],
    ['rolled_back', 'paused', 'cannot pause release rel-1: it has already been rolled back'],
    ['pending', 'approved', 'cannot approve release rel-1: it has not started yet'],
  ])('from %s, %s: %s', (state, type, message) => {
    const release = releaseIn(state);
    const event = eventOf(type, release, 10);
    const attempt = () => applyEvent(release, event.type === 'rollback_started' ? { ...event, intent: 'rollback' } : event);
    expect(attempt).toThrow(message);
    // No internal names such as rollback_started or rolled_back.
    expect(attempt).not.toThrow(/_/);
  });
});

describe('history', () => {
  it('rebuilds a release exactly from its created event and the events after it', () => {
    const fresh = newRelease();
    const history: ReleaseEvent[] = [
      { type: 'created', at: fresh.createdAt, release: fresh },
      { type: 'started', at: at(1), weight: 1 },
      { type: 'routing_confirmed', at: at(1), weight: 1, durationMs: 90, attempts: 1 },
      { type: 'step_advanced', at: at(6), toStep: 1, weight: 10 },
    ];
    const rebuilt = rebuild(fresh.id, history);
    expect(rebuilt).toMatchObject({ state: 'progressing', weight: 10, aliasWeight: 1, revision: 4 });
    expect(rebuilt).toEqual(replay(fresh, history));
  });

  it('refuses a history that does not start with created, and a second created', () => {
    expect(() => rebuild('rel-1', [{ type: 'started', at: at(1), weight: 1 }])).toThrow(InvalidTransitionError);
    const fresh = newRelease();
    const once = applyEvent(fresh, { type: 'created', at: fresh.createdAt, release: fresh });
    expect(() => applyEvent(once, { type: 'created', at: fresh.createdAt, release: fresh })).toThrow(/created once/);
  });

  it('keeps the gate\'s own decision on pauses and rollbacks that no person made', () => {
    const started = applyEvent(newRelease(), { type: 'started', at: at(1), weight: 1 });
    const rolling = applyEvent(started, { type: 'rollback_started', at: at(2), intent: 'rollback', reason: 'errors', decision: decision('rollback') });
    expect(rolling.decisions.at(-1)?.action).toBe('rollback');
    const paused = applyEvent(started, { type: 'paused', at: at(2), reason: 'metrics', decision: decision('pause', 'error') });
    expect(paused.decisions.at(-1)?.action).toBe('pause');
    expect(paused.consecutiveMetricErrors).toBe(1);
  });

  it('confirms only the weight the release decided on', () => {
    const started = applyEvent(newRelease(), { type: 'started', at: at(1), weight: 1 });
    expect(() => applyEvent(started, { type: 'routing_confirmed', at: at(1), weight: 10, durationMs: 1, attempts: 1 })).toThrow(InvalidTransitionError);
  });
});

describe('state machine invariants over random event sequences', () => {
  const sequences = fc.array(
    fc.record({ type: fc.constantFrom(...EVENT_TYPES), minute: fc.integer({ min: 0, max: 600 }), weight: fc.double({ min: 0, max: 100, noNaN: true }) }),
    { maxLength: 40 },
  );

  function walk(steps: { type: ReleaseEvent['type']; minute: number; weight: number }[]) {
    let release = newRelease();
    const trail: { before: Release; event: ReleaseEvent; after: Release | InvalidTransitionError }[] = [];
    for (const step of steps) {
      const base = eventOf(step.type, release, step.minute);
      const event = base.type === 'step_advanced' || base.type === 'started' ? { ...base, weight: step.weight } : base;
      const before = structuredClone(release);
      try {
        const after = applyEvent(release, event);
        trail.push({ before: release, event, after });
        release = after;
      } catch (error) {
        if (!(error instanceof InvalidTransitionError)) throw error;
        expect(release).toEqual(before);
        trail.push({ before: release, event, after: error });
      }
    }
    return trail;
  }

  it('terminal states are final', () => {
    fc.assert(
      fc.property(sequences, (steps) => {
        for (const { before, after } of walk(steps)) {
          if (isTerminal(before.state)) expect(after).toBeInstanceOf(InvalidTransitionError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('traffic weight never rises after a rollback starts', () => {
    fc.assert(
      fc.property(sequences, (steps) => {
        let ceiling = Number.POSITIVE_INFINITY;
        for (const { after } of walk(steps)) {
          if (after instanceof InvalidTransitionError) continue;
          if (after.rollbackStartedAt !== undefined) ceiling = Math.min(ceiling, after.weight);
          expect(after.weight).toBeLessThanOrEqual(ceiling);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('every change of state comes from an allowed event, and a rejected event changes nothing', () => {
    fc.assert(
      fc.property(sequences, (steps) => {
        for (const { before, event, after } of walk(steps)) {
          if (after instanceof InvalidTransitionError) {
            // Either the state forbids the event, or its fields do not fit (a skipped step, a lower weight).
            if (after.detail === undefined) expect(expectedAfter(before, event.type)).toBeUndefined();
            expect(after.state).toBe(before.state);
            expect(after.eventType).toBe(event.type);
            continue;
          }
          expect(expectedAfter(before, event.type)).toBe(after.state);
          expect(after.revision).toBe(before.revision + 1);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('weights stay within 0–100 and never fall while progressing', () => {
    fc.assert(
      fc.property(sequences, (steps) => {
        for (const { before, after } of walk(steps)) {
          if (after instanceof InvalidTransitionError) continue;
          expect(after.weight).toBeGreaterThanOrEqual(0);
          expect(after.weight).toBeLessThanOrEqual(100);
          if (before.state === 'progressing' && after.state === 'progressing') expect(after.weight).toBeGreaterThanOrEqual(before.weight);
        }
      }),
      { numRuns: 500 },
    );
  });
});

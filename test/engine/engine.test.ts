import { describe, expect, it } from 'vitest';
import { InvalidTransitionError, PlanError } from '../../lib/core/errors.js';
import { rebuild } from '../../lib/core/reducer.js';
import type { Release } from '../../lib/core/release.js';
import { act } from '../../lib/engine/actions.js';
import { AliasDriftedError, ReasonRequiredError, UnsupportedError } from '../../lib/engine/errors.js';
import { startRelease, type StartReleaseInput } from '../../lib/engine/start-release.js';
import { tickDue } from '../../lib/engine/tick-due.js';
import { tick } from '../../lib/engine/tick.js';
import { AliasBusyError, ReleaseInProgressError, VersionRejectedError } from '../../lib/errors.js';
import type { FakeRouter, RecordingNotifier, ScriptedMetrics } from '../support/fakes.js';
import { engineDeps, FakeFlags, MINUTE } from '../support/fakes.js';

const input: StartReleaseInput = { function: 'checkout', alias: 'live', version: '2', risk: 'normal' };

function world(options: { flags?: FakeFlags } = {}) {
  const deps = engineDeps({ flags: options.flags });
  return { deps, router: deps.router as FakeRouter, metrics: deps.metrics as ScriptedMetrics, notifier: deps.notifier as RecordingNotifier };
}

/** Advances a minute at a time, ticking everything due, until the release stops being active or time runs out. */
async function runUntilSettled(deps: ReturnType<typeof world>['deps'], id: string, maxMinutes = 120): Promise<Release> {
  for (let minute = 0; minute < maxMinutes; minute += 1) {
    await tickDue(deps);
    const release = (await deps.store.get(id))!;
    if (['succeeded', 'rolled_back', 'aborted', 'paused'].includes(release.state)) return release;
    deps.clock.advance(MINUTE);
  }
  return (await deps.store.get(id))!;
}

describe('startRelease', () => {
  it('records the stable version from the alias, writes the created event and is due at once', async () => {
    const { deps } = world();
    const release = await startRelease(deps, { ...input, commit: { sha: 'abc', authoredAt: '2026-11-23T09:00:00.000Z' } }, 'pipeline');
    expect(release).toMatchObject({ state: 'pending', stableVersion: '1', version: '2', createdBy: 'pipeline', revision: 1 });
    expect(release.nextEvaluationAt).toBe(new Date(deps.clock.now()).toISOString());
    const events = await deps.store.events(release.id);
    expect(events.map((stored) => stored.event.type)).toEqual(['created']);
    expect(rebuild(release.id, events.map((stored) => stored.event))).toMatchObject({ state: 'pending', stableVersion: '1', revision: 1 });
  });

  it('refuses a second release for a busy alias', async () => {
    const { deps } = world();
    await startRelease(deps, input, 'pipeline');
    await expect(startRelease(deps, { ...input, version: '3' }, 'pipeline')).rejects.toBeInstanceOf(ReleaseInProgressError);
  });

  it('refuses the version the alias already runs (same_version)', async () => {
    const { deps } = world();
    await expect(startRelease(deps, { ...input, version: '1' }, 'pipeline')).rejects.toMatchObject({ name: 'VersionRejectedError', code: 'same_version' });
  });

  it("passes the router's refusal of a version on unchanged and stores nothing: the alias stays free", async () => {
    const { deps } = world();
    // The adapter's own refusals ($LATEST, a missing version) are tested against Lambda's answers in test/aws.
    await expect(startRelease(deps, { ...input, version: '$LATEST' }, 'pipeline')).rejects.toMatchObject({ name: 'VersionRejectedError', code: 'version_unpublished' });
    expect((await deps.store.list({ limit: 10 })).items).toHaveLength(0);
    await expect(startRelease(deps, input, 'pipeline')).resolves.toMatchObject({ state: 'pending', version: '2' });
  });

  it('refuses a missing alias and an alias that already splits traffic', async () => {
    const { deps, router } = world();
    await expect(startRelease(deps, { ...input, alias: 'nope' }, 'p')).rejects.toMatchObject({ code: 'alias_not_found' });
    router.set('checkout:live', { functionVersion: '1', additionalVersion: '5', additionalWeight: 20 });
    // Busy is a moment, not a verdict on the version: its own error, answered 409 like a held lock.
    await expect(startRelease(deps, input, 'p')).rejects.toBeInstanceOf(AliasBusyError);
    await expect(startRelease(deps, input, 'p')).rejects.not.toBeInstanceOf(VersionRejectedError);
  });

  it('refuses a plan that makes no sense, naming the field, and flag steps without a flag store', async () => {
    const { deps } = world();
    await expect(startRelease(deps, { ...input, plan: { steps: [{ type: 'traffic', weight: 50 }, { type: 'traffic', weight: 10 }] } }, 'p')).rejects.toThrow(PlanError);
    await expect(startRelease(deps, { ...input, flags: [{ key: 'new-checkout', cohort: 'beta', percent: 25 }] }, 'p')).rejects.toBeInstanceOf(UnsupportedError);
  });

  it('records the version of every flag the plan touches', async () => {
    const flags = new FakeFlags();
    await flags.ramp({ key: 'new-checkout', cohort: 'beta', percent: 5 });
    const { deps } = world({ flags });
    const release = await startRelease(deps, { ...input, flags: [{ key: 'new-checkout', cohort: 'beta', percent: 25 }, { key: 'fresh', cohort: 'all', percent: 1 }] }, 'p');
    expect(release.flagVersions).toEqual({ 'new-checkout': 1, fresh: null });
    expect(release.plan.steps.map((step) => step.type)).toEqual(['traffic', 'traffic', 'traffic', 'flag', 'bake', 'flag', 'bake']);
  });
});

describe('a whole release on the fake world', () => {
  it('promotes a healthy version step by step, verifies it and succeeds, confirming every shift', async () => {
    const { deps, router, notifier } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('succeeded');
    expect(router.aliases.get('checkout:live')).toEqual({ functionVersion: '2' });
    expect(router.calls).toEqual(['shift 1', 'shift 10', 'shift 50', 'promote']);
    const events = (await deps.store.events(id)).map((stored) => stored.event);
    expect(events.filter((event) => event.type === 'routing_confirmed').map((event) => (event.type === 'routing_confirmed' ? event.weight : 0))).toEqual([1, 10, 50, 100]);
    expect(await deps.store.verifyChain(id)).toMatchObject({ ok: true, events: events.length });
    expect(notifier.notices.map((notice) => notice.kind)).toEqual(['succeeded']);
    // The stored state is exactly its events replayed.
    const { nextEvaluationAt: _next, chainHead: _head, ...stored } = release;
    const { nextEvaluationAt: _n2, chainHead: _h2, ...replayed } = rebuild(id, events);
    expect(replayed).toEqual(stored);
  });

  it('rolls a failing version back mid-step, confirms the alias, and says why', async () => {
    const { deps, router, metrics, notifier } = world();
    metrics.canary = { ...metrics.canary, errorRate: 0.05 };
    const { id } = await startRelease(deps, input, 'pipeline');
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('rolled_back');
    expect(router.aliases.get('checkout:live')).toEqual({ functionVersion: '1' });
    expect(release.decisions.at(-1)?.explanation).toMatch(/^rolled back at \d+%: .*error rate/);
    const rolledBack = (await deps.store.events(id)).map((stored) => stored.event).find((event) => event.type === 'rolled_back');
    expect(rolledBack).toMatchObject({ attempts: 1 });
    expect(notifier.notices.at(-1)).toMatchObject({ kind: 'rolled_back' });
    // The lock is free again.
    await expect(startRelease(deps, { ...input, version: '3' }, 'pipeline')).resolves.toMatchObject({ state: 'pending' });
  });

  it('pauses on an alias changed by hand and leaves the alias as it found it', async () => {
    const { deps, router, notifier } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    deps.clock.advance(MINUTE);
    router.set('checkout:live', { functionVersion: '3' });
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('paused');
    expect(release.pauseReason).toContain('drift');
    expect(router.aliases.get('checkout:live')).toEqual({ functionVersion: '3' });
    expect(notifier.notices.map((notice) => notice.kind)).toContain('drift_detected');
  });

  it('pauses when CloudWatch is down and never promotes', async () => {
    const { deps, router, metrics } = world();
    metrics.outage = true;
    const { id } = await startRelease(deps, input, 'pipeline');
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('paused');
    expect(release.decisions.at(-1)).toMatchObject({ action: 'pause', reason: 'metrics_unavailable' });
    expect(router.calls).not.toContain('promote');
    expect(release.weight).toBe(1);
  });

  it('keeps rolling back while UpdateAlias fails, and records rolled_back only once the alias is confirmed', async () => {
    const { deps, router, metrics, notifier } = world();
    metrics.canary = { ...metrics.canary, errorRate: 1 };
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    deps.clock.advance(2 * MINUTE);
    router.failNextWrites = deps.config.rollbackAttempts + 1;
    const outcome = await tickDue(deps);
    expect(outcome.outcomes[0]).toMatchObject({ status: 'rollback_pending' });
    expect((await deps.store.get(id))?.state).toBe('rolling_back');
    expect(notifier.notices.map((notice) => notice.kind)).toContain('rollback_stuck');
    deps.clock.advance(deps.config.rollbackRetryMs);
    await tickDue(deps);
    const release = (await deps.store.get(id))!;
    expect(release.state).toBe('rolled_back');
    expect(router.aliases.get('checkout:live')).toEqual({ functionVersion: '1' });
  });

  it('ramps a flag at its step and turns it back when the release rolls back', async () => {
    const flags = new FakeFlags();
    const { deps, metrics } = world({ flags });
    const plan = { steps: [{ type: 'traffic', weight: 10, minBake: '2m' }, { type: 'flag', key: 'new-checkout', cohort: 'beta', percent: 25 }, { type: 'bake', duration: '10m' }] };
    const { id } = await startRelease(deps, { ...input, plan }, 'pipeline');
    for (let minute = 0; minute < 4; minute += 1) {
      await tickDue(deps);
      deps.clock.advance(MINUTE);
    }
    expect((await deps.store.get(id))?.flags).toMatchObject([{ key: 'new-checkout', percent: 25, previousVersion: null, appliedVersion: 1 }]);
    metrics.canary = { ...metrics.canary, errorRate: 0.2 };
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('rolled_back');
    expect(flags.versions.get('new-checkout')?.at(-1)).toMatchObject({ restoredTo: null });
    const types = (await deps.store.events(id)).map((stored) => stored.event.type);
    expect(types.indexOf('flags_restored')).toBe(types.indexOf('rolled_back') - 1);
  });
});

describe('people acting on a release', () => {
  it('pauses and resumes, recording who did it', async () => {
    const { deps } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    const paused = await act(deps, id, { action: 'pause', actor: 'ana', reason: 'looking at a dashboard' });
    expect(paused.state).toBe('paused');
    expect(paused.nextEvaluationAt).toBeUndefined();
    expect((await tickDue(deps)).due).toBe(0);
    const resumed = await act(deps, id, { action: 'resume', actor: 'ana' });
    expect(resumed.state).toBe('progressing');
    expect(resumed.actors.map((record) => `${record.actor}:${record.action}`)).toEqual(['ana:pause', 'ana:resume']);
  });

  it('waits for an approval on a high-risk release and moves on once approved', async () => {
    const { deps, router } = world();
    const { id } = await startRelease(deps, { ...input, risk: 'high' }, 'pipeline');
    for (let minute = 0; minute < 15; minute += 1) {
      await tickDue(deps);
      deps.clock.advance(MINUTE);
    }
    const waiting = (await deps.store.get(id))!;
    expect(waiting.plan.steps[waiting.stepIndex]).toMatchObject({ type: 'approval' });
    expect(router.calls).not.toContain('shift 50');
    await expect(act(deps, id, { action: 'resume', actor: 'bo' })).rejects.toBeInstanceOf(InvalidTransitionError);
    await act(deps, id, { action: 'approve', actor: 'bo' });
    await tickDue(deps);
    expect(router.calls).toContain('shift 50');
    expect((await deps.store.get(id))?.approvals).toMatchObject([{ actor: 'bo', role: 'release-approver' }]);
  });

  it('needs a reason to promote, abort or roll back', async () => {
    const { deps } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    for (const action of ['promote', 'abort', 'rollback'] as const) {
      await expect(act(deps, id, { action, actor: 'ana', reason: '  ' })).rejects.toBeInstanceOf(ReasonRequiredError);
    }
  });

  it('promotes by hand to 100% and confirms the alias', async () => {
    const { deps, router } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    const promoted = await act(deps, id, { action: 'promote', actor: 'ana', reason: 'hotfix for an outage' });
    expect(promoted).toMatchObject({ state: 'promoted', weight: 100, aliasWeight: 100 });
    expect(router.aliases.get('checkout:live')).toEqual({ functionVersion: '2' });
  });

  it('aborts a pending release at once, and an active one through a confirmed return to stable', async () => {
    const { deps, router } = world();
    const pending = await startRelease(deps, input, 'pipeline');
    expect(await act(deps, pending.id, { action: 'abort', actor: 'ana', reason: 'wrong build' })).toMatchObject({ state: 'aborted' });
    const active = await startRelease(deps, { ...input, version: '3' }, 'pipeline');
    await tickDue(deps);
    expect(router.aliases.get('checkout:live')).toMatchObject({ additionalVersion: '3' });
    const aborted = await act(deps, active.id, { action: 'abort', actor: 'bo', reason: 'wrong config' });
    expect(aborted.state).toBe('aborted');
    expect(router.aliases.get('checkout:live')).toEqual({ functionVersion: '1' });
    const last = (await deps.store.events(active.id)).at(-1)?.event;
    expect(last).toMatchObject({ type: 'aborted', actor: 'bo' });
  });

  it('rolls back by hand and refuses actions on a finished release', async () => {
    const { deps } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    expect(await act(deps, id, { action: 'rollback', actor: 'ana', reason: 'pager' })).toMatchObject({ state: 'rolled_back', actors: [{ actor: 'ana', action: 'rollback', reason: 'pager' }] });
    await expect(act(deps, id, { action: 'pause', actor: 'ana' })).rejects.toBeInstanceOf(InvalidTransitionError);
  });
});

describe('a drift in the middle of a step', () => {
  const SECOND = 1_000;
  const drifted = { functionVersion: '1', additionalVersion: '2', additionalWeight: 33 };
  const decisionsOf = async (deps: ReturnType<typeof world>['deps'], id: string) =>
    (await deps.store.events(id)).flatMap((stored) => ('decision' in stored.event && stored.event.decision ? [stored.event.decision] : []));

  /** Started at 1% at minute 0, ticked through minute 3, then someone routes 33% to the new version by hand. */
  async function driftAtMinute3() {
    const w = world();
    const { id } = await startRelease(w.deps, input, 'pipeline');
    for (let minute = 0; minute <= 3; minute += 1) {
      await tickDue(w.deps);
      if (minute < 3) w.deps.clock.advance(MINUTE);
    }
    w.router.set('checkout:live', drifted);
    w.deps.clock.advance(MINUTE);
    await tickDue(w.deps);
    const paused = (await w.deps.store.get(id))!;
    expect(paused).toMatchObject({ state: 'paused', drift: { actual: drifted } });
    return { ...w, id, start: paused.startedAt! };
  }

  it('refuses a resume while the alias still routes by hand, saying what it routes and how to set it back', async () => {
    const { deps, id, router } = await driftAtMinute3();
    deps.clock.advance(30 * SECOND);
    const refused = act(deps, id, { action: 'resume', actor: 'ana' });
    await expect(refused).rejects.toBeInstanceOf(AliasDriftedError);
    await expect(refused).rejects.toThrow(
      `cannot resume release ${id}: alias checkout:live routes 67% to version 1 and 33% to version 2, but the release expects 99% to version 1 and 1% to version 2. ` +
        `Set the alias back and resume again (aws lambda update-alias --function-name checkout --name live --function-version 1 --routing-config '{"AdditionalVersionWeights":{"2":0.01}}'), ` +
        'or abort the release, which returns the alias to version 1',
    );
    const still = (await deps.store.get(id))!;
    expect(still.state).toBe('paused');
    expect((await deps.store.events(id)).map((stored) => stored.event.type)).not.toContain('resumed');
    expect(router.aliases.get('checkout:live')).toEqual(drifted);
  });

  it('after the alias is set back and resumed, bakes the rest of the step under confirmed routing and judges none of the drifted traffic', async () => {
    const { deps, id, router, start } = await driftAtMinute3();
    // A 1m40s drift pause, as a person would take to notice and set the alias back.
    deps.clock.advance(40 * SECOND);
    router.set('checkout:live', { functionVersion: '1', additionalVersion: '2', additionalWeight: 1 });
    expect(await act(deps, id, { action: 'resume', actor: 'ana' })).toMatchObject({ state: 'progressing' });
    const resumedAt = deps.clock.now();
    const weights: number[] = [];
    for (let tickIndex = 0; tickIndex < 4; tickIndex += 1) {
      await tickDue(deps);
      weights.push((await deps.store.get(id))!.weight);
      deps.clock.advance(MINUTE);
    }
    // Baked 3 minutes before the drift; the 2 left run from the read-back at the resume, so the third tick advances.
    expect(weights).toEqual([1, 1, 10, 10]);
    const events = (await deps.store.events(id)).map((stored) => stored.event);
    const resumed = events.findIndex((event) => event.type === 'resumed');
    expect(events[resumed + 1]).toMatchObject({ type: 'routing_confirmed', weight: 1, attempts: 0, at: new Date(resumedAt).toISOString() });
    const advanced = events.find((event) => event.type === 'step_advanced')!;
    expect(Date.parse(advanced.at) - resumedAt).toBe(2 * MINUTE);

    // The drift began after the minute-3 tick; every minute from then to the read-back is left out:
    // each judgement since counts the three 10-request minutes before the drift and nothing served at 33%.
    const release = (await deps.store.get(id))!;
    expect(release.unconfirmed).toEqual([{ from: new Date(Date.parse(start) + 3 * MINUTE).toISOString(), to: new Date(resumedAt).toISOString(), cause: 'drift' }]);
    const afterResume = (await decisionsOf(deps, id)).filter((decision) => Date.parse(decision.at) >= resumedAt && decision.stepIndex === 0);
    expect(afterResume.map((decision) => decision.action)).toEqual(['hold', 'hold', 'advance']);
    expect(afterResume.map((decision) => decision.judgement?.canaryRequests)).toEqual([30, 30, 30]);
    expect(afterResume[0]!.explanation).toMatch(/^baking at 1%: 2m left/);
  });

  it('leaves a person\'s pause out of the bake too, and reads the alias back before counting again', async () => {
    const { deps, router } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    deps.clock.advance(2 * MINUTE);
    await tickDue(deps);
    await act(deps, id, { action: 'pause', actor: 'ana' });
    deps.clock.advance(20 * MINUTE);
    await act(deps, id, { action: 'resume', actor: 'ana' });
    await tickDue(deps);
    const resumed = (await deps.store.get(id))!;
    // 2 of 5 minutes baked before the pause; the 20 paused minutes do not count.
    expect(resumed).toMatchObject({ weight: 1, state: 'progressing' });
    expect(resumed.decisions.at(-1)?.explanation).toMatch(/^baking at 1%: 3m left/);
    expect(router.calls).toEqual(['shift 1']);
  });
});

describe('what people read', () => {
  it('records a pause without a reason as it was given, and says it once', async () => {
    const { deps, notifier } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    const paused = await act(deps, id, { action: 'pause', actor: 'admin' });
    expect(paused.pauseReason).toBe('paused by admin');
    expect(paused.actors).toEqual([{ actor: 'admin', action: 'pause', at: expect.any(String), reason: undefined }]);
    const event = (await deps.store.events(id)).at(-1)?.event;
    expect(event).toMatchObject({ type: 'paused', actor: 'admin' });
    expect(event && 'reason' in event ? event.reason : undefined).toBeUndefined();
    expect(notifier.notices.at(-1)?.message).toBe('checkout:live paused at 1% by admin');
  });

  it('answers a second abort in words, not with an event name', async () => {
    const { deps, router } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    router.failNextWrites = 100;
    expect(await act(deps, id, { action: 'abort', actor: 'ana', reason: 'wrong build' })).toMatchObject({ state: 'rolling_back' });
    await expect(act(deps, id, { action: 'abort', actor: 'ana', reason: 'again' })).rejects.toThrow(`cannot abort release ${id}: it is already being aborted`);
    router.failNextWrites = 0;
    deps.clock.advance(deps.config.rollbackRetryMs);
    await tickDue(deps);
    await expect(act(deps, id, { action: 'abort', actor: 'ana', reason: 'again' })).rejects.toThrow(`cannot abort release ${id}: it has already been aborted`);
  });
});

describe('concurrent evaluators', () => {
  it('advance a due release exactly once when twenty ticks race', async () => {
    const { deps, router } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => tick(deps, id)));
    expect(outcomes.filter((outcome) => outcome.status === 'decided')).toHaveLength(1);
    expect(router.calls).toEqual(['shift 1']);
    const events = await deps.store.events(id);
    expect(events.map((stored) => stored.event.type)).toEqual(['created', 'observed', 'started', 'routing_confirmed']);
    expect(await deps.store.verifyChain(id)).toMatchObject({ ok: true });
  });

  it('skips a release that is not due yet', async () => {
    const { deps } = world();
    const { id } = await startRelease(deps, input, 'pipeline');
    await tick(deps, id);
    expect(await tick(deps, id)).toMatchObject({ status: 'skipped', reason: 'not due' });
  });
});

import { describe, expect, it } from 'vitest';
import { InputError } from '../../lib/core/errors.js';
import { rebuild } from '../../lib/core/reducer.js';
import type { Release } from '../../lib/core/release.js';
import { UnsupportedError } from '../../lib/engine/errors.js';
import { startRelease, type StartReleaseInput } from '../../lib/engine/start-release.js';
import { tickDue } from '../../lib/engine/tick-due.js';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { answering, failing, MemoryInvoker } from '../../lib/memory/memory-invoker.js';
import { engineDeps, MINUTE, type FakeRouter, type RecordingNotifier } from '../support/fakes.js';

const events = [{ cartId: 'c-1' }, { cartId: 'c-2' }, { cartId: 'c-3' }];
const base: StartReleaseInput = { function: 'checkout', alias: 'live', version: '2', risk: 'normal' };

function world(invoker = new MemoryInvoker({ 'checkout:1': answering(), 'checkout:2': answering(), 'checkout-smoke': answering({ status: 'pass' }) })) {
  const deps = engineDeps({ invoker });
  return { deps, invoker, router: deps.router as FakeRouter, notifier: deps.notifier as RecordingNotifier };
}

/** Advances a minute at a time, ticking everything due, until the release ends or pauses. */
async function runUntilSettled(deps: ReturnType<typeof world>['deps'], id: string, maxMinutes = 120): Promise<Release> {
  for (let minute = 0; minute < maxMinutes; minute += 1) {
    await tickDue(deps);
    const release = (await deps.store.get(id))!;
    if (['succeeded', 'rolled_back', 'aborted', 'paused'].includes(release.state)) return release;
    deps.clock.advance(MINUTE);
  }
  return (await deps.store.get(id))!;
}

async function expectReplayable(deps: ReturnType<typeof world>['deps'], release: Release): Promise<void> {
  const history = (await deps.store.events(release.id)).map((stored) => stored.event);
  const { nextEvaluationAt: _next, chainHead: _head, ...stored } = release;
  const { nextEvaluationAt: _n2, chainHead: _h2, ...replayed } = rebuild(release.id, history);
  expect(replayed).toEqual(stored);
  expect(await deps.store.verifyChain(release.id)).toMatchObject({ ok: true, events: history.length });
}

describe('paired probes', () => {
  it('roll back a version that fails the probes while its real traffic looks fine, with the numbers in the decision', async () => {
    const { deps, invoker, router, notifier } = world(new MemoryInvoker({ 'checkout:1': answering(), 'checkout:2': failing('cart total is NaN') }));
    const { id } = await startRelease(deps, { ...base, synthetic: { probes: { events, pairsPerTick: 5 } } }, 'pipeline');
    const release = await runUntilSettled(deps, id);

    expect(release.state).toBe('rolled_back');
    expect(router.aliases.get('checkout:live')).toEqual({ functionVersion: '1' });
    const decision = release.decisions.at(-1)!;
    expect(decision).toMatchObject({ action: 'rollback', reason: 'probes_failed', weight: 1, toWeight: 0 });
    expect(decision.explanation).toBe(
      'rolled back at 1%: paired-probes: error rate 100% (15/15) vs stable 0% (0/15) over 3 ticks; SPRT log-likelihood ratio 9.2 ≥ 6.9',
    );
    expect(decision.judgement?.checks[0]).toMatchObject({ check: 'paired-probes', verdict: 'fail', canaryCounts: { events: 15, total: 15 }, baselineCounts: { events: 0, total: 15 } });
    expect(release.probeTicks).toHaveLength(3);
    expect(release.rollbackReason).toBe(decision.explanation);
    expect(notifier.notices.at(-1)).toMatchObject({ kind: 'rolled_back' });

    // Each event went to both versions by qualifier, the same events to each.
    const sentTo = (qualifier: string) => invoker.calls.filter((call) => call.qualifier === qualifier).map((call) => call.payload);
    expect(sentTo('2')).toEqual(sentTo('1'));
    expect(sentTo('2').slice(0, 5)).toEqual([events[0], events[1], events[2], events[0], events[1]]);
    expect(invoker.calls.every((call) => call.functionName === 'checkout')).toBe(true);
    await expectReplayable(deps, release);
  });

  it('leave out pairs Lambda throttled, and a healthy version still succeeds', async () => {
    let invokes = 0;
    const throttledEveryThird = () => {
      invokes += 1;
      if (invokes % 3 === 0) throw new DependencyUnavailableError('lambda', 'Invoke', { cause: new Error('TooManyRequestsException: Rate Exceeded.') });
      return { ok: true, payload: {} };
    };
    const { deps } = world(new MemoryInvoker({ 'checkout:1': throttledEveryThird, 'checkout:2': answering() }));
    const { id } = await startRelease(deps, { ...base, synthetic: { probes: { events } } }, 'pipeline');
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('succeeded');
    const ticks = release.probeTicks ?? [];
    expect(ticks.length).toBeGreaterThan(3);
    for (const tick of ticks) {
      expect(tick.pairs).toBe(10);
      expect(tick.canaryTotal).toBe(tick.baselineTotal);
      expect(tick.canaryTotal).toBeLessThan(10);
      expect(tick.canaryErrors + tick.baselineErrors).toBe(0);
    }
  });
});

describe('lifecycle hooks', () => {
  it('a failing before-hook stops the release before any traffic shifts', async () => {
    const invoker = new MemoryInvoker({ 'checkout-smoke': answering({ status: 'fail', reason: 'checkout returned 500' }), 'checkout:1': answering(), 'checkout:2': answering() });
    const { deps, router, notifier } = world(invoker);
    const { id } = await startRelease(deps, { ...base, synthetic: { hooks: { function: 'checkout-smoke' } } }, 'pipeline');
    const release = await runUntilSettled(deps, id);

    expect(release).toMatchObject({ state: 'aborted', weight: 0, aliasWeight: 0, stepIndex: -1 });
    expect(router.calls).toEqual([]);
    expect(router.aliases.get('checkout:live')).toEqual({ functionVersion: '1' });
    expect(release.hookRuns).toEqual([{ phase: 'before', function: 'checkout-smoke', at: expect.any(String), outcome: 'fail', durationMs: 1, detail: 'status "fail"' }]);
    expect(release.decisions.at(-1)).toMatchObject({
      reason: 'hook_failed',
      weight: 0,
      explanation: 'stopped before any traffic: before-hook checkout-smoke failed in 1 ms (status "fail")',
    });
    expect(invoker.calls).toEqual([{ functionName: 'checkout-smoke', qualifier: undefined, payload: { releaseId: id, functionName: 'checkout', alias: 'live', version: '2', stableVersion: '1', phase: 'before' } }]);
    expect(notifier.notices.map((notice) => notice.kind)).toEqual(['aborted']);
    await expectReplayable(deps, release);
    // The alias is free for the next release.
    await expect(startRelease(deps, { ...base, version: '3' }, 'pipeline')).resolves.toMatchObject({ state: 'pending' });
  });

  it('waits for a before-hook Lambda throttles, and starts once it has passed', async () => {
    let attempts = 0;
    const invoker = new MemoryInvoker({
      'checkout-smoke': () => {
        attempts += 1;
        if (attempts === 1) throw new DependencyUnavailableError('lambda', 'Invoke', { cause: new Error('TooManyRequestsException: Rate Exceeded.') });
        return { ok: true, payload: null };
      },
    });
    const { deps, router } = world(invoker);
    const { id } = await startRelease(deps, { ...base, synthetic: { hooks: { function: 'checkout-smoke', after: false } } }, 'pipeline');
    const first = await tickDue(deps);
    expect(first.outcomes[0]).toMatchObject({ status: 'skipped', reason: 'waiting to run the before-hook' });
    expect(router.calls).toEqual([]);
    deps.clock.advance(MINUTE);
    await tickDue(deps);
    const release = (await deps.store.get(id))!;
    expect(release.state).toBe('progressing');
    expect(release.hookRuns).toMatchObject([{ phase: 'before', outcome: 'pass' }]);
    expect(router.calls).toEqual(['shift 1']);
  });

  it('runs the after-hook once at 100%, and rolls back when it fails', async () => {
    const payloads: unknown[] = [];
    const invoker = new MemoryInvoker({
      'checkout-smoke': (event) => {
        payloads.push(event);
        const { phase } = event as { phase: string };
        return phase === 'before' ? { ok: true, payload: { status: 'pass' } } : { ok: false, functionError: 'Unhandled', payload: { errorType: 'Error', errorMessage: 'order not found' } };
      },
    });
    const { deps, router } = world(invoker);
    const { id } = await startRelease(deps, { ...base, synthetic: { hooks: { function: 'checkout-smoke' } } }, 'pipeline');
    const release = await runUntilSettled(deps, id);

    expect(release.state).toBe('rolled_back');
    expect(router.calls).toEqual(['shift 1', 'shift 10', 'shift 50', 'promote', 'rollback']);
    expect(payloads.map((payload) => (payload as { phase: string }).phase)).toEqual(['before', 'after']);
    expect(release.hookRuns?.map((run) => [run.phase, run.outcome, run.detail])).toEqual([
      ['before', 'pass', 'status pass'],
      ['after', 'fail', 'Unhandled: order not found'],
    ]);
    expect(release.decisions.at(-1)).toMatchObject({ reason: 'hook_failed', weight: 100, explanation: expect.stringMatching(/^rolled back from 100%: after-hook checkout-smoke failed/) });
    await expectReplayable(deps, release);
  });

  it('never succeeds before the after-hook has run, and succeeds once it passes', async () => {
    let lambdaDown = true;
    const invoker = new MemoryInvoker({
      'checkout-smoke': () => {
        if (lambdaDown) throw new DependencyUnavailableError('lambda', 'Invoke', { cause: new Error('TooManyRequestsException: Rate Exceeded.') });
        return { ok: true, payload: { status: 'pass' } };
      },
    });
    const { deps } = world(invoker);
    const { id } = await startRelease(deps, { ...base, synthetic: { hooks: { function: 'checkout-smoke', before: false } } }, 'pipeline');
    const held = await runUntilSettled(deps, id, 90);
    expect(held.state).toBe('promoted');
    expect(held.hookRuns ?? []).toEqual([]);
    expect(held.decisions.at(-1)).toMatchObject({ action: 'hold', reason: 'verifying', explanation: expect.stringMatching(/^verified at 100%.*; holding until the after-hook has run$/) });
    lambdaDown = false;
    deps.clock.advance(MINUTE);
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('succeeded');
    expect(release.hookRuns).toMatchObject([{ phase: 'after', outcome: 'pass' }]);
  });

  it('a healthy release with hooks and probes succeeds, every run recorded', async () => {
    const { deps, router } = world();
    const { id } = await startRelease(deps, { ...base, synthetic: { hooks: { function: 'checkout-smoke' }, probes: { events } } }, 'pipeline');
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('succeeded');
    expect(router.calls).toEqual(['shift 1', 'shift 10', 'shift 50', 'promote']);
    expect(release.hookRuns?.map((run) => `${run.phase} ${run.outcome}`)).toEqual(['before pass', 'after pass']);
    expect(release.probeTicks?.length).toBeGreaterThan(0);
    await expectReplayable(deps, release);
  });
});

describe('asking for synthetic evidence', () => {
  it('is refused with the field at fault, and where the deployment cannot invoke functions', async () => {
    const { deps } = world();
    await expect(startRelease(deps, { ...base, synthetic: { probes: { events: [], pairsPerTick: 500 } } }, 'p')).rejects.toMatchObject({
      name: 'InputError',
      issues: [
        { path: 'synthetic.probes.events', message: 'at least one probe event' },
        { path: 'synthetic.probes.pairsPerTick', message: expect.any(String) },
      ],
    });
    await expect(startRelease(deps, { ...base, synthetic: {} }, 'p')).rejects.toBeInstanceOf(InputError);
    const noInvoker = engineDeps();
    await expect(startRelease(noInvoker, { ...base, synthetic: { hooks: { function: 'checkout-smoke' } } }, 'p')).rejects.toBeInstanceOf(UnsupportedError);
  });

  it('leaves a release without it exactly as before: no synthetic fields, no invokes', async () => {
    const { deps, invoker } = world();
    const { id } = await startRelease(deps, base, 'p');
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('succeeded');
    expect(invoker.calls).toEqual([]);
    expect(Object.keys(release).filter((key) => ['synthetic', 'hookRuns', 'probeTicks'].includes(key))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_COMMIT_AGE_MS } from '../../lib/core/commit.js';
import { deliveryMetrics } from '../../lib/core/delivery.js';
import type { Release } from '../../lib/core/release.js';
import { at, newRelease, T0 } from './fixtures.js';

const DAY = 86_400_000;

function finished(state: 'succeeded' | 'rolled_back' | 'aborted' | 'progressing', overrides: Partial<Release> = {}): Release {
  return { ...newRelease(), state, ...overrides };
}

describe('deliveryMetrics', () => {
  const window = { since: T0, until: T0 + 7 * DAY };

  it('computes frequency, failure rate and restore time from the records', () => {
    const releases = [
      ...Array.from({ length: 8 }, () => finished('succeeded')),
      finished('rolled_back', { rollbackIntent: 'rollback', rollbackStartedAt: at(10), finishedAt: at(11) }),
      finished('rolled_back', { rollbackIntent: 'rollback', rollbackStartedAt: at(20), finishedAt: at(23) }),
    ];
    const metrics = deliveryMetrics(releases, window);
    expect(metrics.deploymentsPerDay).toBeCloseTo(8 / 7);
    expect(metrics.changeFailureRate).toBeCloseTo(0.2);
    expect(metrics.timeToRestore).toEqual({ count: 2, medianMs: 60_000, p90Ms: 180_000 });
    expect(metrics.rollbackSuccessRate).toBe(1);
    expect(metrics.unjudged).toBe(0);
  });

  it('counts the releases that ran on time alone apart, and still in the other figures', () => {
    const onTime = { preflight: { steps: [], feasible: false, mode: 'time', latencyObjectivesMs: {}, warnings: [] } } as const;
    const judged = { preflight: { ...onTime.preflight, feasible: true, mode: 'judged' } } as const;
    const releases = [finished('succeeded', onTime), finished('rolled_back', onTime), finished('succeeded', judged), finished('succeeded')];
    const metrics = deliveryMetrics(releases, window);
    expect(metrics.unjudged).toBe(2);
    expect(metrics.succeeded).toBe(3);
    expect(deliveryMetrics([finished('succeeded', { ...onTime, createdAt: new Date(window.until).toISOString() })], window).unjudged).toBe(0);
  });

  it('measures lead time from the commit to promotion, only where both are known', () => {
    const releases = [
      finished('succeeded', { commit: { sha: 'a', authoredAt: at(-60) }, promotedAt: at(30) }),
      finished('succeeded', { commit: { sha: 'b', authoredAt: at(-30) }, promotedAt: at(30) }),
      finished('succeeded', { promotedAt: at(30) }),
    ];
    expect(deliveryMetrics(releases, window).leadTime).toEqual({ count: 2, medianMs: 60 * 60_000, p90Ms: 90 * 60_000, excluded: 0 });
  });

  it('leaves out commit times no release can have, and counts them, whatever was stored', () => {
    const releases = [
      finished('succeeded', { commit: { sha: 'a', authoredAt: at(-60) }, promotedAt: at(30) }),
      finished('succeeded', { commit: { sha: 'b', authoredAt: '0102-03-04T00:00:00Z' }, promotedAt: at(30) }),
      finished('succeeded', { commit: { sha: 'c', authoredAt: at(24 * 60) }, promotedAt: at(30) }),
      finished('succeeded', { commit: { sha: 'd', authoredAt: 'yesterday' }, promotedAt: at(30) }),
    ];
    expect(deliveryMetrics(releases, window).leadTime).toEqual({ count: 1, medianMs: 90 * 60_000, p90Ms: 90 * 60_000, excluded: 3 });
  });

  it('never reports a lead time below zero or beyond the oldest plausible commit, for any stored times', () => {
    let counted = 0;
    const near = fc.integer({ min: T0 - 6 * 365 * DAY, max: T0 + 6 * 365 * DAY }).map((ms) => new Date(ms).toISOString());
    const anywhere = fc.date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }).map((date) => date.toISOString());
    const stored = fc.oneof(near, near, anywhere, fc.string());
    fc.assert(
      fc.property(fc.array(fc.tuple(stored, stored), { maxLength: 8 }), (pairs) => {
        const releases = pairs.map(([authoredAt, promotedAt]) => finished('succeeded', { commit: { sha: 'abc1234', authoredAt }, promotedAt }));
        const { leadTime } = deliveryMetrics(releases, window);
        expect(leadTime.count + leadTime.excluded).toBe(pairs.length);
        if (leadTime.count > 0) counted += 1;
        for (const value of [leadTime.medianMs, leadTime.p90Ms]) {
          if (value === null) continue;
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(MAX_COMMIT_AGE_MS);
        }
      }),
    );
    // The generator reaches plausible pairs too, so the bounds were checked on real values.
    expect(counted).toBeGreaterThan(0);
  });

  it('counts a rollback stuck before the alias was confirmed as unsuccessful, and aborts as finished but not failed', () => {
    const releases = [
      finished('rolled_back', { rollbackIntent: 'rollback', rollbackStartedAt: at(1), finishedAt: at(2) }),
      { ...newRelease(), state: 'rolling_back' as const, rollbackIntent: 'rollback' as const, rollbackStartedAt: at(5) },
      finished('aborted'),
    ];
    const metrics = deliveryMetrics(releases, window);
    expect(metrics.rollbackSuccessRate).toBe(0.5);
    expect(metrics.changeFailureRate).toBe(0.5);
    expect(metrics.finished).toBe(2);
  });

  it('counts the releases a person acted on', () => {
    const releases = [
      finished('succeeded', { actors: [{ actor: 'ana', action: 'approve', at: at(5) }] }),
      finished('succeeded'),
      finished('succeeded'),
      finished('rolled_back', { actors: [{ actor: 'bo', action: 'rollback', at: at(5), reason: 'pager' }] }),
    ];
    expect(deliveryMetrics(releases, window).humanInterventionRate).toBe(0.5);
  });

  it('leaves out releases created outside the window and reports null where nothing can be measured', () => {
    const outside = { ...finished('succeeded'), createdAt: new Date(T0 - DAY).toISOString() };
    const metrics = deliveryMetrics([outside, finished('progressing')], window);
    expect(metrics.releases).toBe(1);
    expect(metrics.changeFailureRate).toBeNull();
    expect(metrics.leadTime.medianMs).toBeNull();
    expect(metrics.rollbackSuccessRate).toBeNull();
  });
});

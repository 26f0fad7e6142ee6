import { plausibleLeadTime } from './commit.js';
import { isUnjudged, type Release } from './release.js';

const DAY_MS = 86_400_000;

/** Median, 90th percentile and count of a set of durations, in milliseconds. */
export interface DurationStats {
  readonly count: number;
  readonly medianMs: number | null;
  readonly p90Ms: number | null;
}

export interface DeliveryMetrics {
  /** The window the figures cover, ISO times. */
  readonly since: string;
  readonly until: string;
  readonly releases: number;
  readonly finished: number;
  readonly succeeded: number;
  readonly rolledBack: number;
  readonly aborted: number;
  /**
   * Releases that ran on time alone (the pre-flight's `time` mode): counted in the figures above
   * like any other, but no SLI judged them, so a success among them says less.
   */
  readonly unjudged: number;
  /** Succeeded releases per day over the window. */
  readonly deploymentsPerDay: number;
  /**
   * Commit authored → promoted to 100%, for releases that name their commit. `excluded` counts
   * promoted releases whose stored commit time cannot give a true lead time (see plausibleLeadTime).
   */
  readonly leadTime: DurationStats & { readonly excluded: number };
  /** Rolled back over finished (succeeded, rolled back or aborted); null when none finished. */
  readonly changeFailureRate: number | null;
  /** Rollback started → alias confirmed back on the stable version. */
  readonly timeToRestore: DurationStats;
  /** Rollbacks that reached `rolled_back`, over rollbacks started; null when none started. */
  readonly rollbackSuccessRate: number | null;
  /** Share of releases a person acted on: approvals, pauses, resumes, promotions, aborts, manual rollbacks. */
  readonly humanInterventionRate: number | null;
}

function stats(durations: readonly number[]): DurationStats {
  if (durations.length === 0) return { count: 0, medianMs: null, p90Ms: null };
  const sorted = [...durations].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { count: sorted.length, medianMs: rank(0.5), p90Ms: rank(0.9) };
}

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/**
 * DORA's delivery metrics from release records created in `[since, until)`. Pure: the caller
 * passes the records and the window, so a report can be recomputed exactly.
 *
 * Example: 10 releases in 7 days, 8 succeeded and 2 rolled back → 8/7 ≈ 1.14 deployments a
 * day and a change failure rate of 2/10 = 20%.
 */
export function deliveryMetrics(releases: readonly Release[], window: { since: number; until: number }): DeliveryMetrics {
  const inWindow = releases.filter((release) => {
    const created = Date.parse(release.createdAt);
    return created >= window.since && created < window.until;
  });
  const count = (state: Release['state']) => inWindow.filter((release) => release.state === state).length;
  const succeeded = count('succeeded');
  const rolledBack = count('rolled_back');
  const aborted = count('aborted');
  const finished = succeeded + rolledBack + aborted;
  const days = Math.max(1, (window.until - window.since) / DAY_MS);

  const named = inWindow.filter((release) => release.commit !== undefined && release.promotedAt !== undefined);
  const leadTimes = named.flatMap((release) => {
    const lead = plausibleLeadTime(release.commit!.authoredAt, release.createdAt, release.promotedAt!);
    return lead === undefined ? [] : [lead];
  });
  const rollbacks = inWindow.filter((release) => release.rollbackStartedAt !== undefined && release.rollbackIntent === 'rollback');
  const restoreTimes = rollbacks.flatMap((release) =>
    release.state === 'rolled_back' && release.finishedAt ? [Date.parse(release.finishedAt) - Date.parse(release.rollbackStartedAt!)] : [],
  );
  const touchedByPerson = inWindow.filter((release) => release.actors.length > 0 || release.approvals.length > 0).length;

  return {
    since: new Date(window.since).toISOString(),
    until: new Date(window.until).toISOString(),
    releases: inWindow.length,
    finished,
    succeeded,
    rolledBack,
    aborted,
    unjudged: inWindow.filter(isUnjudged).length,
    deploymentsPerDay: succeeded / days,
    leadTime: { ...stats(leadTimes), excluded: named.length - leadTimes.length },
    changeFailureRate: ratio(rolledBack, finished),
    timeToRestore: stats(restoreTimes),
    rollbackSuccessRate: ratio(rollbacks.filter((release) => release.state === 'rolled_back').length, rollbacks.length),
    humanInterventionRate: ratio(touchedByPerson, inWindow.length),
  };
}

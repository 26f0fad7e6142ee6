import type { Release } from '../core/release.js';
import type { MetricsRequest } from '../ports.js';

/** The metrics a release is judged on: both versions behind its alias since it started. */
export function metricsRequest(release: Release, now: number): MetricsRequest {
  return {
    key: release.id,
    functionName: release.function,
    alias: release.alias,
    canaryVersion: release.version,
    baselineVersion: release.stableVersion,
    from: Date.parse(release.startedAt ?? release.createdAt),
    to: now,
    checks: release.policy.checks,
    // Fixed before the release started, so the slow counts mean the same at every tick.
    latencyObjectivesMs: release.preflight?.latencyObjectivesMs,
  };
}

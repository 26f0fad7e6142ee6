import type { ArmStats, Period } from '../../lib/core/metrics.js';
import { DEFAULT_POLICY, parsePolicy, type PolicyInput } from '../../lib/core/policy.js';
import { createRelease, type Release } from '../../lib/core/release.js';
import { resolvePlan } from '../../lib/core/resolve-plan.js';
import type { Risk } from '../../lib/core/risk.js';

export const MINUTE = 60_000;
export const T0 = Date.parse('2026-11-23T10:00:00.000Z');
export const at = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();

export function newRelease(overrides: { plan?: unknown; risk?: Risk; policy?: PolicyInput } = {}): Release {
  const risk = overrides.risk ?? 'normal';
  return createRelease({
    id: 'rel-1',
    function: 'checkout',
    alias: 'live',
    version: '2',
    stableVersion: '1',
    risk,
    plan: resolvePlan(overrides.plan, risk),
    policy: overrides.policy ? parsePolicy(overrides.policy) : DEFAULT_POLICY,
    createdAt: at(0),
  });
}

export function arm(invocations: number, errors: number, p99 = 300, extra: Partial<ArmStats> = {}): ArmStats {
  return { invocations, errors, throttles: 0, p50: p99 / 3, p90: p99 / 1.5, p99, ...extra };
}

/** `count` one-minute periods from minute `from` with the same traffic in each. */
export function periods(from: number, count: number, canary: ArmStats, baseline: ArmStats): Period[] {
  return Array.from({ length: count }, (_, index) => ({
    start: T0 + (from + index) * MINUTE,
    end: T0 + (from + index + 1) * MINUTE,
    canary,
    baseline,
  }));
}

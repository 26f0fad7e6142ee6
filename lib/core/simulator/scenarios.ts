import type { VersionBehaviour, WorldConfig } from './world.js';

export const SCENARIOS = ['healthy', 'bad', 'subtle', 'catastrophic', 'latency'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioOptions {
  /** Requests per minute across both versions. */
  readonly requestsPerMinute?: number;
  /** The stable version's error rate. */
  readonly baselineErrorRate?: number;
  /** The new version degrades from this minute on; before it, it behaves like the baseline. */
  readonly degradeFromMinute?: number;
}

/**
 * The scenarios of the detection benchmark: healthy (same as baseline), bad (5× the error rate),
 * subtle (2×), catastrophic (every request fails) and latency (3× slower, so p99 is 3×).
 */
export function scenarioWorld(name: ScenarioName, options: ScenarioOptions = {}): WorldConfig {
  const p0 = options.baselineErrorRate ?? 0.005;
  const baseline: VersionBehaviour = { errorRate: p0, latencyMedianMs: 100, latencySigma: 0.5 };
  const canary: Record<ScenarioName, VersionBehaviour> = {
    healthy: baseline,
    bad: { ...baseline, errorRate: Math.min(1, 5 * p0) },
    subtle: { ...baseline, errorRate: Math.min(1, 2 * p0) },
    catastrophic: { ...baseline, errorRate: 1 },
    latency: { ...baseline, latencyMedianMs: 300 },
  };
  return {
    requestsPerMinute: options.requestsPerMinute ?? 1_000,
    baseline,
    canary: canary[name],
    degradeFromMinute: options.degradeFromMinute ?? 0,
    coldStart: { fraction: 0.02, addMs: 300 },
  };
}

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

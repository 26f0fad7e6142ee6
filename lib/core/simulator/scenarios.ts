import type { VersionBehaviour, WorldConfig, WorldEffects } from './world.js';

export const SCENARIOS = [
  'healthy',
  'bad',
  'subtle',
  'catastrophic',
  'latency',
  'healthy-ramp',
  'bad-ramp',
  'healthy-incident',
  'bad-incident',
  'healthy-late',
  'bad-late',
  'healthy-gaps',
  'bad-gaps',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioOptions {
  /** Requests per minute across both versions. */
  readonly requestsPerMinute?: number;
  /** The stable version's error rate. */
  readonly baselineErrorRate?: number;
  /** The new version degrades from this minute on; before it, it behaves like the baseline. */
  readonly degradeFromMinute?: number;
}

/** The world effects of the robustness scenarios, named by their suffix. */
export const WORLD_EFFECTS: Readonly<Record<string, WorldEffects>> = {
  // Five-fold over the first hour: a release that starts at the morning's low.
  ramp: { ramp: { factor: 5, overMinutes: 60 } },
  // Both versions' error rates ×10 for 15 minutes, starting during the first steps.
  incident: { incident: { fromMinute: 3, minutes: 15, factor: 10 } },
  late: { lateMetrics: true },
  // A third of the minutes bring the new version no requests at all.
  gaps: { canaryGapShare: 0.3 },
};

/**
 * The scenarios of the detection benchmark: healthy (same as baseline), bad (5× the error rate),
 * subtle (2×), catastrophic (every request fails) and latency (3× slower, so p99 is 3×); and
 * healthy or bad under a world effect: a traffic ramp, a shared incident, late metrics, or gaps.
 */
export function scenarioWorld(name: ScenarioName, options: ScenarioOptions = {}): WorldConfig {
  const p0 = options.baselineErrorRate ?? 0.005;
  const baseline: VersionBehaviour = { errorRate: p0, latencyMedianMs: 100, latencySigma: 0.5 };
  const [kind, effect] = name.split('-') as [string, string | undefined];
  const canary: Record<string, VersionBehaviour> = {
    healthy: baseline,
    bad: { ...baseline, errorRate: Math.min(1, 5 * p0) },
    subtle: { ...baseline, errorRate: Math.min(1, 2 * p0) },
    catastrophic: { ...baseline, errorRate: 1 },
    latency: { ...baseline, latencyMedianMs: 300 },
  };
  return {
    requestsPerMinute: options.requestsPerMinute ?? 1_000,
    baseline,
    canary: canary[kind]!,
    degradeFromMinute: options.degradeFromMinute ?? 0,
    coldStart: { fraction: 0.02, addMs: 300 },
    ...(effect === undefined ? {} : { effects: WORLD_EFFECTS[effect] }),
  };
}

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

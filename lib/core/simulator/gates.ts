import { decide } from '../decide.js';
import type { Decision } from '../decision.js';
import { eventsForDecision } from '../decision-events.js';
import type { Period } from '../metrics.js';
import { stepDurationMs, type Plan } from '../plan.js';
import type { Policy } from '../policy.js';
import { preflight, requireProbes, type Preflight, type StableTraffic } from '../preflight.js';
import { applyEvent } from '../reducer.js';
import { createRelease, type Release } from '../release.js';
import type { Risk } from '../risk.js';
import { syntheticDecision, syntheticDraft } from '../synthetic.js';
import { type ProbeTick } from '../synthetic-config.js';
import type { ProbeDraw } from './world.js';
import { mannWhitneyGreaterPValue } from './mann-whitney.js';

/** `refused`: the pre-flight found the traffic too low to judge and the policy refuses such releases. */
export type GateOutcome = 'rolled_back' | 'paused' | 'promoted' | 'succeeded' | 'refused';

/** A gating policy under simulation: it sets the weight and consumes one complete period at a time. */
export interface Gate {
  weight(): number;
  outcome(): GateOutcome | undefined;
  observe(period: Period, now: number): void;
  /** A period seen before is seen again complete (metrics that landed late); gates that re-read replace it. */
  revise?(period: Period): void;
  /** Objectives of the sequential latency tests: the world counts requests slower than each. */
  slowAboveMs?(): Readonly<Record<string, number>>;
  /** What the gate said before starting, when it reads traffic first. */
  readonly preflight?: Preflight | undefined;
}

/** What a gate may read before it starts: the stable version's recent traffic. */
export interface GateContext {
  readonly traffic?: StableTraffic | undefined;
  /** The world's answer to `pairs` paired probes sent at `at` (ms from the start). */
  readonly probes?: ((at: number, pairs: number) => ProbeDraw) | undefined;
}

export type GateFactory = (plan: Plan, context?: GateContext) => Gate;

/**
 * The project's own gate: the real core (`decide` and the reducer) driving a release record.
 * With `probes`, the release asks for paired probes and each tick runs them first, as the engine
 * does: their override (lib/core/synthetic.ts) stands in for decide's.
 */
export function coreGate(policy: Policy, options: { verify?: boolean; onDecision?: (decision: Decision) => void; risk?: Risk; probes?: { pairsPerTick: number } } = {}): GateFactory {
  return (requested, context = {}) => {
    const risk = options.risk ?? 'normal';
    const probes = options.probes;
    if (probes !== undefined && context.probes === undefined) throw new Error('a gate with paired probes needs a world that answers them');
    const checked = preflight(requested, policy, risk, context.traffic);
    const report = requireProbes(checked.report, probes !== undefined);
    const plan = checked.plan;
    if (report.mode === 'refused') {
      return { weight: () => 0, outcome: () => 'refused', observe: () => undefined, preflight: report, slowAboveMs: () => report.latencyObjectivesMs };
    }
    const periods: Period[] = [];
    let release: Release = createRelease({
      id: 'simulated',
      function: 'simulated',
      alias: 'live',
      version: '2',
      stableVersion: '1',
      risk,
      plan,
      policy,
      preflight: report,
      createdAt: new Date(0).toISOString(),
      ...(probes === undefined ? {} : { synthetic: { probes: { events: [{ sample: true }], pairsPerTick: probes.pairsPerTick } } }),
    });
    const runProbes = (now: number): boolean => {
      if (probes === undefined || (release.state !== 'progressing' && release.state !== 'promoted')) return false;
      const at = new Date(now).toISOString();
      const draw = context.probes!(now, probes.pairsPerTick);
      const tick: ProbeTick = { at, pairs: probes.pairsPerTick, canaryTotal: probes.pairsPerTick, baselineTotal: probes.pairsPerTick, ...draw };
      release = applyEvent(release, { type: 'probes_ran', at, tick });
      const draft = syntheticDraft(release, now);
      if (draft === undefined) return false;
      const decision = syntheticDecision(release, draft, now);
      options.onDecision?.(decision);
      release = applyEvent(release, { type: 'rollback_started', at, intent: draft.action, reason: draft.explanation, decision });
      return true;
    };
    const record = (now: number) => {
      if (!runProbes(now)) {
        const decision = decide(release, { ok: true, periods }, now);
        options.onDecision?.(decision);
        for (const event of eventsForDecision(release, decision)) release = applyEvent(release, event);
        // The simulated alias takes a new weight at once; the engine records the same read-back.
        if ((release.state === 'progressing' || release.state === 'promoted') && release.confirmedAt === undefined) {
          release = applyEvent(release, { type: 'routing_confirmed', at: decision.at, weight: release.weight, durationMs: 0, attempts: 1 });
        }
      }
      if (release.state === 'rolling_back') release = applyEvent(release, { type: 'rolled_back', at: new Date(now).toISOString(), durationMs: 0, attempts: 1 });
    };
    record(0);
    return {
      preflight: report,
      slowAboveMs: () => report.latencyObjectivesMs,
      weight: () => release.weight,
      outcome: () => {
        switch (release.state) {
          case 'rolled_back':
            return 'rolled_back';
          case 'paused':
            return 'paused';
          case 'succeeded':
            return 'succeeded';
          case 'promoted':
            return options.verify ? undefined : 'promoted';
          default:
            return undefined;
        }
      },
      observe: (period, now) => {
        periods.push(period);
        record(now);
      },
      revise: (period) => {
        const index = periods.findIndex((candidate) => candidate.start === period.start);
        if (index >= 0) periods[index] = period;
      },
    };
  };
}

/** Moves through the plan's traffic steps on time alone; `judge` may roll back after any period. */
function timedGate(plan: Plan, judge: (period: Period, stepPeriods: readonly Period[], stepEnds: boolean) => boolean): Gate {
  const steps = plan.steps.flatMap((step) => (step.type === 'traffic' || step.type === 'bake' ? [step] : []));
  let index = 0;
  let weight = steps[0]?.type === 'traffic' ? steps[0].weight : 0;
  let stepStart = 0;
  let stepPeriods: Period[] = [];
  let outcome: GateOutcome | undefined = steps.length === 0 ? 'promoted' : undefined;
  return {
    weight: () => (outcome === 'promoted' ? 100 : weight),
    outcome: () => outcome,
    observe: (period, now) => {
      if (outcome) return;
      stepPeriods.push(period);
      const step = steps[index]!;
      const stepEnds = now - stepStart >= stepDurationMs(step);
      if (judge(period, stepPeriods, stepEnds)) {
        outcome = 'rolled_back';
        weight = 0;
        return;
      }
      if (!stepEnds) return;
      index += 1;
      stepStart = now;
      stepPeriods = [];
      const next = steps[index];
      if (next === undefined) outcome = 'promoted';
      else if (next.type === 'traffic') weight = next.weight;
    },
  };
}

/**
 * A CloudWatch alarm as CodeDeploy users wire it: the error rate above `threshold` in
 * `datapoints` of the last `evaluationPeriods` one-minute periods, on the whole function's
 * traffic (`function`) or on the new version's alone (`canary`). Missing data is not breaching.
 */
export function alarmGate(options: { scope: 'function' | 'canary'; threshold: number; datapoints: number; evaluationPeriods: number }): GateFactory {
  return (plan) => {
    const breaches: boolean[] = [];
    return timedGate(plan, (period) => {
      const invocations = period.canary.invocations + (options.scope === 'function' ? period.baseline.invocations : 0);
      const errors = period.canary.errors + (options.scope === 'function' ? period.baseline.errors : 0);
      breaches.push(invocations > 0 && errors / invocations > options.threshold);
      return breaches.slice(-options.evaluationPeriods).filter(Boolean).length >= options.datapoints;
    });
  };
}

/** Argo Rollouts / Flagger: the new version's error rate checked every period; more than `failureLimit` failures roll back. */
export function thresholdGate(options: { threshold: number; failureLimit: number }): GateFactory {
  return (plan) => {
    let failures = 0;
    return timedGate(plan, (period) => {
      if (period.canary.invocations > 0 && period.canary.errors / period.canary.invocations > options.threshold) failures += 1;
      return failures > options.failureLimit;
    });
  };
}

/**
 * Kayenta: at each step's end, a Mann-Whitney U test of the per-period error rates, new version
 * against baseline; rolls back when the new version is higher at the given confidence.
 */
export function mannWhitneyGate(options: { confidence: number }): GateFactory {
  return (plan) =>
    timedGate(plan, (_period, stepPeriods, stepEnds) => {
      if (!stepEnds) return false;
      const rate = (arm: { invocations: number; errors: number }) => arm.errors / arm.invocations;
      const canary = stepPeriods.filter((period) => period.canary.invocations > 0).map((period) => rate(period.canary));
      const baseline = stepPeriods.filter((period) => period.baseline.invocations > 0).map((period) => rate(period.baseline));
      // Kayenta's two-sided interval at `confidence` excluding zero on the high side.
      return mannWhitneyGreaterPValue(canary, baseline) < (1 - options.confidence) / 2;
    });
}

import { evidenceRoutes, floorMoments, ratioMoments, ruleOutLevel } from './analysis/evidence.js';
import { binaryKl, expectedDispersion } from './analysis/sprt.js';
import { formatDuration, parseDuration } from './duration.js';
import { count, ms, percent, weightText } from './format.js';
import type { Percentile } from './metrics.js';
import { stepDurationMs, type Plan, type Step } from './plan.js';
import { checkLabel, shareOf, isRateCeiling, type Policy } from './policy.js';
import type { Risk } from './risk.js';

/** The stable version's recent traffic, as the gate reads it before a release starts. */
export interface StableTraffic {
  /** Requests per minute on the alias, both versions. */
  readonly requestsPerMinute: number;
  /** The stable version's requests and errors over the reading. */
  readonly requests: number;
  readonly errors: number;
  readonly windowMinutes: number;
  /** The stable version's latency percentiles over the reading, when known. */
  readonly latencyMs?: Partial<Record<Percentile, number>> | undefined;
}

export interface StepForecast {
  readonly stepIndex: number;
  readonly weight: number;
  /** New-version requests per minute the step should see. */
  readonly canaryPerMinute: number;
  /** Minutes the step should take on a healthy release, and in the slow 1% of cases; absent when it cannot finish in its maximum time. */
  readonly expectedMinutes?: number | undefined;
  readonly slowMinutes?: number | undefined;
  /** The step holds for evidence before promotion. */
  readonly gathersEvidence: boolean;
}

export const PREFLIGHT_WARNING_CODES = [
  'no_traffic_reading',
  'baseline_above_ceiling',
  'too_few_requests',
  'first_step_raised',
  'step_below_min_samples',
  'no_errors_on_stable',
  'no_probes',
] as const;
export type PreflightWarningCode = (typeof PREFLIGHT_WARNING_CODES)[number];

/**
 * A plan the policy would judge on synthetic evidence needs the release to ask for paired probes;
 * without them it is refused before it starts, not paused hours later.
 */
export function requireProbes(report: Preflight, hasProbes: boolean): Preflight {
  if (report.mode !== 'synthetic' || hasProbes) return report;
  const warning: PreflightWarning = { code: 'no_probes', message: "the policy judges this plan on synthetic evidence, but the release asks for no paired probes: add `synthetic.probes` with sample events, or set the policy's onInfeasible to time" };
  return { ...report, mode: 'refused', warnings: [...report.warnings, warning] };
}

export interface PreflightWarning {
  readonly code: PreflightWarningCode;
  readonly message: string;
}

/** How a release is judged: on its own traffic, on synthetic evidence, on time alone (unjudged), or not at all. */
export const PREFLIGHT_MODES = ['judged', 'synthetic', 'time', 'refused'] as const;
export type PreflightMode = (typeof PREFLIGHT_MODES)[number];

/** What the plan can and cannot do at this traffic, said before it starts. */
export interface Preflight {
  readonly traffic?: StableTraffic | undefined;
  /** The stable error rate the forecast uses. */
  readonly stableErrorRate?: number | undefined;
  readonly steps: readonly StepForecast[];
  /** New-version requests a healthy release needs, on average, before it may reach 100%. */
  readonly requestsToRuleOut?: number | undefined;
  /**
   * Minutes to 100% on a healthy release: expected (the plan's bakes, and at its last step the time
   * its traffic needs to bring the evidence: the least this traffic allows), and in the slow 1% of cases.
   */
  readonly expectedMinutesToFull?: number | undefined;
  readonly slowMinutesToFull?: number | undefined;
  /**
   * The least any gate with the policy's α and β could take on this plan at this traffic: the plan's
   * bakes, and at its last step the time until the expected evidence reaches Wald's bound. The
   * traffic-aware minimum the expected time is measured against.
   */
  readonly limitMinutesToFull?: number | undefined;
  /** The smallest error-rate ratio the plan catches with the policy's power before its deadline. */
  readonly detectableRatio?: number | undefined;
  /** Whether the evidence fits in each step's maximum time even in the slow 1% of cases. */
  readonly feasible: boolean;
  readonly mode: PreflightMode;
  /** The objective of each sequential latency test, in ms: requests slower than it are counted. */
  readonly latencyObjectivesMs: Readonly<Record<string, number>>;
  readonly warnings: readonly PreflightWarning[];
}

/** The highest first weight each risk class allows the gate to choose when traffic is low. */
export const FIRST_WEIGHT_LIMIT: Readonly<Record<Risk, number>> = { low: 10, normal: 5, high: 1 };
/** A step's bake should see this many times the policy's minimum samples. */
const SAMPLE_MARGIN = 1.5;
/** One-sided z for the slow 1% of healthy releases. */
const Z_99 = 2.326;
/** The mixture's cost over a single ratio: the grid's twelve points. */
const MIXTURE_COST = Math.log(12);

const minutes = (ms: number) => ms / 60_000;

interface Segment {
  readonly stepIndex: number;
  readonly weight: number;
  readonly minutes: number;
}

/** The plan's steps as weights held for their bakes; bakes and pauses keep the weight before them. */
function segments(plan: Plan): Segment[] {
  let weight = 0;
  return plan.steps.map((step, stepIndex) => {
    if (step.type === 'traffic') weight = step.weight;
    const duration = stepDurationMs(step);
    return { stepIndex, weight, minutes: Number.isFinite(duration) ? minutes(duration) : 0 };
  });
}

/** What a walk counts as evidence: the level Λ must fall by, the routes, and whether the versions' own wander costs information. */
interface WalkRoute {
  readonly level: number;
  readonly floor: boolean;
  readonly dispersion: boolean;
}

interface Walk {
  readonly steps: StepForecast[];
  readonly expectedMinutes: number | undefined;
  readonly slowMinutes: number | undefined;
  /** New-version requests served by the expected time, and by the last step's deadline. */
  readonly requestsToRuleOut: number | undefined;
  readonly requestsByDeadline: number;
  readonly feasible: boolean;
}

/**
 * Walks the plan minute by minute at `perMinute` requests and stable error rate `p0`, adding up
 * what each route of the rule-out expects to learn (Λ's fall and its variance), and finds when a
 * healthy release is expected to have the evidence, and when 99% of them have it.
 */
function walk(plan: Plan, perMinute: number, p0: number, policy: Policy, maxStepMinutes: number, route: WalkRoute): Walk {
  const { ruleOut, floor } = policy.evidence;
  const level = route.level;
  const all = segments(plan);
  const last = all.at(-1);
  const gathers = last !== undefined && last.weight > 0 && (plan.steps[last.stepIndex]?.type === 'traffic' || plan.steps[last.stepIndex]?.type === 'bake');
  const ratio = { info: 0, variance: 0 };
  const floorRoute = { info: 0, variance: 0 };
  let served = 0;
  let elapsed = 0;
  const advance = (weight: number, span: number) => {
    const share = weight / 100;
    const errors = perMinute * p0 * span;
    const canary = perMinute * share * span;
    const byRatio = ratioMoments(share, ruleOut);
    const byFloor = floorMoments(p0, floor);
    // At thousands of errors a minute the versions' own wander, not the binomial, limits what a minute says.
    const dispersion = route.dispersion ? expectedDispersion(perMinute * p0, share) : 1;
    ratio.info += (errors * byRatio.drift) / dispersion;
    ratio.variance += (errors * byRatio.second) / dispersion;
    floorRoute.info += canary * byFloor.drift;
    floorRoute.variance += canary * byFloor.second;
    served += canary;
    elapsed += span;
  };
  const expectedMet = () => ratio.info >= level || (route.floor && floorRoute.info >= level);
  const slowMet = () => ratio.info - Z_99 * Math.sqrt(ratio.variance) >= level || (route.floor && floorRoute.info - Z_99 * Math.sqrt(floorRoute.variance) >= level);
  const steps: StepForecast[] = [];
  const forecast = (segment: Segment, expectedMinutes: number | undefined, slowMinutes: number | undefined, gathersEvidence: boolean) => {
    if (plan.steps[segment.stepIndex]?.type !== 'traffic' && !gathersEvidence) return;
    steps.push({ stepIndex: segment.stepIndex, weight: segment.weight, canaryPerMinute: (perMinute * segment.weight) / 100, expectedMinutes, slowMinutes, gathersEvidence });
  };
  for (const segment of gathers ? all.slice(0, -1) : all) {
    advance(segment.weight, segment.minutes);
    forecast(segment, segment.minutes, segment.minutes, false);
  }
  if (!gathers || last === undefined) {
    return { steps, expectedMinutes: elapsed, slowMinutes: elapsed, requestsToRuleOut: undefined, requestsByDeadline: served, feasible: true };
  }
  const before = elapsed;
  advance(last.weight, last.minutes);
  let expectedAt = expectedMet() ? elapsed : undefined;
  let requestsToRuleOut = expectedAt === undefined ? undefined : served;
  let slowAt = slowMet() ? elapsed : undefined;
  for (let minute = 0; minute < maxStepMinutes && slowAt === undefined; minute += 1) {
    advance(last.weight, 1);
    if (expectedAt === undefined && expectedMet()) {
      expectedAt = elapsed;
      requestsToRuleOut = served;
    }
    if (slowMet()) slowAt = elapsed;
  }
  const deadlineServed = served + ((perMinute * last.weight) / 100) * Math.max(0, before + last.minutes + maxStepMinutes - elapsed);
  forecast(last, expectedAt === undefined ? undefined : expectedAt - before, slowAt === undefined ? undefined : slowAt - before, true);
  return {
    steps,
    expectedMinutes: expectedAt,
    slowMinutes: slowAt,
    requestsToRuleOut,
    requestsByDeadline: deadlineServed,
    feasible: slowAt !== undefined,
  };
}

/**
 * The smallest error-rate ratio whose sequential test is expected to reach 1/α (with the mixture's
 * cost) by the last step's deadline: under ρ an error lands on the new version with probability θ_ρ.
 */
function smallestDetectable(plan: Plan, perMinute: number, p0: number, alpha: number, maxStepMinutes: number): number | undefined {
  const all = segments(plan);
  const lastIndex = all.length - 1;
  const needed = Math.log(1 / alpha) + MIXTURE_COST;
  for (let ratio = 1.1; ratio <= 64; ratio *= 1.02) {
    let information = 0;
    all.forEach((segment, index) => {
      const share = segment.weight / 100;
      if (share <= 0 || share >= 1) return;
      const span = segment.minutes + (index === lastIndex ? maxStepMinutes : 0);
      const canaryRate = Math.min(1, ratio * p0);
      const errors = perMinute * span * ((1 - share) * p0 + share * canaryRate);
      const theta = (share * canaryRate) / (share * canaryRate + (1 - share) * p0);
      information += (errors * binaryKl(theta, share)) / expectedDispersion(errors / span, share);
    });
    if (information >= needed) return Math.round(ratio * 10) / 10;
  }
  return undefined;
}

/** Raises a low-traffic plan's first weight, within the risk class's limit, so its bake sees enough requests. */
function raiseFirstWeight(plan: Plan, policy: Policy, risk: Risk, perMinute: number): { plan: Plan; from?: number; to?: number } {
  const index = plan.steps.findIndex((step) => step.type === 'traffic');
  const first = plan.steps[index];
  if (first?.type !== 'traffic' || first.weight <= 0 || first.weight >= 100) return { plan };
  const bake = minutes(stepDurationMs(first));
  if (bake <= 0 || perMinute <= 0) return { plan };
  const wanted = (100 * SAMPLE_MARGIN * policy.minSamples) / (perMinute * bake);
  const next = plan.steps.slice(index + 1).find((step): step is Extract<Step, { type: 'traffic' }> => step.type === 'traffic');
  const limit = Math.min(FIRST_WEIGHT_LIMIT[risk], next?.weight ?? 100);
  const weight = Math.round(Math.min(limit, wanted) * 1e4) / 1e4;
  if (weight <= first.weight) return { plan };
  const steps = plan.steps.map((step, at) => (at === index ? { ...first, weight } : step));
  return { plan: { ...plan, steps }, from: first.weight, to: weight };
}

/**
 * The pre-flight: from the stable version's recent traffic, the plan the release will run (its
 * first weight raised when traffic is low), each step's expected time, the smallest regression it
 * can catch, and what happens when its traffic cannot bring the evidence in time.
 */
export function preflight(plan: Plan, policy: Policy, risk: Risk, traffic: StableTraffic | undefined): { plan: Plan; report: Preflight } {
  const latencyObjectivesMs: Record<string, number> = {};
  for (const check of policy.checks) {
    if (check.method !== 'sequential' || check.sli.kind !== 'latency') continue;
    const stable = traffic?.latencyMs?.[check.sli.percentile];
    const objective = check.thresholdMs ?? (stable === undefined ? undefined : (check.maxRatio ?? 2) * stable);
    if (objective !== undefined && Number.isFinite(objective) && objective > 0) latencyObjectivesMs[checkLabel(check)] = Math.round(objective);
  }
  if (traffic === undefined || !(traffic.requestsPerMinute >= 0) || traffic.requests < 0) {
    return {
      plan,
      report: {
        steps: [],
        feasible: true,
        mode: 'judged',
        latencyObjectivesMs,
        warnings: [{ code: 'no_traffic_reading', message: 'no recent traffic on the stable version to forecast from: the release is judged as it goes, and pauses if the evidence does not come in time' }],
      },
    };
  }
  const warnings: PreflightWarning[] = [];
  const p0 = traffic.requests > 0 ? traffic.errors / traffic.requests : 0;
  const perMinute = traffic.requestsPerMinute;
  const raised = raiseFirstWeight(plan, policy, risk, perMinute);
  if (raised.from !== undefined && raised.to !== undefined) {
    warnings.push({ code: 'first_step_raised', message: `first step raised from ${weightText(raised.from)} to ${weightText(raised.to)}: at ${count(perMinute)} requests a minute, ${weightText(raised.from)} would see too few requests to judge in its bake (the ${risk}-risk limit is ${weightText(FIRST_WEIGHT_LIMIT[risk])})` });
  }
  const adjusted = raised.plan;
  const maxStepMinutes = minutes(parseDuration(policy.evidence.maxStepTime) ?? 0);
  const routes = evidenceRoutes(policy.evidence, p0, false);
  const route = walk(adjusted, perMinute, p0, policy, maxStepMinutes, { level: -ruleOutLevel(policy.evidence, routes), floor: routes.floor, dispersion: true });
  // Wald's bound on the expected information any test with the policy's α and β needs to rule the target out, on binomial counts.
  const limit = walk(adjusted, perMinute, p0, policy, maxStepMinutes, { level: binaryKl(1 - policy.alpha, policy.evidence.beta), floor: true, dispersion: false });

  for (const step of route.steps) {
    const bake = minutes(stepDurationMs(adjusted.steps[step.stepIndex]!));
    if (!step.gathersEvidence && step.canaryPerMinute * bake < policy.minSamples) {
      warnings.push({ code: 'step_below_min_samples', message: `step ${step.stepIndex + 1} (${weightText(step.weight)}) should see ${count(step.canaryPerMinute * bake)} requests in its ${formatDuration(bake * 60_000)} bake, below the ${policy.minSamples} the policy needs: it bakes longer` });
    }
  }
  for (const check of policy.checks) {
    if (isRateCeiling(check) && check.sli.kind === 'error_rate' && p0 > check.value) {
      warnings.push({ code: 'baseline_above_ceiling', message: `the stable version already fails ${percent(p0)} of requests, above the ${checkLabel(check)} of ${percent(check.value)}: the ceiling cannot judge this release, the comparison with the stable version does` });
    }
  }
  if (traffic.requests > 0 && traffic.errors === 0) {
    warnings.push({ code: 'no_errors_on_stable', message: `the stable version had no errors in ${count(traffic.requests)} requests: the gate rules out an error rate above ${percent(policy.evidence.floor)} instead of a ratio` });
  }
  if (!route.feasible) {
    const need = route.requestsToRuleOut === undefined ? `more than the ${count(route.requestsByDeadline)} requests it will see` : `about ${count(route.requestsToRuleOut)} requests on average and more in the slow cases`;
    warnings.push({ code: 'too_few_requests', message: `at ${count(perMinute)} requests a minute the plan cannot rule out ${policy.evidence.ruleOut}× the stable error rate within ${policy.evidence.maxStepTime} at its last step in 99% of healthy releases: the new version needs ${need}` });
  }

  const errorTest = policy.checks.find((check) => check.method === 'sequential' && check.sli.kind === 'error_rate');
  const alpha = errorTest ? shareOf(errorTest, policy) : policy.alpha;
  const detectableRatio = p0 > 0 ? smallestDetectable(adjusted, perMinute, p0, alpha, maxStepMinutes) : undefined;
  const mode: PreflightMode = route.feasible ? 'judged' : policy.evidence.onInfeasible === 'refuse' ? 'refused' : policy.evidence.onInfeasible;
  return {
    plan: adjusted,
    report: {
      traffic,
      stableErrorRate: p0,
      steps: route.steps,
      requestsToRuleOut: route.requestsToRuleOut,
      expectedMinutesToFull: route.expectedMinutes,
      slowMinutesToFull: route.slowMinutes,
      limitMinutesToFull: limit.expectedMinutes,
      detectableRatio,
      feasible: route.feasible,
      mode,
      latencyObjectivesMs,
      warnings,
    },
  };
}

/** The pre-flight in one line for people: `expected 18m to 100% (slow case 31m); catches 1.6× and above`. */
export function describePreflight(report: Preflight): string {
  if (report.traffic === undefined) return 'no traffic reading: judged as it goes';
  const parts = [`${count(report.traffic.requestsPerMinute)} requests/min at ${percent(report.stableErrorRate ?? 0)} errors`];
  if (report.expectedMinutesToFull !== undefined) parts.push(`expected ${formatDuration(Math.round(report.expectedMinutesToFull) * 60_000)} to 100%${report.slowMinutesToFull === undefined ? '' : ` (slow case ${formatDuration(Math.round(report.slowMinutesToFull) * 60_000)})`}`);
  else parts.push('cannot reach 100% on its evidence');
  if (report.detectableRatio !== undefined) parts.push(`catches ${report.detectableRatio}× the stable error rate and above`);
  const objectives = Object.entries(report.latencyObjectivesMs).map(([name, value]) => `${name} counts requests over ${ms(value)}`);
  parts.push(...objectives);
  const verdict = { judged: 'judged on its traffic', synthetic: 'judged on synthetic evidence', time: 'runs on time alone, unjudged', refused: 'refused: traffic too low to judge' }[report.mode];
  return `${parts.join('; ')}: ${verdict}`;
}

import * as z from 'zod';
import { parseDuration } from './duration.js';
import { PlanError, type Issue } from './errors.js';
import { formatPath, issuesFromZod } from './issues.js';

export const DurationSchema = z.string().max(32).refine((text) => parseDuration(text) !== undefined, {
  message: 'expected a duration such as 30s, 5m or 2h',
});

export const FLAG_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const COHORT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const TrafficStepSchema = z.strictObject({
  type: z.literal('traffic'),
  /** Percent of the alias's traffic on the new version, 0–100; Lambda receives weight / 100. */
  weight: z
    .number()
    .min(0)
    .max(100)
    // Lambda keeps a weight as a fraction with about six decimals: 0.0001% is the finest step it can confirm.
    .refine((weight) => Math.abs(weight * 1e4 - Math.round(weight * 1e4)) < 1e-6, { message: 'weights have at most four decimals, e.g. 0.0125' }),
  /** The least time the step runs before it may advance. */
  minBake: DurationSchema.default('0s'),
});
export const PauseStepSchema = z.strictObject({
  type: z.literal('pause'),
  /** A duration, or `indefinite` to wait for a person to resume. */
  duration: z.union([z.literal('indefinite'), DurationSchema]),
});
export const ApprovalStepSchema = z.strictObject({
  type: z.literal('approval'),
  role: z.string().min(1).max(64),
});
export const FlagStepSchema = z.strictObject({
  type: z.literal('flag'),
  key: z.string().regex(FLAG_KEY, 'expected a flag key: letters, digits, _ . -'),
  cohort: z.string().regex(COHORT_NAME, 'expected a cohort name: letters, digits, _ . -'),
  percent: z.number().min(0).max(100),
});
export const BakeStepSchema = z.strictObject({
  type: z.literal('bake'),
  duration: DurationSchema,
});

export const StepSchema = z.discriminatedUnion('type', [
  TrafficStepSchema,
  PauseStepSchema,
  ApprovalStepSchema,
  FlagStepSchema,
  BakeStepSchema,
]);

export const PlanSchema = z.strictObject({
  /** The preset this plan came from, when it did. */
  preset: z.string().max(64).optional(),
  steps: z.array(StepSchema).min(1, 'a plan needs at least one step').max(100),
  /** How long the SLIs are still watched at 100% before the release succeeds. */
  verification: DurationSchema.default('30m'),
  /** How long a step may hold on inconclusive evidence past its bake; default 2× the bake, at least 5m. */
  progressDeadline: DurationSchema.optional(),
});

/** A plan as a release runs it: defaults filled and a trailing 100% step dropped, so AllAtOnce has no steps. */
export const ResolvedPlanSchema = PlanSchema.extend({ steps: z.array(StepSchema).max(100) });

export type Step = z.infer<typeof StepSchema>;
export type Plan = z.infer<typeof PlanSchema>;

/** Rules across steps that a per-field schema cannot see. */
function crossStepIssues(plan: Plan): Issue[] {
  const issues: Issue[] = [];
  let previousWeight = 0;
  let previousIndex = -1;
  plan.steps.forEach((step, index) => {
    if (step.type !== 'traffic') return;
    const at = (field: string) => formatPath(['steps', index, field]);
    if (step.weight < previousWeight) {
      issues.push({
        path: at('weight'),
        message: `weight ${step.weight} is below step ${previousIndex}'s ${previousWeight}: weights never go down during a release`,
      });
    }
    if (step.weight === 100) {
      if (index !== plan.steps.length - 1) {
        issues.push({ path: at('weight'), message: 'a 100% step is the promotion and must be the last step' });
      } else if (parseDuration(step.minBake) !== 0) {
        issues.push({ path: at('minBake'), message: 'the 100% step is the promotion; use `verification` to watch after it' });
      }
    }
    previousWeight = Math.max(previousWeight, step.weight);
    previousIndex = index;
  });
  return issues;
}

/**
 * Validates a plan and fills its defaults. Throws PlanError naming every step and field at fault.
 * A trailing 100% traffic step is dropped: every plan ends in promotion.
 */
export function parsePlan(input: unknown): Plan {
  const parsed = PlanSchema.safeParse(input);
  if (!parsed.success) throw new PlanError(issuesFromZod(parsed.error));
  const issues = crossStepIssues(parsed.data);
  if (issues.length > 0) throw new PlanError(issues);
  const steps = parsed.data.steps;
  const last = steps.at(-1);
  const trimmed = last?.type === 'traffic' && last.weight === 100 ? steps.slice(0, -1) : steps;
  return { ...parsed.data, steps: trimmed };
}

/** Milliseconds a step must run before it can complete: its bake, pause or zero. */
export function stepDurationMs(step: Step): number {
  switch (step.type) {
    case 'traffic':
      return parseDuration(step.minBake) ?? 0;
    case 'bake':
      return parseDuration(step.duration) ?? 0;
    case 'pause':
      return step.duration === 'indefinite' ? Number.POSITIVE_INFINITY : (parseDuration(step.duration) ?? 0);
    case 'approval':
    case 'flag':
      return 0;
  }
}

export function verificationMs(plan: Plan): number {
  return parseDuration(plan.verification) ?? 0;
}

/** How long a step may hold on inconclusive evidence beyond its own duration. */
export function progressDeadlineMs(plan: Plan, step: Step): number {
  if (plan.progressDeadline !== undefined) return parseDuration(plan.progressDeadline) ?? 0;
  const own = stepDurationMs(step);
  return Math.max(2 * (Number.isFinite(own) ? own : 0), 5 * 60_000);
}

/** The weight in effect once `stepIndex` steps have been entered (0 before any traffic step). */
export function weightAt(plan: Plan, stepIndex: number): number {
  let weight = 0;
  for (const step of plan.steps.slice(0, stepIndex + 1)) {
    if (step.type === 'traffic') weight = step.weight;
  }
  return weight;
}

/** The minimum time from start to 100%: every step's own duration, with no holds. */
export function minimumTimeToFullMs(plan: Plan): number {
  return plan.steps.reduce((sum, step) => sum + (step.type === 'pause' && step.duration === 'indefinite' ? 0 : stepDurationMs(step)), 0);
}

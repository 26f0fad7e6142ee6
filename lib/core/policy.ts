import * as z from 'zod';
import { PlanError } from './errors.js';
import { issuesFromZod } from './issues.js';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected letters, digits, _ . -');

export const SliSchema = z.discriminatedUnion('kind', [
  /** Errors / Invocations of one version. */
  z.strictObject({ kind: z.literal('error_rate') }),
  /** Throttles / (Invocations + Throttles) of one version. */
  z.strictObject({ kind: z.literal('throttle_rate') }),
  /** A Duration percentile of one version, in milliseconds. */
  z.strictObject({ kind: z.literal('latency'), percentile: z.enum(['p50', 'p90', 'p99']) }),
  /** Any CloudWatch metric or metric-math expression, queried per version. */
  z
    .strictObject({
      kind: z.literal('custom'),
      metric: z
        .strictObject({
          namespace: z.string().min(1).max(255),
          metricName: z.string().min(1).max(255),
          dimensions: z.record(z.string().min(1).max(255), z.string().max(1024)).default({}),
          stat: z.string().min(1).max(32).default('Average'),
        })
        .optional(),
      /** Metric math over `invocations`, `errors`, `throttles` and `duration` of the version, e.g. `errors / invocations * 100`. */
      expression: z.string().min(1).max(1024).optional(),
      /** How per-period values combine over a window. */
      aggregate: z.enum(['mean', 'max', 'sum']).default('mean'),
    })
    .refine((sli) => (sli.metric === undefined) !== (sli.expression === undefined), {
      message: 'a custom SLI needs exactly one of `metric` or `expression`',
    }),
]);

const comparator = z.enum(['<', '<=', '>', '>=']);

export const CheckSchema = z.discriminatedUnion('method', [
  /** An absolute limit: the SLI compared with `value`. Rates are fractions (0.01 is 1%), latency is milliseconds. */
  z.strictObject({
    name: name.optional(),
    sli: SliSchema,
    method: z.literal('threshold'),
    comparator: comparator.default('<='),
    value: z.number().finite(),
    /** For rates: the false-fail bound of the anytime-valid test behind the ceiling. */
    alpha: z.number().gt(0).lt(0.5).default(0.01),
  }),
  /** Against the stable version's live traffic: new ≤ maxRatio × baseline + slack. */
  z.strictObject({
    name: name.optional(),
    sli: SliSchema,
    method: z.literal('baseline'),
    maxRatio: z.number().positive().finite(),
    /** Absolute slack that keeps tiny baselines from failing on noise (SLI units). */
    slack: z.number().min(0).finite().default(0),
  }),
  /** The two-sample mixture SPRT on counts against the baseline. */
  z.strictObject({
    name: name.optional(),
    sli: z.strictObject({ kind: z.literal('error_rate') }),
    method: z.literal('sequential'),
    /** The bound on ever rolling back a healthy version, however often the test looks. */
    alpha: z.number().gt(0).lt(0.5).default(0.01),
    /**
     * Evidence at which a step holds instead of advancing (the mixture likelihood ratio).
     * Between this and 1/alpha the step bakes longer, up to its progress deadline.
     */
    holdAbove: z.number().gt(1).default(2),
  }),
]);

export const PolicySchema = z.strictObject({
  checks: z.array(CheckSchema).min(1, 'a policy needs at least one check').max(50),
  /** New-version requests a window needs before a check may pass. */
  minSamples: z.number().int().min(1).max(1_000_000).default(20),
  /** Failed judgements tolerated before rolling back; 0 rolls back on the first. */
  failureLimit: z.number().int().min(0).max(100).default(0),
  /** Metric-provider errors in a row before the release pauses, fail-safe. */
  consecutiveErrorLimit: z.number().int().min(1).max(100).default(4),
  /**
   * Whole periods after a step starts that latency checks leave out, besides the period the step
   * started in: the cold starts that follow a weight shift are expected, not a regression
   * (Kayenta's warm-up). Counted in periods so that it means the same at any metric resolution.
   */
  latencyWarmupPeriods: z.number().int().min(0).max(10).default(1),
  /** What happens when a step is still inconclusive at its progress deadline. */
  onInconclusive: z.enum(['pause', 'rollback']).default('pause'),
  /**
   * What happens when a step is still held at its deadline because the evidence leans towards a
   * regression (a suspicious check). Rolling back keeps users on the version with no doubt over it.
   */
  onSuspicious: z.enum(['pause', 'rollback']).default('rollback'),
});

export type Sli = z.infer<typeof SliSchema>;
export type Check = z.infer<typeof CheckSchema>;
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

/**
 * Used when a release names no policy: the sequential error-rate test against baseline
 * (alpha 1%), an absolute error-rate ceiling of 1%, and p99 no more than 2× the baseline's.
 */
export const DEFAULT_POLICY_INPUT: PolicyInput = {
  checks: [
    { name: 'error-rate-vs-baseline', sli: { kind: 'error_rate' }, method: 'sequential', alpha: 0.01 },
    { name: 'error-rate-ceiling', sli: { kind: 'error_rate' }, method: 'threshold', comparator: '<=', value: 0.01 },
    { name: 'p99-vs-baseline', sli: { kind: 'latency', percentile: 'p99' }, method: 'baseline', maxRatio: 2 },
  ],
};

/** Validates a policy and fills defaults; throws PlanError with paths under `policy`. */
export function parsePolicy(input: unknown = DEFAULT_POLICY_INPUT): Policy {
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) throw new PlanError(issuesFromZod(parsed.error, ['policy']));
  const names = new Set<string>();
  const issues = parsed.data.checks.flatMap((check, index) => {
    const checkName = checkLabel(check);
    if (names.has(checkName)) return [{ path: `policy.checks[${index}].name`, message: `duplicate check name '${checkName}': give each check its own name` }];
    names.add(checkName);
    return [];
  });
  if (issues.length > 0) throw new PlanError(issues);
  return parsed.data;
}

export const DEFAULT_POLICY: Policy = parsePolicy(DEFAULT_POLICY_INPUT);

/** A check's display name: its own, or one derived from what it measures. */
export function checkLabel(check: Check): string {
  if (check.name !== undefined) return check.name;
  const sli = check.sli.kind === 'latency' ? `latency-${check.sli.percentile}` : check.sli.kind.replace('_', '-');
  return `${sli}-${check.method}`;
}

import * as z from 'zod';
import { parseDuration } from './duration.js';
import { PlanError, type Issue } from './errors.js';
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

/** A check's share of the policy's α: the bound on this check ever rolling back a healthy version. */
const alphaShare = z.number().gt(0).lt(0.5);

export const CheckSchema = z.discriminatedUnion('method', [
  /** An absolute limit: the SLI compared with `value`. Rates are fractions (0.01 is 1%), latency is milliseconds. */
  z.strictObject({
    name: name.optional(),
    sli: SliSchema,
    method: z.literal('threshold'),
    comparator: comparator.default('<='),
    value: z.number().finite(),
    /**
     * For a ceiling on a rate (`<` or `<=`): its share of the policy's α, spent by the anytime-valid
     * test behind it. Unset, it takes an equal part of what the other checks leave.
     */
    alpha: alphaShare.optional(),
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
  /**
   * A two-sample mixture SPRT against the stable version's live traffic: on errors for
   * `error_rate`, and for `latency` on the requests slower than `maxRatio` × the stable version's
   * percentile (or `thresholdMs`), so a percentile guard keeps the same promise as the error test.
   */
  z
    .strictObject({
      name: name.optional(),
      sli: z.union([z.strictObject({ kind: z.literal('error_rate') }), z.strictObject({ kind: z.literal('latency'), percentile: z.enum(['p50', 'p90', 'p99']) })]),
      method: z.literal('sequential'),
      /** Its share of the policy's α: the bound on this test ever rolling back a healthy version, however often it looks. */
      alpha: alphaShare.optional(),
      /**
       * Evidence at which a step holds instead of advancing (the mixture likelihood ratio).
       * Between this and 1/alpha the step bakes longer, up to its progress deadline.
       */
      holdAbove: z.number().gt(1).default(2),
      /** For latency: the objective is this multiple of the stable version's percentile before the release. */
      maxRatio: z.number().gt(1).max(100).optional(),
      /** For latency: a fixed objective in milliseconds instead of one read from the stable version. */
      thresholdMs: z.number().positive().finite().optional(),
    })
    .refine((check) => check.sli.kind === 'latency' || (check.maxRatio === undefined && check.thresholdMs === undefined), {
      message: '`maxRatio` and `thresholdMs` apply to latency only',
      path: ['maxRatio'],
    }),
]);

/** What a step needs before the release may reach 100%, and what happens when traffic cannot supply it. */
export const EvidenceSchema = z.strictObject({
  /**
   * The regression to rule out before promotion: the new version's error rate this many times
   * the stable version's. Ruled out when Λ(ruleOut) ≤ ln(β/2) (the one-ratio likelihood against "no
   * change"), or when the new version's error rate is shown below `floor` with the same error.
   */
  ruleOut: z.number().gt(1).max(100).default(2),
  /** The chance that a version as bad as `ruleOut` (and above `floor`) reaches 100% anyway. */
  beta: z.number().gt(0).lt(0.5).default(0.05),
  /** An error rate below which no regression is worth holding a release for (0.1%). */
  floor: z.number().gt(0).lt(1).default(0.001),
  /** The longest a step waits for that evidence past its bake. */
  maxStepTime: z
    .string()
    .max(32)
    .refine((text) => parseDuration(text) !== undefined, { message: 'expected a duration such as 30m or 4h' })
    .default('4h'),
  /**
   * When traffic cannot supply the evidence in time: `refuse` the release before it starts,
   * judge it on `synthetic` evidence (paired probes), or proceed on `time` alone, labelled unjudged.
   */
  onInfeasible: z.enum(['refuse', 'synthetic', 'time']).default('refuse'),
  /** The paired probes' share of α, for releases that opt into them; counted in the policy's sum. */
  probeAlpha: alphaShare.default(0.001),
});

export const PolicySchema = z.strictObject({
  /**
   * The bound on the whole policy rolling back a version as good as the stable one: every check
   * that can roll back spends a share of it, and the shares sum to at most this.
   */
  alpha: z.number().gt(0).lt(0.5).default(0.01),
  evidence: EvidenceSchema.default(() => EvidenceSchema.parse({})),
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
  onSuspicious: z.enum(['pause', 'rollback']).default('pause'),
  /**
   * What a failing check without a sequential test does (a latency ratio, a custom threshold): no
   * α can be spent on it, so by default it pauses for a person; `rollback` leaves the guarantee.
   */
  onHeuristicFail: z.enum(['pause', 'rollback']).default('pause'),
});

export type Sli = z.infer<typeof SliSchema>;
export type Evidence = z.infer<typeof EvidenceSchema>;
export type Check = z.infer<typeof CheckSchema>;
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

/**
 * Used when a release names no policy. α = 1% for the whole policy: 0.5% for the sequential
 * error-rate test against the stable version, 0.2% for the 1% error-rate ceiling, 0.2% for the
 * sequential p99 test (requests slower than 2× the stable p99) and 0.1% for paired probes.
 */
export const DEFAULT_POLICY_INPUT: PolicyInput = {
  alpha: 0.01,
  checks: [
    { name: 'error-rate-vs-baseline', sli: { kind: 'error_rate' }, method: 'sequential', alpha: 0.005 },
    { name: 'error-rate-ceiling', sli: { kind: 'error_rate' }, method: 'threshold', comparator: '<=', value: 0.01, alpha: 0.002 },
    { name: 'p99-vs-baseline', sli: { kind: 'latency', percentile: 'p99' }, method: 'sequential', maxRatio: 2, alpha: 0.002 },
  ],
};

/** A ceiling on a rate: an anytime-valid test that spends α. */
export function isRateCeiling(check: Check): check is Extract<Check, { method: 'threshold' }> {
  return check.method === 'threshold' && (check.sli.kind === 'error_rate' || check.sli.kind === 'throttle_rate') && (check.comparator === '<' || check.comparator === '<=');
}

/** Whether a check's failure is a test at a known α (sequential tests and rate ceilings), not a heuristic. */
export function spendsAlpha(check: Check): boolean {
  return check.method === 'sequential' || isRateCeiling(check);
}

/** A check's share of α once the policy is parsed; undefined for heuristic checks. */
export function alphaOf(check: Check): number | undefined {
  return spendsAlpha(check) && 'alpha' in check ? check.alpha : undefined;
}

/** What the declared shares (and the probes') leave of α, and how many α-spending checks split it. */
function undeclaredShare(policy: Policy): { left: number; unset: number; share: number } {
  const spending = policy.checks.filter(spendsAlpha);
  const declared = spending.reduce((sum, check) => sum + (alphaOf(check) ?? 0), policy.evidence?.probeAlpha ?? 0);
  const unset = spending.filter((check) => alphaOf(check) === undefined).length;
  const left = policy.alpha - declared;
  return { left, unset, share: unset > 0 ? Math.max(0, left) / unset : 0 };
}

/**
 * A check's share of α: its declared one, or, for a policy stored before every check carried a
 * share, the equal part of what the declared shares leave (the rule parsing applies).
 */
export function shareOf(check: Check, policy: Policy): number {
  return alphaOf(check) ?? undeclaredShare(policy).share;
}

/** Gives each α-spending check without a share an equal part of what the declared shares leave. */
function withAlphaShares(policy: Policy): { policy: Policy; issues: Issue[] } {
  const spending = policy.checks.filter(spendsAlpha);
  const { left, unset, share } = undeclaredShare(policy);
  const shares = [...spending.map((check) => `${checkLabel(check)} ${alphaOf(check) ?? 'unset'}`), `probes ${policy.evidence.probeAlpha}`].join(', ');
  if (left < -1e-12 || (unset > 0 && left <= 1e-12)) {
    return { policy, issues: [{ path: 'policy.alpha', message: `the checks' shares of α (${shares}) sum to more than the policy's α of ${policy.alpha}: lower a share or raise α` }] };
  }
  const checks = policy.checks.map((check) => (spendsAlpha(check) && alphaOf(check) === undefined ? ({ ...check, alpha: share } as Check) : check));
  return { policy: { ...policy, checks }, issues: [] };
}

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
  const shared = withAlphaShares(parsed.data);
  if (shared.issues.length > 0) throw new PlanError(shared.issues);
  return shared.policy;
}

export const DEFAULT_POLICY: Policy = parsePolicy(DEFAULT_POLICY_INPUT);

/** A check's display name: its own, or one derived from what it measures. */
export function checkLabel(check: Check): string {
  if (check.name !== undefined) return check.name;
  const sli = check.sli.kind === 'latency' ? `latency-${check.sli.percentile}` : check.sli.kind.replace('_', '-');
  return `${sli}-${check.method}`;
}

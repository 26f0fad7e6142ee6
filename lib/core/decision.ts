export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** One check's verdict and the numbers behind it. */
export interface CheckResult {
  readonly check: string;
  readonly sli: string;
  readonly method: 'threshold' | 'baseline' | 'sequential';
  readonly verdict: Verdict;
  /** The new version's value in the window (a rate as a fraction, latency in ms). */
  readonly canary?: number | undefined;
  readonly baseline?: number | undefined;
  readonly canaryCounts?: { readonly events: number; readonly total: number } | undefined;
  readonly baselineCounts?: { readonly events: number; readonly total: number } | undefined;
  /** The limit the value was held to, in the SLI's units. */
  readonly threshold?: number | undefined;
  /** For tests: the statistic (a mixture likelihood ratio) and the level that decides. */
  readonly statistic?: number | undefined;
  readonly criticalValue?: number | undefined;
  /** Inconclusive because the evidence leans towards a regression, not for want of samples. */
  readonly suspicious?: boolean | undefined;
  /** A plain comparison with no α behind it: its failure pauses for a person unless the policy says otherwise. */
  readonly heuristic?: boolean | undefined;
  /** A ceiling the stable version breaks too: it passes the decision to the comparison with the stable version. */
  readonly deferred?: boolean | undefined;
  readonly note: string;
}

/**
 * Whether the release has ruled out the policy's target regression: Λ(ρ) ≤ ln(β/2) on the error
 * counts since the start, or the new version's error rate shown below the floor at β/2.
 */
export interface EvidenceResult {
  readonly ruledOut: boolean;
  /** How it was ruled out, when it was. */
  readonly by?: 'ratio' | 'floor' | undefined;
  /** The regression to rule out, as a ratio to the stable error rate. */
  readonly ratio: number;
  /** Λ(ρ) and the level ln(β/2) it must reach. */
  readonly logLikelihood: number;
  readonly level: number;
  /** New-version requests and errors since the start, and the stable version's. */
  readonly canaryRequests: number;
  readonly canaryErrors: number;
  readonly baselineRequests: number;
  readonly baselineErrors: number;
  /** Expected new-version requests still needed at the stable rate seen so far; undefined when unknown. */
  readonly requestsLeft?: number | undefined;
  readonly note: string;
}

export interface Judgement {
  readonly verdict: Verdict;
  readonly checks: readonly CheckResult[];
  /** The query window, epoch milliseconds. */
  readonly window: { readonly start: number; readonly end: number };
  readonly canaryRequests: number;
  /** Before promotion: whether the target regression is ruled out yet. */
  readonly evidence?: EvidenceResult | undefined;
}

export const DECISION_ACTIONS = ['advance', 'hold', 'pause', 'rollback', 'promote', 'succeed', 'none'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

export const DECISION_REASONS = [
  'step_passed',
  'step_complete',
  'baking',
  'routing_unconfirmed',
  'inconclusive',
  'suspicious',
  'awaiting_approval',
  'approved',
  'timed_pause',
  'indefinite_pause',
  'flag_step',
  'analysis_failed',
  'failure_tolerated',
  'deadline_inconclusive',
  'deadline_suspicious',
  'gathering_evidence',
  'deadline_evidence',
  'breach_paused',
  'metrics_unavailable',
  'metrics_error',
  'verifying',
  'verification_passed',
  'not_active',
  // Synthetic evidence (lib/core/synthetic.ts): a lifecycle hook failed, or the paired probes did.
  'hook_failed',
  'probes_failed',
] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

export interface Decision {
  readonly action: DecisionAction;
  readonly reason: DecisionReason;
  readonly at: string;
  readonly stepIndex: number;
  readonly weight: number;
  /** The weight the action moves to, for advance, promote and rollback. */
  readonly toWeight?: number | undefined;
  readonly judgement?: Judgement | undefined;
  /** Whether the metrics source answered; consecutive failures pause the release. */
  readonly measurement: 'ok' | 'error' | 'skipped';
  readonly explanation: string;
}

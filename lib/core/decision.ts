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
  readonly note: string;
}

export interface Judgement {
  readonly verdict: Verdict;
  readonly checks: readonly CheckResult[];
  /** The query window, epoch milliseconds. */
  readonly window: { readonly start: number; readonly end: number };
  readonly canaryRequests: number;
}

export type DecisionAction = 'advance' | 'hold' | 'pause' | 'rollback' | 'promote' | 'succeed' | 'none';

export type DecisionReason =
  | 'step_passed'
  | 'step_complete'
  | 'baking'
  | 'routing_unconfirmed'
  | 'inconclusive'
  | 'suspicious'
  | 'awaiting_approval'
  | 'approved'
  | 'timed_pause'
  | 'indefinite_pause'
  | 'flag_step'
  | 'analysis_failed'
  | 'failure_tolerated'
  | 'deadline_inconclusive'
  | 'deadline_suspicious'
  | 'metrics_unavailable'
  | 'metrics_error'
  | 'verifying'
  | 'verification_passed'
  | 'not_active'
  // Synthetic evidence (lib/core/synthetic.ts): a lifecycle hook failed, or the paired probes did.
  | 'hook_failed'
  | 'probes_failed';

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

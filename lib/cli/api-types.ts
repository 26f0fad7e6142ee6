import type { DeliveryMetrics, DurationStats } from '../core/delivery.js';
/** The parts of the API's answers the CLI reads; --json prints the answers whole. */

export interface StepView {
  readonly index: number;
  readonly total: number;
  readonly description: string;
}

export type Outcome = 'pending' | 'paused' | 'succeeded' | 'rolled_back' | 'aborted';

export interface GateView {
  readonly outcome: Outcome;
  readonly state: string;
  readonly step: StepView;
  readonly weight: number;
  readonly explanation: string;
  readonly revision: number;
  readonly checks: readonly { readonly check: string; readonly verdict: string; readonly note: string }[];
}

/** A step's forecast; minutes are absent (or null, JSON's infinity) when it cannot finish in its maximum time. */
export interface StepForecastView {
  readonly stepIndex: number;
  readonly weight: number;
  readonly canaryPerMinute: number;
  readonly expectedMinutes?: number | null;
  readonly slowMinutes?: number | null;
  readonly gathersEvidence: boolean;
}

export type PreflightMode = 'judged' | 'synthetic' | 'time' | 'refused';

/** lib/core/preflight.ts's Preflight as JSON. */
export interface PreflightView {
  readonly traffic?: { readonly requestsPerMinute: number; readonly requests: number; readonly errors: number; readonly windowMinutes: number; readonly latencyMs?: Readonly<Record<string, number>> };
  readonly stableErrorRate?: number;
  readonly steps: readonly StepForecastView[];
  readonly requestsToRuleOut?: number;
  readonly expectedMinutesToFull?: number;
  readonly slowMinutesToFull?: number;
  readonly limitMinutesToFull?: number;
  readonly detectableRatio?: number;
  readonly feasible: boolean;
  readonly mode: PreflightMode;
  readonly latencyObjectivesMs: Readonly<Record<string, number>>;
  readonly warnings: readonly { readonly code: string; readonly message: string }[];
}

/** POST /releases with `dryRun: true`. */
export interface DryRunView {
  readonly dryRun: true;
  readonly plan: ReleaseView['plan'];
  readonly preflight: PreflightView;
}

export interface ReleaseView {
  readonly id: string;
  readonly function: string;
  readonly alias: string;
  readonly version: string;
  readonly stableVersion: string;
  readonly state: string;
  readonly risk: string;
  readonly plan: { readonly preset?: string; readonly steps: readonly unknown[]; readonly verification: string };
  readonly currentStep: StepView;
  readonly weight: number;
  readonly aliasWeight: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly createdBy?: string;
  readonly pauseReason?: string;
  readonly rollbackReason?: string;
  readonly description?: string;
  readonly commit?: { readonly sha: string; readonly authoredAt: string };
  readonly decisions: readonly { readonly action: string; readonly at: string; readonly explanation: string }[];
  readonly actors: readonly { readonly actor: string; readonly action: string; readonly at: string; readonly reason?: string }[];
  readonly revision: number;
  readonly preflight?: PreflightView;
  /** Runs on time alone: no SLI judges it. */
  readonly unjudged?: boolean;
}

export interface StoredFlagView {
  readonly key: string;
  readonly version: number;
  readonly definition: Readonly<Record<string, unknown>>;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly reason?: string;
}

export interface FlagSetView {
  readonly flags: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly $evaluators?: Readonly<Record<string, unknown>>;
}

/** The delivery report as the API sends it: the core's metrics, and the filter it was asked for. */
export type DurationStatsView = DurationStats;
export type DeliveryReportView = DeliveryMetrics & { readonly function: string | null; readonly truncated: boolean };

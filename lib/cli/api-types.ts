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

export interface DurationStatsView {
  readonly count: number;
  readonly medianMs: number | null;
  readonly p90Ms: number | null;
}

export interface DeliveryReportView {
  readonly since: string;
  readonly until: string;
  readonly function: string | null;
  readonly releases: number;
  readonly finished: number;
  readonly succeeded: number;
  readonly rolledBack: number;
  readonly aborted: number;
  readonly deploymentsPerDay: number;
  readonly leadTime: DurationStatsView;
  readonly changeFailureRate: number | null;
  readonly timeToRestore: DurationStatsView;
  readonly rollbackSuccessRate: number | null;
  readonly humanInterventionRate: number | null;
  readonly truncated: boolean;
}

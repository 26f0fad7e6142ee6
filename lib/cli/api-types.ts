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

/** The delivery report as the API sends it: the core's metrics, and the filter it was asked for. */
export type DurationStatsView = DurationStats;
export type DeliveryReportView = DeliveryMetrics & { readonly function: string | null; readonly truncated: boolean };

import type { FunctionInvoker } from '../invoker.js';
import type { Clock, FlagRamps, MetricsSource, Notifier, ReleaseStore, TrafficRouter } from '../ports.js';

/** Structured logging; AWS Lambda Powertools' Logger fits this shape. */
export interface EngineLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface EngineConfig {
  /** How long after a decision the evaluator looks at a release again. */
  readonly evaluationIntervalMs: number;
  /**
   * Rollbacks per tick, with exponential backoff from rollbackBackoffMs: the engine's one retry
   * loop over the router. Each is one UpdateAlias that the SDK client tries up to 3 times
   * (SDK_RETRIES in lib/wiring/aws-clients.ts), so a rollback tick makes at most
   * rollbackAttempts × 3 UpdateAlias calls: 3 × 3 = 9 by default.
   */
  readonly rollbackAttempts: number;
  readonly rollbackBackoffMs: number;
  /** How soon a rollback that could not be confirmed is tried again. */
  readonly rollbackRetryMs: number;
  /** Releases ticked at once by tickDue. */
  readonly tickConcurrency: number;
  /** Due releases one tickDue call takes on. */
  readonly dueBatchSize: number;
  /** Reloads after a lost conditional write before a tick gives up for this round. */
  readonly conflictRetries: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  evaluationIntervalMs: 60_000,
  rollbackAttempts: 3,
  rollbackBackoffMs: 250,
  rollbackRetryMs: 15_000,
  tickConcurrency: 16,
  dueBatchSize: 1_000,
  conflictRetries: 5,
};

export interface EngineDeps {
  readonly store: ReleaseStore;
  readonly router: TrafficRouter;
  readonly metrics: MetricsSource;
  readonly notifier: Notifier;
  readonly clock: Clock;
  /** Absent when flags are not configured; plans with flag steps are then refused. */
  readonly flags?: FlagRamps | undefined;
  /** Invokes hook functions and probes for synthetic evidence; absent, releases that ask for it are refused. */
  readonly invoker?: FunctionInvoker | undefined;
  readonly logger: EngineLogger;
  readonly newId: () => string;
  readonly config: EngineConfig;
}

export const silentLogger: EngineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

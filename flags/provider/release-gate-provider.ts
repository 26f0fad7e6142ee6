/**
 * The OpenFeature server provider for Release Gate flags. It evaluates in process with flagd-core
 * over a cached flag set, refreshes the set in the background with its ETag, and keeps serving the
 * last good set when a refresh fails.
 */
import { FlagdCore } from '@openfeature/flagd-core';
import {
  OpenFeatureEventEmitter,
  ProviderEvents,
  ProviderFatalError,
  ProviderNotReadyError,
  type EvaluationContext,
  type JsonValue,
  type Logger,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import * as z from 'zod';
import { FlagSourceError, type FlagSetSource } from './flag-source.js';

/** @public For providers built on another fetch or source. */
export type { FlagSetFetch, FlagSetSource } from './flag-source.js';

/** Runs `task` every `ms` until the returned function is called. */
export type Scheduler = (ms: number, task: () => void) => () => void;

export interface ReleaseGateProviderOptions {
  readonly source: FlagSetSource;
  /** How often the set is fetched again (with its ETag). 0 turns polling off. @default 30000 */
  readonly refreshIntervalMs?: number | undefined;
  /** Data older than this (since the last successful fetch) makes the provider STALE. @default 3 × refreshIntervalMs */
  readonly staleAfterMs?: number | undefined;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: (() => number) | undefined;
  /** @default setInterval, unref'd so it never keeps a process alive */
  readonly scheduler?: Scheduler | undefined;
  /** Where refresh failures and flagd-core's warnings go. @default console */
  readonly logger?: Logger | undefined;
}

const intervalScheduler: Scheduler = (ms, task) => {
  const handle = setInterval(task, ms);
  handle.unref();
  return () => clearInterval(handle);
};

/** Just enough shape to refuse a document that would silently empty the set (`{}` from a wrong URL). */
const FlagSetShape = z.looseObject({
  flags: z.record(z.string(), z.looseObject({})),
  $evaluators: z.record(z.string(), z.unknown()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export class ReleaseGateProvider implements Provider {
  readonly metadata = { name: 'release-gate' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();

  private readonly source: FlagSetSource;
  private readonly refreshIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly scheduler: Scheduler;
  private readonly logger: Logger;
  private readonly core: FlagdCore;

  private etag: string | undefined;
  private hasData = false;
  private lastFreshAt = 0;
  private stale = false;
  /** Set when initialize failed: the SDK then waits for a READY event that only we can send. */
  private readyWhenData = false;
  private inFlight: Promise<void> | undefined;
  private stopTimer: (() => void) | undefined;

  constructor(options: ReleaseGateProviderOptions) {
    this.source = options.source;
    this.refreshIntervalMs = options.refreshIntervalMs ?? 30_000;
    this.staleAfterMs = options.staleAfterMs ?? 3 * (this.refreshIntervalMs || 30_000);
    if (!(this.refreshIntervalMs >= 0)) throw new RangeError(`refreshIntervalMs must be ≥ 0, got ${options.refreshIntervalMs}`);
    if (!(this.staleAfterMs > 0)) throw new RangeError(`staleAfterMs must be > 0, got ${options.staleAfterMs}`);
    this.now = options.now ?? Date.now;
    this.scheduler = options.scheduler ?? intervalScheduler;
    this.logger = options.logger ?? console;
    this.core = new FlagdCore(undefined, this.logger);
  }

  /**
   * Fetches the first set. Rejects when it cannot: with ProviderFatalError when retrying cannot
   * help (the SDK then stays FATAL), otherwise with the error, while polling goes on and the
   * first good set makes the provider READY.
   */
  async initialize(): Promise<void> {
    if (this.refreshIntervalMs > 0 && this.stopTimer === undefined) this.stopTimer = this.scheduler(this.refreshIntervalMs, () => this.tick());
    try {
      await this.refresh();
    } catch (error) {
      if (error instanceof FlagSourceError && error.fatal) {
        this.stopTimer?.();
        throw new ProviderFatalError(`release-gate: ${error.message}`, { cause: error });
      }
      this.readyWhenData = true;
      throw error;
    }
  }

  /** Stops polling. A fetch in flight is left to finish on its own: closing never waits on the network. */
  onClose(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    return Promise.resolve();
  }

  /** One polling round: notices staleness even while a fetch hangs, and never overlaps fetches. */
  tick(): void {
    this.checkStale();
    if (this.inFlight !== undefined) return;
    this.inFlight = this.refresh()
      .catch((error: unknown) => {
        this.logger.warn(`release-gate: flag refresh failed, serving the last good set: ${String(error)}`);
        this.checkStale();
      })
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  /** Fetch, validate and swap. Throws when the source fails or sends a broken set; the old set stays. */
  async refresh(): Promise<void> {
    const fetched = await this.source.fetch(this.etag);
    if (fetched.notModified === true) {
      if (!this.hasData) throw new FlagSourceError('the source answered "not modified" before sending any set', false);
      this.markFresh();
      return;
    }
    const shape = FlagSetShape.safeParse(fetched.flagSet);
    if (!shape.success) throw new FlagSourceError(`the source sent something that is not a flag set: ${z.prettifyError(shape.error)}`, false);
    // flagd-core parses the whole set before it swaps, so a set it rejects leaves the old one in place.
    const changed = this.core.setConfigurations(JSON.stringify(shape.data));
    const first = !this.hasData;
    this.hasData = true;
    this.etag = fetched.etag;
    this.markFresh();
    if (!first && changed.length > 0) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
  }

  private markFresh(): void {
    this.lastFreshAt = this.now();
    if (this.stale || this.readyWhenData) {
      this.stale = false;
      this.readyWhenData = false;
      this.events.emit(ProviderEvents.Ready, { message: 'flag data is fresh' });
    }
  }

  private checkStale(): void {
    if (!this.hasData || this.stale || this.now() - this.lastFreshAt < this.staleAfterMs) return;
    this.stale = true;
    this.events.emit(ProviderEvents.Stale, { message: `flag data is older than ${this.staleAfterMs} ms; serving the last good set` });
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<boolean>> {
    return this.resolved(() => this.core.resolveBooleanEvaluation(flagKey, defaultValue, context, logger));
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<string>> {
    return this.resolved(() => this.core.resolveStringEvaluation(flagKey, defaultValue, context, logger));
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<number>> {
    return this.resolved(() => this.core.resolveNumberEvaluation(flagKey, defaultValue, context, logger));
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<T>> {
    return this.resolved(() => this.core.resolveObjectEvaluation(flagKey, defaultValue, context, logger));
  }

  /** Without any set yet, "not found" would be a lie: the flags are unknown, not absent. */
  private resolved<T>(resolve: () => ResolutionDetails<T>): Promise<ResolutionDetails<T>> {
    if (!this.hasData) return Promise.reject(new ProviderNotReadyError('release-gate has no flag set yet'));
    return Promise.resolve(resolve());
  }
}

/**
 * The interfaces the engine needs from the world. Adapters under lib/aws (and lib/memory for
 * tests) implement them; the engine and the core never import an adapter.
 */
import type { ReleaseEvent } from './core/events.js';
import type { AliasRouting } from './core/release.js';
import type { Observation } from './core/metrics.js';
import type { Check } from './core/policy.js';
import type { StableTraffic } from './core/preflight.js';
import type { Release, ReleaseState } from './core/release.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** One event as stored: its place in the release's history and its link in the hash chain. */
export interface StoredEvent {
  readonly releaseId: string;
  /** Equals the release's revision once the event is applied: the `created` event is 1. */
  readonly seq: number;
  readonly event: ReleaseEvent;
  /** SHA-256 (hex) of the previous event's hash and this event's content; see lib/chain.ts. */
  readonly prevHash: string;
  readonly hash: string;
}

export interface ChainVerification {
  readonly ok: boolean;
  readonly events: number;
  /** The first event whose hash does not match its content or its predecessor, when one does not. */
  readonly brokenAt?: number | undefined;
  readonly reason?: string | undefined;
}

export interface ReleaseQuery {
  readonly function?: string | undefined;
  readonly state?: ReleaseState | undefined;
  /** Created at or after this time (epoch ms). */
  readonly since?: number | undefined;
  readonly limit: number;
  /** Opaque, from a previous page. */
  readonly cursor?: string | undefined;
}

export interface ReleasePage {
  /** Newest first. */
  readonly items: readonly Release[];
  readonly cursor?: string | undefined;
}

export interface ReleaseStore {
  /**
   * Stores a new release with its `created` event and takes the lock of its function and alias.
   * Throws ReleaseInProgressError when another release holds the lock.
   */
  create(release: Release, created: ReleaseEvent): Promise<Release>;
  get(id: string): Promise<Release | undefined>;
  list(query: ReleaseQuery): Promise<ReleasePage>;
  /** Ids of active releases whose `nextEvaluationAt` is at or before `now`, most overdue first. */
  due(now: number, limit: number): Promise<string[]>;
  /**
   * Writes `next` and `events` in one transaction if the stored revision is still
   * `expectedRevision`, chaining each event to the one before. Frees the alias lock when `next`
   * is terminal. Returns `next` with its new chain head. Throws ConflictError otherwise.
   */
  commit(next: Release, events: readonly ReleaseEvent[], expectedRevision: number): Promise<Release>;
  /** The release's events in order. */
  events(id: string): Promise<StoredEvent[]>;
  /** Recomputes every hash of the release's history. */
  verifyChain(id: string): Promise<ChainVerification>;
}

/** A response kept for a POST with an Idempotency-Key: only answers of requests that changed something (2xx). */
export interface IdempotentResponse {
  readonly status: number;
  readonly body: unknown;
  /** Headers a client acts on, such as Location. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** A stored response to a POST with an Idempotency-Key. */
export interface IdempotencyRecord {
  readonly key: string;
  /** Who sent it: keys are scoped per token, so two clients never collide. */
  readonly scope: string;
  /** SHA-256 of the method, path and body. */
  readonly requestHash: string;
  /** Which request holds the claim: only its holder may complete or release it. */
  readonly claimId: string;
  readonly status: 'in_progress' | 'completed';
  /**
   * Epoch ms after which an unfinished claim is abandoned (a timeout or crash of its request) and
   * a retry takes it over. Bounded by the time the handling function has left, as Powertools does.
   */
  readonly inProgressExpiresAt: number;
  readonly response?: IdempotentResponse | undefined;
  /** Epoch seconds; DynamoDB's TTL removes the record after it. */
  readonly expiresAt: number;
}

export interface IdempotencyStore {
  /**
   * Claims the key, or returns the record already there. An expired record, or a claim left in
   * progress past its `inProgressExpiresAt`, is taken over.
   */
  begin(record: Omit<IdempotencyRecord, 'status' | 'response'>): Promise<{ readonly claimed: true } | { readonly claimed: false; readonly existing: IdempotencyRecord }>;
  /** Keeps the response. Throws ConflictError unless `claimId` still holds the key in progress. */
  complete(scope: string, key: string, claimId: string, response: IdempotentResponse): Promise<void>;
  /** Lets a retry through after the request ended without a response worth keeping; a no-op unless `claimId` holds it. */
  release(scope: string, key: string, claimId: string): Promise<void>;
}

export const SCOPES = ['releases:read', 'releases:write', 'releases:approve', 'flags:read', 'flags:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenRecord {
  /** Public id, the prefix of the bearer token. */
  readonly id: string;
  /** SHA-256 (hex) of the secret; the secret itself is never stored. */
  readonly secretHash: string;
  /** Who the token acts for; recorded on approvals, overrides and rollbacks. */
  readonly subject: string;
  readonly scopes: readonly Scope[];
  /** Function-name globs the token may act on; `*` for all. */
  readonly functions: readonly string[];
  /** Flag-key globs the token may act on. */
  readonly flags: readonly string[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt?: string | undefined;
  readonly revokedAt?: string | undefined;
  readonly revokedBy?: string | undefined;
}

export interface TokenPage {
  readonly items: readonly TokenRecord[];
  /** Opaque; absent on the last page. */
  readonly cursor?: string | undefined;
}

export interface TokenStore {
  get(id: string): Promise<TokenRecord | undefined>;
  /** Throws ConflictError when the id exists. */
  create(record: TokenRecord): Promise<void>;
  /** Marks the token revoked; tokens are never deleted. Throws NotFoundError for an unknown id. */
  revoke(id: string, at: string, by: string): Promise<TokenRecord>;
  /**
   * A page of tokens, revoked ones included, in an order that holds from page to page. Throws
   * InvalidCursorError for a cursor this store did not hand out.
   */
  list(query: { readonly limit: number; readonly cursor?: string | undefined }): Promise<TokenPage>;
}

export interface VersionCheck {
  readonly functionName: string;
  readonly version: string;
  readonly stableVersion: string;
  readonly codeSha256?: string | undefined;
}

/** Weighted routing of one Lambda alias. Weights are percent (0–100); adapters convert. */
export interface TrafficRouter {
  read(functionName: string, alias: string): Promise<AliasRouting>;
  /** Sends `weight` percent to `version` and the rest to `stable`, then reads the alias back. */
  shift(functionName: string, alias: string, stable: string, version: string, weight: number): Promise<AliasRouting>;
  /** Points the alias at `version` alone and reads it back. */
  promote(functionName: string, alias: string, version: string): Promise<AliasRouting>;
  /** Points the alias at `stable` alone and reads it back. */
  rollback(functionName: string, alias: string, stable: string): Promise<AliasRouting>;
  /** Throws VersionRejectedError for a version the gate must not release. */
  validateVersion(check: VersionCheck): Promise<void>;
}

/** What the engine asks the metrics source for one release. */
export interface MetricsRequest {
  /** Identifies the answer; the release id. */
  readonly key: string;
  readonly functionName: string;
  readonly alias: string;
  readonly canaryVersion: string;
  readonly baselineVersion: string;
  /** Epoch ms: the release's start. Every tick looks at the whole release, so late datapoints count. */
  readonly from: number;
  /** Epoch ms: now. The source leaves out periods that may still be incomplete. */
  readonly to: number;
  /** Custom SLIs to query beside the Lambda metrics. */
  readonly checks: readonly Check[];
  /**
   * Per sequential latency check name, the objective in ms: the source counts each version's
   * requests slower than it (ArmStats.slow). Absent or empty: no slow counts are asked for.
   */
  readonly latencyObjectivesMs?: Readonly<Record<string, number>> | undefined;
}

/** What the gate asks about the stable version before a release starts. */
export interface StableTrafficRequest {
  readonly functionName: string;
  readonly alias: string;
  /** The version the alias runs now. */
  readonly version: string;
  /** How far back to read, ending at `to`. */
  readonly windowMinutes: number;
  /** Epoch ms: now. The source leaves out periods that may still be incomplete. */
  readonly to: number;
}

/** A reading of the stable version's traffic, or why there is none (never a rejection). */
export type StableTrafficReading = { readonly ok: true; readonly traffic: StableTraffic } | { readonly ok: false; readonly reason: string };

export interface MetricsSource {
  /**
   * One answer per request key. A provider failure is an Observation with `ok: false`, never a
   * rejection, so one bad call cannot stop a tick.
   */
  observe(requests: readonly MetricsRequest[]): Promise<Map<string, Observation>>;
  /**
   * The stable version's recent traffic, for the pre-flight. Optional: a source without it
   * leaves the release without a forecast. A failure or no data is `ok: false`, never a rejection.
   */
  readStable?(request: StableTrafficRequest): Promise<StableTrafficReading>;
}

export type NoticeKind = 'rolled_back' | 'rollback_stuck' | 'paused' | 'drift_detected' | 'succeeded' | 'aborted';

export interface Notice {
  readonly kind: NoticeKind;
  readonly release: Release;
  /** One line a person can act on. */
  readonly message: string;
}

export interface Notifier {
  /** Best effort: a notifier failure is logged by the caller and never blocks a release. */
  notify(notice: Notice): Promise<void>;
}

/** A flag as the store keeps it: one version of its flagd definition. */
export interface StoredFlag {
  readonly key: string;
  readonly version: number;
  /** The flagd flag definition: state, variants, defaultVariant, targeting, metadata. */
  readonly definition: Readonly<Record<string, unknown>>;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly reason?: string | undefined;
}

/**
 * What the engine needs of the flags feature: read a flag's version, ramp a cohort, and put a
 * flag back to an earlier version. Implemented by the flag service over the flag store.
 */
export interface FlagRamps {
  currentVersion(key: string): Promise<number | null>;
  ramp(input: { key: string; cohort: string; percent: number; actor: string; reason: string }): Promise<{ previousVersion: number | null; appliedVersion: number }>;
  restore(input: { key: string; version: number | null; actor: string; reason: string }): Promise<void>;
}

/** Who made a flag or cohort change, when and why. Every write carries one; nothing is deleted. */
export interface ChangeRecord {
  readonly actor: string;
  readonly reason: string;
  /** ISO-8601. */
  readonly at: string;
}

/** One version of a cohort: a named JsonLogic rule that flags share as a flagd `$evaluators` entry. */
export interface StoredCohort {
  readonly name: string;
  readonly version: number;
  /** A JsonLogic rule, such as `{"in": [{"var": "email"}, ["ana@example.com"]]}`. */
  readonly rule: Readonly<Record<string, unknown>>;
  /** The context attribute ramps in this cohort bucket on; `targetingKey` when absent. */
  readonly bucketBy?: string | undefined;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly reason?: string | undefined;
}

/** Every current flag and cohort, read together. */
export interface FlagSetSnapshot {
  readonly flags: readonly StoredFlag[];
  readonly cohorts: readonly StoredCohort[];
  /**
   * Rises with every write to any flag or cohort; 0 for an empty store. Usable as the set's ETag.
   * Read before the flags, so it may lag them (a spare refresh) but never run ahead of them.
   */
  readonly version: number;
}

export interface FlagWrite extends ChangeRecord {
  readonly key: string;
  readonly definition: Readonly<Record<string, unknown>>;
  /**
   * The version the writer read; the write throws ConflictError when the flag has moved on.
   * `null`: the flag must not exist yet. Absent: the write goes on top of whatever is current.
   */
  readonly expectedVersion?: number | null | undefined;
}

export interface CohortWrite extends ChangeRecord {
  readonly name: string;
  readonly rule: Readonly<Record<string, unknown>>;
  readonly bucketBy?: string | undefined;
  /** As for FlagWrite. */
  readonly expectedVersion?: number | null | undefined;
}

/**
 * Flags and cohorts, versioned and append-only: a write adds version n+1, moves the current head
 * and bumps the set version in one transaction. Versions start at 1.
 */
export interface FlagStore {
  readFlagSet(): Promise<FlagSetSnapshot>;
  /** The set version alone: lets a poller answer "not modified" without reading every flag. */
  setVersion(): Promise<number>;
  getFlag(key: string): Promise<StoredFlag | undefined>;
  /** Throws ConflictError naming the flag when `expectedVersion` does not hold. */
  putFlag(write: FlagWrite): Promise<StoredFlag>;
  /** Every version of the flag, oldest first; empty for an unknown flag. */
  flagHistory(key: string): Promise<StoredFlag[]>;
  getFlagVersion(key: string, version: number): Promise<StoredFlag | undefined>;
  getCohort(name: string): Promise<StoredCohort | undefined>;
  /** Current cohorts, by name. */
  listCohorts(): Promise<StoredCohort[]>;
  /** Throws ConflictError naming the cohort when `expectedVersion` does not hold. */
  putCohort(write: CohortWrite): Promise<StoredCohort>;
  cohortHistory(name: string): Promise<StoredCohort[]>;
}

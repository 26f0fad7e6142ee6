/**
 * The flag use cases on top of a FlagStore: validated, versioned and audited writes, cohort ramps,
 * the kill switch and restores. Implements FlagRamps for the release engine.
 */
import type { Issue } from '../core/errors.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Clock, FlagRamps, FlagStore, StoredCohort, StoredFlag } from '../ports.js';
import { sameJson } from '../core/canonical-json.js';
import { FlagValidationError } from './errors.js';
import { flagSetDocument, flagSetEtag } from './flag-set.js';
import { parseCohortRule, parseFlagDefinition, type Evaluators, type FlagDefinition, type FlagSetDocument, type JsonRule } from './flag-schema.js';
import { applyRamp, rampIssues } from './ramp.js';

/** Who asks and why; both are recorded on the version written. */
export interface Attribution {
  readonly actor: string;
  readonly reason: string;
}

export interface PutFlagInput extends Attribution {
  readonly key: string;
  readonly definition: unknown;
  readonly expectedVersion?: number | null | undefined;
}

export interface PutCohortInput extends Attribution {
  readonly name: string;
  readonly rule: unknown;
  readonly bucketBy?: string | undefined;
  readonly expectedVersion?: number | null | undefined;
}

export interface RampInput extends Attribution {
  readonly key: string;
  readonly cohort: string;
  readonly percent: number;
  /** Needed only the first time a cohort ramps a non-boolean flag. */
  readonly on?: string | undefined;
  readonly off?: string | undefined;
}

export interface FlagServiceOptions {
  /**
   * Re-reads after a lost conditional write for ramp, kill and restore, which are recomputed from
   * what is current. putFlag with an expectedVersion never retries: the caller's read was stale.
   * @default 3
   */
  readonly conflictRetries?: number | undefined;
}

const ATTRIBUTE = /^[A-Za-z_$][\w$.-]{0,127}$/;

export class FlagService implements FlagRamps {
  private readonly conflictRetries: number;

  constructor(
    private readonly store: FlagStore,
    private readonly clock: Pick<Clock, 'now'>,
    options: FlagServiceOptions = {},
  ) {
    this.conflictRetries = options.conflictRetries ?? 3;
  }

  /** The flagd document the provider and OFREP serve, with its ETag. */
  async getFlagSet(): Promise<{ flagSet: FlagSetDocument; etag: string; version: number }> {
    const snapshot = await this.store.readFlagSet();
    return { flagSet: flagSetDocument(snapshot), etag: flagSetEtag(snapshot.version), version: snapshot.version };
  }

  /** The set's version alone: one read, for callers that only need to know whether anything changed. */
  async setVersion(): Promise<{ version: number; etag: string }> {
    const version = await this.store.setVersion();
    return { version, etag: flagSetEtag(version) };
  }

  async getFlag(key: string): Promise<StoredFlag> {
    const flag = await this.store.getFlag(key);
    if (flag === undefined) throw new NotFoundError(`flag ${key}`);
    return flag;
  }

  async currentVersion(key: string): Promise<number | null> {
    return (await this.store.getFlag(key))?.version ?? null;
  }

  /** Every version of a flag, oldest first. */
  async history(key: string): Promise<StoredFlag[]> {
    const versions = await this.store.flagHistory(key);
    if (versions.length === 0) throw new NotFoundError(`flag ${key}`);
    return versions;
  }

  async getFlagVersion(key: string, version: number): Promise<StoredFlag> {
    const stored = await this.store.getFlagVersion(key, version);
    if (stored === undefined) throw new NotFoundError(`flag ${key} version ${version}`);
    return stored;
  }

  async putFlag(input: PutFlagInput): Promise<StoredFlag> {
    assertAttribution(input);
    const definition = this.validated(input.key, input.definition, await this.evaluators());
    return this.store.putFlag({ key: input.key, definition, expectedVersion: input.expectedVersion, ...this.record(input) });
  }

  async listCohorts(): Promise<StoredCohort[]> {
    return this.store.listCohorts();
  }

  async getCohort(name: string): Promise<StoredCohort> {
    const cohort = await this.store.getCohort(name);
    if (cohort === undefined) throw new NotFoundError(`cohort ${name}`);
    return cohort;
  }

  async cohortHistory(name: string): Promise<StoredCohort[]> {
    const versions = await this.store.cohortHistory(name);
    if (versions.length === 0) throw new NotFoundError(`cohort ${name}`);
    return versions;
  }

  /** Changing a cohort's rule changes who is in it for every flag that ramps it, at once. */
  async putCohort(input: PutCohortInput): Promise<StoredCohort> {
    assertAttribution(input);
    const rule = parseCohortRule(input.name, input.rule);
    if (input.bucketBy !== undefined && !ATTRIBUTE.test(input.bucketBy)) {
      throw new FlagValidationError([{ path: 'bucketBy', message: 'expected a context attribute name such as accountId or user.id' }]);
    }
    return this.store.putCohort({ name: input.name, rule, bucketBy: input.bucketBy, expectedVersion: input.expectedVersion, ...this.record(input) });
  }

  /** Ramps one cohort of a flag; a no-op when the flag is already there. */
  async ramp(input: RampInput): Promise<{ previousVersion: number | null; appliedVersion: number }> {
    assertAttribution(input);
    return this.retryingConflicts(async () => {
      const current = await this.getFlag(input.key);
      const cohort = await this.store.getCohort(input.cohort);
      if (cohort === undefined) throw new FlagValidationError([{ path: 'cohort', message: `no cohort named '${input.cohort}'` }]);
      const evaluators = await this.evaluators();
      const ramped = applyRamp(input.key, this.validated(input.key, current.definition, evaluators), { ...input, bucketBy: cohort.bucketBy });
      const definition = this.validated(input.key, ramped, evaluators);
      if (sameJson(definition, current.definition)) return { previousVersion: current.version, appliedVersion: current.version };
      const saved = await this.store.putFlag({ key: input.key, definition, expectedVersion: current.version, ...this.record(input) });
      return { previousVersion: current.version, appliedVersion: saved.version };
    });
  }

  /** The kill switch: the flag turns DISABLED (callers get their code defaults) as a new version. */
  async kill(input: Attribution & { readonly key: string }): Promise<StoredFlag> {
    assertAttribution(input);
    return this.retryingConflicts(async () => {
      const current = await this.getFlag(input.key);
      if (current.definition.state === 'DISABLED') return current;
      return this.store.putFlag({ key: input.key, definition: { ...current.definition, state: 'DISABLED' }, expectedVersion: current.version, ...this.record(input) });
    });
  }

  /**
   * Writes version `version` of the flag again as its newest version. `null` means the flag did not
   * exist then; since nothing is deleted, it is killed instead. Restoring what is already current
   * writes nothing, so the engine can retry a rollback safely. The old definition is written as it
   * was stored, without re-validation: a rollback must not fail on rules tightened since.
   */
  async restore(input: Attribution & { readonly key: string; readonly version: number | null }): Promise<void> {
    assertAttribution(input);
    if (input.version === null) {
      if ((await this.store.getFlag(input.key)) !== undefined) await this.kill(input);
      return;
    }
    const target = await this.getFlagVersion(input.key, input.version);
    await this.retryingConflicts(async () => {
      const current = await this.getFlag(input.key);
      if (sameJson(current.definition, target.definition)) return;
      await this.store.putFlag({ key: input.key, definition: target.definition, expectedVersion: current.version, ...this.record(input) });
    });
  }

  private validated(key: string, input: unknown, evaluators: Evaluators): FlagDefinition {
    const definition = parseFlagDefinition(key, input, evaluators);
    const issues = rampIssues(key, definition);
    if (issues.length > 0) throw new FlagValidationError(issues);
    return definition;
  }

  private async evaluators(): Promise<Evaluators> {
    return Object.fromEntries((await this.store.listCohorts()).map((cohort) => [cohort.name, cohort.rule as JsonRule]));
  }

  private record(input: Attribution) {
    return { actor: input.actor, reason: input.reason, at: new Date(this.clock.now()).toISOString() };
  }

  private async retryingConflicts<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= this.conflictRetries) throw error;
      }
    }
  }
}

function assertAttribution(input: Attribution): void {
  const issues: Issue[] = [];
  if (typeof input.actor !== 'string' || input.actor.trim() === '') issues.push({ path: 'actor', message: 'say who makes the change' });
  if (typeof input.reason !== 'string' || input.reason.trim() === '') issues.push({ path: 'reason', message: 'say why the change is made' });
  if (issues.length > 0) throw new FlagValidationError(issues);
}

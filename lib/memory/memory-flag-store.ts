import { ConflictError } from '../errors.js';
import type { CohortWrite, FlagSetSnapshot, FlagStore, FlagWrite, StoredCohort, StoredFlag } from '../ports.js';

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The flag store in memory, with the DynamoDB store's semantics: append-only versions, conditional
 * writes on the current version, and a set version that every write bumps. For tests and local use.
 */
export class MemoryFlagStore implements FlagStore {
  private readonly flags = new Map<string, StoredFlag[]>();
  private readonly cohorts = new Map<string, StoredCohort[]>();
  private version = 0;

  async readFlagSet(): Promise<FlagSetSnapshot> {
    await Promise.resolve();
    return copy({
      flags: [...this.flags.values()].map((versions) => versions.at(-1)!).sort(byKey),
      cohorts: [...this.cohorts.values()].map((versions) => versions.at(-1)!).sort(byName),
      version: this.version,
    });
  }

  async setVersion(): Promise<number> {
    await Promise.resolve();
    return this.version;
  }

  async getFlag(key: string): Promise<StoredFlag | undefined> {
    await Promise.resolve();
    const current = this.flags.get(key)?.at(-1);
    return current && copy(current);
  }

  async putFlag(write: FlagWrite): Promise<StoredFlag> {
    await Promise.resolve();
    const versions = this.flags.get(write.key) ?? [];
    const next = appended(`flag ${write.key}`, versions.at(-1)?.version ?? null, write.expectedVersion);
    const stored: StoredFlag = { key: write.key, version: next, definition: copy(write.definition), updatedAt: write.at, updatedBy: write.actor, reason: write.reason };
    this.flags.set(write.key, [...versions, stored]);
    this.version += 1;
    return copy(stored);
  }

  async flagHistory(key: string): Promise<StoredFlag[]> {
    await Promise.resolve();
    return copy(this.flags.get(key) ?? []);
  }

  async getFlagVersion(key: string, version: number): Promise<StoredFlag | undefined> {
    await Promise.resolve();
    const stored = this.flags.get(key)?.find((candidate) => candidate.version === version);
    return stored && copy(stored);
  }

  async getCohort(name: string): Promise<StoredCohort | undefined> {
    await Promise.resolve();
    const current = this.cohorts.get(name)?.at(-1);
    return current && copy(current);
  }

  async listCohorts(): Promise<StoredCohort[]> {
    return [...(await this.readFlagSet()).cohorts];
  }

  async putCohort(write: CohortWrite): Promise<StoredCohort> {
    await Promise.resolve();
    const versions = this.cohorts.get(write.name) ?? [];
    const next = appended(`cohort ${write.name}`, versions.at(-1)?.version ?? null, write.expectedVersion);
    const stored: StoredCohort = {
      name: write.name,
      version: next,
      rule: copy(write.rule),
      ...(write.bucketBy === undefined ? {} : { bucketBy: write.bucketBy }),
      updatedAt: write.at,
      updatedBy: write.actor,
      reason: write.reason,
    };
    this.cohorts.set(write.name, [...versions, stored]);
    this.version += 1;
    return copy(stored);
  }

  async cohortHistory(name: string): Promise<StoredCohort[]> {
    await Promise.resolve();
    return copy(this.cohorts.get(name) ?? []);
  }
}

/** The next version number, or ConflictError when the caller's expectation does not hold. */
function appended(record: string, current: number | null, expected: number | null | undefined): number {
  if (expected !== undefined && expected !== current) {
    throw new ConflictError(record, `${record} is at version ${current ?? 'none'}, not ${expected ?? 'none'}`);
  }
  return (current ?? 0) + 1;
}

const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byKey = (a: StoredFlag, b: StoredFlag) => order(a.key, b.key);
const byName = (a: StoredCohort, b: StoredCohort) => order(a.name, b.name);

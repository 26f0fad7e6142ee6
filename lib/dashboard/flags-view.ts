import type { ApiDeps } from '../api/deps.js';
import { mayReadFlag, type Principal } from '../access.js';
import type { FlagService } from '../flags/flag-service.js';
import type { FlagDefinition } from '../flags/flag-schema.js';
import { rampsOf, type CohortRamp } from '../flags/ramp.js';
import type { StoredCohort, StoredFlag } from '../ports.js';

/** What the flags page reads; the flag service provides it. */
export type FlagReader = Pick<FlagService, 'getFlagSet' | 'listCohorts' | 'history'>;

function isFlagReader(candidate: unknown): candidate is FlagReader {
  const reader = candidate as Partial<Record<keyof FlagReader, unknown>> | undefined;
  return typeof reader?.getFlagSet === 'function' && typeof reader.listCohorts === 'function' && typeof reader.history === 'function';
}

/** The gate's flag service when it has one: as deps.flagService, or behind the engine's flag ramps. */
export function flagReaderOf(deps: ApiDeps): FlagReader | undefined {
  return [(deps as { flagService?: unknown }).flagService, deps.engine.flags].find(isFlagReader);
}

export interface FlagView {
  readonly key: string;
  readonly state: string;
  readonly variants: readonly (readonly [string, string])[];
  readonly defaultVariant: string | null;
  readonly description?: string | undefined;
  readonly owner?: string | undefined;
  /** Undefined when the recorded ramp state cannot be read. */
  readonly ramps: readonly CohortRamp[] | undefined;
  /** The targeting rule as compact JSON, when the flag has one that its ramps did not write. */
  readonly targeting?: string | undefined;
  readonly version: number;
  /** Newest first. */
  readonly recent: readonly StoredFlag[];
}

const RECENT = 5;

function viewOf(key: string, versions: readonly StoredFlag[]): FlagView {
  const current = versions.at(-1)!;
  const definition = current.definition as Partial<FlagDefinition>;
  let ramps: CohortRamp[] | undefined;
  try {
    ramps = rampsOf(definition as FlagDefinition);
  } catch {
    ramps = undefined;
  }
  const meta = definition.metadata ?? {};
  return {
    key,
    state: typeof definition.state === 'string' ? definition.state : 'unknown',
    variants: Object.entries(definition.variants ?? {}).map(([name, value]) => [name, JSON.stringify(value)] as const),
    defaultVariant: typeof definition.defaultVariant === 'string' ? definition.defaultVariant : null,
    description: typeof meta.description === 'string' ? meta.description : undefined,
    owner: typeof meta.owner === 'string' ? meta.owner : undefined,
    ramps,
    targeting: definition.targeting === undefined || Object.keys(definition.targeting).length === 0 || (ramps?.length ?? 0) > 0 ? undefined : JSON.stringify(definition.targeting),
    version: current.version,
    recent: [...versions].reverse().slice(0, RECENT),
  };
}

/** Flags the principal's flag patterns cover, with their ramps and recent versions, and every cohort. */
export async function flagsView(reader: FlagReader, principal: Principal): Promise<{ flags: FlagView[]; cohorts: StoredCohort[] }> {
  const [{ flagSet }, cohorts] = await Promise.all([reader.getFlagSet(), reader.listCohorts()]);
  const keys = Object.keys(flagSet.flags).filter((key) => mayReadFlag(principal, key));
  const flags = await Promise.all(keys.map(async (key) => viewOf(key, await reader.history(key))));
  return { flags, cohorts };
}

/**
 * Cohort ramps compiled to flagd targeting. Pure: no I/O.
 *
 * A flag's ramps live in its own metadata (`releaseGate.ramps`, a JSON string), so every stored
 * version carries the state it was compiled from, and restoring a version restores its ramps.
 * With ramps for beta (25%) and internal (0.5%) the targeting is
 *
 *   {"if": [
 *     {"$ref": "beta"},     {"fractional": [["on", 25000], ["off", 75000]]},
 *     {"$ref": "internal"}, {"fractional": [["on", 500],   ["off", 99500]]},
 *     <the targeting the flag had before its first ramp, or null>
 *   ]}
 *
 * Weights are out of 100,000 (0.001% steps), and the total never changes: flagd puts a user in
 * bucket floor(hash(flagKey + targetingKey) × 100,000 / 2^32) and serves "on" when that bucket is
 * below the "on" weight, so raising the weight only adds users and lowering it removes the ones
 * added last. A user belongs to the first cohort in the list that matches; new cohorts are
 * appended, so a ramp in one cohort never moves another cohort's users.
 */
import * as z from 'zod';
import type { Issue } from '../core/errors.js';
import { formatPath } from '../core/issues.js';
import { sameJson } from '../core/canonical-json.js';
import { FlagValidationError } from './errors.js';
import { COHORT_NAME, type FlagDefinition } from './flag-schema.js';

export const RAMP_METADATA_KEY = 'releaseGate.ramps';
/** Weight units per percent: 0.5% is a weight of 500. */
export const WEIGHT_PER_PERCENT = 1_000;
export const TOTAL_WEIGHT = 100 * WEIGHT_PER_PERCENT;

export const CohortRampSchema = z.strictObject({
  cohort: z.string().regex(COHORT_NAME),
  /** Percent of the cohort served `on`, on the 0.001% grid. */
  percent: z.number().min(0).max(100),
  /** The variant turned on. */
  on: z.string().min(1),
  /** The variant everyone else in the cohort gets. */
  off: z.string().min(1),
  /** The context attribute users are bucketed on; `targetingKey` when absent. Fixed once ramped. */
  bucketBy: z.string().min(1).optional(),
});
export type CohortRamp = z.infer<typeof CohortRampSchema>;

const RampStateSchema = z.strictObject({ ramps: z.array(CohortRampSchema) });

export interface RampRequest {
  readonly cohort: string;
  readonly percent: number;
  /** Required the first time a cohort ramps a non-boolean flag. */
  readonly on?: string | undefined;
  /** Defaults to the flag's `false` variant, else its default variant. */
  readonly off?: string | undefined;
  /** Used only when the cohort first ramps this flag; see CohortRamp.bucketBy. */
  readonly bucketBy?: string | undefined;
}

/** 12.34567% → 12345 (nearest 0.001%). */
export function percentToWeight(percent: number): number {
  return Math.min(TOTAL_WEIGHT, Math.max(0, Math.round(percent * WEIGHT_PER_PERCENT)));
}

/** The ramps recorded on a flag, in precedence order; empty when it never ramped. */
export function rampsOf(definition: FlagDefinition): CohortRamp[] {
  const raw = definition.metadata?.[RAMP_METADATA_KEY];
  if (raw === undefined) return [];
  const parsed = typeof raw === 'string' ? RampStateSchema.safeParse(safeJson(raw)) : undefined;
  if (!parsed?.success) throw new FlagValidationError([{ path: `metadata.${RAMP_METADATA_KEY}`, message: 'not a valid ramp state' }]);
  return parsed.data.ramps;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function rampRule(ramp: CohortRamp): unknown {
  const weight = percentToWeight(ramp.percent);
  const buckets = [
    [ramp.on, weight],
    [ramp.off, TOTAL_WEIGHT - weight],
  ];
  if (ramp.bucketBy === undefined) return { fractional: buckets };
  // Without the attribute every such user would share one bucket; they get the default instead.
  const fractional = { fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: ramp.bucketBy }] }, ...buckets] };
  return { if: [{ '!=': [{ var: ramp.bucketBy }, null] }, fractional, null] };
}

/** The targeting for these ramps on top of `base` (the flag's targeting from before it ramped). */
export function compileRamps(ramps: readonly CohortRamp[], base: unknown): Record<string, unknown> | undefined {
  const baseRule = base === undefined || base === null || (typeof base === 'object' && Object.keys(base).length === 0) ? null : base;
  if (ramps.length === 0) return baseRule === null ? undefined : (baseRule as Record<string, unknown>);
  return { if: [...ramps.flatMap((ramp) => [{ $ref: ramp.cohort }, rampRule(ramp)]), baseRule] };
}

/** The base rule under a ramped flag's targeting: the `if`'s final branch. */
function baseOf(targeting: Record<string, unknown> | undefined, ramps: readonly CohortRamp[]): unknown {
  if (ramps.length === 0) return targeting;
  const branches = targeting?.if;
  return Array.isArray(branches) && branches.length === 2 * ramps.length + 1 ? branches.at(-1) : undefined;
}

/**
 * Issues when a flag's recorded ramps and its targeting disagree (say, targeting edited by hand),
 * since a ramp recompiled from that state would silently drop the edit.
 */
export function rampIssues(key: string, definition: FlagDefinition): Issue[] {
  const at = (...path: string[]) => formatPath(['flags', key, ...path]);
  let ramps: CohortRamp[];
  try {
    ramps = rampsOf(definition);
  } catch {
    return [{ path: at('metadata', RAMP_METADATA_KEY), message: 'not a valid ramp state: expected {"ramps": [{cohort, percent, on, off, bucketBy?}]} as a JSON string' }];
  }
  const issues: Issue[] = [];
  for (const ramp of ramps) {
    for (const variant of [ramp.on, ramp.off]) {
      if (!Object.hasOwn(definition.variants, variant)) issues.push({ path: at('metadata', RAMP_METADATA_KEY), message: `ramp of cohort '${ramp.cohort}' names unknown variant '${variant}'` });
    }
  }
  const base = baseOf(definition.targeting, ramps);
  if (ramps.length > 0 && (base === undefined || !sameJson(compileRamps(ramps, base), definition.targeting))) {
    issues.push({ path: at('targeting'), message: `targeting does not match the ramps in metadata.${RAMP_METADATA_KEY}; change ramps through the ramp operation, or edit only the final else branch` });
  }
  return issues;
}

/** Booleans ramp from their `false` variant to their `true` one without being told. */
function defaultVariants(definition: FlagDefinition): { on?: string; off?: string } {
  const entries = Object.entries(definition.variants);
  const on = entries.find(([, value]) => value === true)?.[0];
  const off = entries.find(([, value]) => value === false)?.[0] ?? definition.defaultVariant ?? undefined;
  return { ...(on === undefined ? {} : { on }), ...(off === undefined ? {} : { off }) };
}

/**
 * The flag with `request.cohort` ramped to `request.percent`. Other cohorts keep their place and
 * their weights; a cohort new to this flag goes last. Throws FlagValidationError for a flag whose
 * targeting no longer matches its ramps, or variants that cannot be worked out.
 */
export function applyRamp(key: string, definition: FlagDefinition, request: RampRequest): FlagDefinition {
  const issues = rampIssues(key, definition);
  if (!(request.percent >= 0 && request.percent <= 100)) issues.push({ path: 'percent', message: 'percent is between 0 and 100' });
  if (!COHORT_NAME.test(request.cohort)) issues.push({ path: 'cohort', message: 'not a cohort name' });
  if (issues.length > 0) throw new FlagValidationError(issues);

  const ramps = rampsOf(definition);
  const base = baseOf(definition.targeting, ramps);
  const existing = ramps.find((ramp) => ramp.cohort === request.cohort);
  const defaults = defaultVariants(definition);
  const on = request.on ?? existing?.on ?? defaults.on;
  const off = request.off ?? existing?.off ?? defaults.off;
  for (const [field, variant] of [['on', on], ['off', off]] as const) {
    if (variant === undefined) issues.push({ path: field, message: `name the variant to serve ${field === 'on' ? 'to the ramped users' : 'to the rest of the cohort'}; flag '${key}' is not boolean` });
    else if (!Object.hasOwn(definition.variants, variant)) issues.push({ path: field, message: `'${variant}' is not a variant of flag '${key}'` });
  }
  if (issues.length > 0) throw new FlagValidationError(issues);

  // Re-bucketing a live ramp would reshuffle who has the feature, so bucketBy is fixed once set.
  const bucketBy = existing ? existing.bucketBy : request.bucketBy;
  const ramp: CohortRamp = {
    cohort: request.cohort,
    percent: percentToWeight(request.percent) / WEIGHT_PER_PERCENT,
    on: on!,
    off: off!,
    ...(bucketBy === undefined ? {} : { bucketBy }),
  };
  const next = existing ? ramps.map((candidate) => (candidate.cohort === ramp.cohort ? ramp : candidate)) : [...ramps, ramp];
  const targeting = compileRamps(next, base) as FlagDefinition['targeting'];
  const { targeting: _old, ...rest } = definition;
  return {
    ...rest,
    ...(targeting === undefined ? {} : { targeting }),
    metadata: { ...definition.metadata, [RAMP_METADATA_KEY]: JSON.stringify({ ramps: next }) },
  };
}

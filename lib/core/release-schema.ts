/**
 * A stored release record, decoded with a schema instead of trusted: a record a store hands back
 * is checked field by field, and one written by an older gate is brought up to this version.
 */
import * as z from 'zod';
import { DECISION_ACTIONS, DECISION_REASONS, type Decision } from './decision.js';
import type { Issue } from './errors.js';
import { issuesFromZod } from './issues.js';
import { ResolvedPlanSchema } from './plan.js';
import { PolicySchema } from './policy.js';
import { PREFLIGHT_MODES, PREFLIGHT_WARNING_CODES, type Preflight } from './preflight.js';
import { RELEASE_STATES, type Release } from './release.js';
import { RISKS } from './risk.js';
import { SyntheticSchema } from './synthetic-config.js';

/**
 * The release record's layout. 1: records written before layouts were numbered (no `unconfirmed`
 * spans); 2: the current one.
 */
export const RELEASE_SCHEMA_VERSION = 2;

const time = z.string().refine((text) => Number.isFinite(Date.parse(text)), { message: 'expected an ISO 8601 time' });
const count = z.number().int().nonnegative();
/**
 * A computed number as the store hands it back: JSON has no Infinity or NaN and writes null for
 * them (a mixture statistic can pass what a double holds), which reads back as NaN, not as an error.
 */
const measured = z.preprocess((value) => (value === null ? Number.NaN : value), z.union([z.number(), z.nan()]));
const percentWeight = z.number().min(0).max(100);

const CountsSchema = z.object({ events: count, total: count });

const CheckResultSchema = z.object({
  check: z.string(),
  sli: z.string(),
  method: z.enum(['threshold', 'baseline', 'sequential']),
  verdict: z.enum(['pass', 'fail', 'inconclusive']),
  canary: measured.optional(),
  baseline: measured.optional(),
  canaryCounts: CountsSchema.optional(),
  baselineCounts: CountsSchema.optional(),
  threshold: measured.optional(),
  statistic: measured.optional(),
  criticalValue: measured.optional(),
  suspicious: z.boolean().optional(),
  heuristic: z.boolean().optional(),
  deferred: z.boolean().optional(),
  note: z.string(),
});

const EvidenceResultSchema = z.object({
  ruledOut: z.boolean(),
  by: z.enum(['ratio', 'floor']).optional(),
  ratio: measured,
  logLikelihood: measured,
  level: measured,
  canaryRequests: count,
  canaryErrors: count,
  baselineRequests: count,
  baselineErrors: count,
  requestsLeft: measured.optional(),
  note: z.string(),
});

const JudgementSchema = z.object({
  verdict: z.enum(['pass', 'fail', 'inconclusive']),
  checks: z.array(CheckResultSchema),
  window: z.object({ start: z.number(), end: z.number() }),
  canaryRequests: count,
  evidence: EvidenceResultSchema.optional(),
});

export const DecisionSchema = z.object({
  action: z.enum(DECISION_ACTIONS),
  reason: z.enum(DECISION_REASONS),
  at: time,
  stepIndex: z.number().int().min(-1),
  weight: percentWeight,
  toWeight: percentWeight.optional(),
  judgement: JudgementSchema.optional(),
  measurement: z.enum(['ok', 'error', 'skipped']),
  explanation: z.string(),
}) satisfies z.ZodType<Decision>;

const PercentilesSchema = z.object({ p50: measured.optional(), p90: measured.optional(), p99: measured.optional() });

const PreflightSchema = z.object({
  traffic: z
    .object({ requestsPerMinute: z.number().nonnegative(), requests: count, errors: count, windowMinutes: z.number().positive(), latencyMs: PercentilesSchema.optional() })
    .optional(),
  stableErrorRate: measured.optional(),
  steps: z.array(
    z.object({
      stepIndex: z.number().int().nonnegative(),
      weight: percentWeight,
      canaryPerMinute: z.number().nonnegative(),
      expectedMinutes: measured.optional(),
      slowMinutes: measured.optional(),
      gathersEvidence: z.boolean(),
    }),
  ),
  requestsToRuleOut: measured.optional(),
  expectedMinutesToFull: measured.optional(),
  slowMinutesToFull: measured.optional(),
  limitMinutesToFull: measured.optional(),
  detectableRatio: measured.optional(),
  feasible: z.boolean(),
  mode: z.enum(PREFLIGHT_MODES),
  latencyObjectivesMs: z.record(z.string(), measured),
  warnings: z.array(z.object({ code: z.enum(PREFLIGHT_WARNING_CODES), message: z.string() })),
}) satisfies z.ZodType<Preflight>;

const RoutingSchema = z.object({ functionVersion: z.string(), additionalVersion: z.string().optional(), additionalWeight: z.number().optional() });

const ReleaseFields = {
  id: z.string().min(1),
  function: z.string().min(1),
  alias: z.string().min(1),
  version: z.string().min(1),
  stableVersion: z.string().min(1),
  codeSha256: z.string().optional(),
  risk: z.enum(RISKS),
  plan: ResolvedPlanSchema,
  policy: PolicySchema,
  state: z.enum(RELEASE_STATES),
  stepIndex: z.number().int().min(-1),
  weight: percentWeight,
  aliasWeight: percentWeight,
  revision: count,
  createdAt: time,
  updatedAt: time,
  startedAt: time.optional(),
  stepStartedAt: time.optional(),
  resumedAt: time.optional(),
  confirmedAt: time.optional(),
  stepConfirmedAt: time.optional(),
  unconfirmed: z.array(z.object({ from: time, to: time.optional(), cause: z.enum(['paused', 'drift']) })),
  drift: z.object({ at: time, expected: RoutingSchema, actual: RoutingSchema }).optional(),
  promotedAt: time.optional(),
  rollbackStartedAt: time.optional(),
  finishedAt: time.optional(),
  pausedFrom: z.enum(['progressing', 'promoted']).optional(),
  pauseReason: z.string().optional(),
  rollbackIntent: z.enum(['rollback', 'abort']).optional(),
  rollbackReason: z.string().optional(),
  approvals: z.array(z.object({ stepIndex: z.number().int().nonnegative(), role: z.string(), actor: z.string(), at: time })),
  consecutiveMetricErrors: count,
  failedJudgements: count,
  decisions: z.array(DecisionSchema),
  actors: z.array(z.object({ actor: z.string(), action: z.string(), at: time, reason: z.string().optional() })),
  flags: z.array(
    z.object({
      stepIndex: z.number().int().nonnegative().optional(),
      key: z.string(),
      cohort: z.string(),
      percent: z.number().min(0).max(100),
      previousVersion: count.nullable(),
      appliedVersion: count,
      at: time,
    }),
  ),
  commit: z.object({ sha: z.string(), authoredAt: z.string() }).optional(),
  description: z.string().optional(),
  createdBy: z.string().optional(),
  flagVersions: z.record(z.string(), count.nullable()),
  nextEvaluationAt: time.optional(),
  preflight: PreflightSchema.optional(),
  chainHead: z.string().optional(),
  synthetic: SyntheticSchema.optional(),
  hookRuns: z.array(z.object({ phase: z.enum(['before', 'after']), function: z.string(), at: time, outcome: z.enum(['pass', 'fail']), durationMs: z.number().nonnegative(), detail: z.string().optional() })).optional(),
  probeTicks: z.array(z.object({ at: time, pairs: count, canaryTotal: count, canaryErrors: count, baselineTotal: count, baselineErrors: count })).optional(),
  observedDigests: z.record(z.string(), z.string()).optional(),
};

/** The current layout, strict: a field this build does not know is a record it cannot vouch for. */
export const StoredReleaseSchema = z.strictObject(ReleaseFields) satisfies z.ZodType<Release>;

/** What each older layout lacks, filled so that it reads as it always did. */
const MIGRATIONS: Readonly<Record<number, (record: Record<string, unknown>) => Record<string, unknown>>> = {
  // Pauses and drifts from before version 2 were not recorded, so there are none to leave out; with
  // no read-back on record, the current step's bake starts again at the next one, on the safe side.
  1: (record) => ({ ...record, unconfirmed: record.unconfirmed ?? [] }),
};

/** A store's record could not be read as a release: the message names the fields at fault. Not the caller's input, so never a 400. */
export class StoredRecordError extends TypeError {
  override readonly name = 'StoredRecordError';
  constructor(
    message: string,
    readonly issues: readonly Issue[],
  ) {
    super(message);
  }
}

/**
 * Decodes a stored release of layout `schemaVersion` (absent: 1). A record from a newer gate, or
 * one whose fields do not fit, throws StoredRecordError rather than being run on a guess.
 */
export function decodeStoredRelease(value: unknown, schemaVersion = 1, what = 'stored release'): Release {
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1) throw new StoredRecordError(`${what}: layout ${String(schemaVersion)} is not a layout this gate knows`, []);
  if (schemaVersion > RELEASE_SCHEMA_VERSION) throw new StoredRecordError(`${what}: written in layout ${schemaVersion} by a newer gate; this one reads up to ${RELEASE_SCHEMA_VERSION}`, []);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new StoredRecordError(`${what}: expected an object`, []);
  let record = value as Record<string, unknown>;
  for (let layout = schemaVersion; layout < RELEASE_SCHEMA_VERSION; layout += 1) record = MIGRATIONS[layout]!(record);
  const parsed = StoredReleaseSchema.safeParse(record);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    throw new StoredRecordError(`${what} ${typeof record.id === 'string' ? record.id : ''} does not fit layout ${RELEASE_SCHEMA_VERSION}: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`, issues);
  }
  return parsed.data;
}

import { z } from '@hono/zod-openapi';
import { COHORT_NAME, FLAG_KEY, PlanSchema, ResolvedPlanSchema } from '../core/plan.js';
import { PolicySchema } from '../core/policy.js';
import { PRESET_NAMES } from '../core/presets.js';
import { RELEASE_STATES } from '../core/release.js';
import { RISKS } from '../core/risk.js';
import { SyntheticSchema } from '../core/synthetic-config.js';
import { SCOPES } from '../ports.js';
import { ErrorBodySchema } from './errors.js';

/**
 * The JSON Schema of one of the domain's zod schemas, for the OpenAPI document. Fields such as
 * `plan` and `policy` are validated once, by the engine, whose errors carry the domain's codes
 * (`invalid_plan`); documenting them from the same schema keeps the contract exact. The only
 * recursive parts are free JSON values (JsonLogic, flag variants), which become `{}`, any value,
 * so the schema can sit inside the document without `$defs` of its own.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _draft, $defs: _defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  const anyJson = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(anyJson);
    if (node === null || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    if (typeof record.$ref === 'string' && record.$ref.startsWith('#/$defs/')) return {};
    return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, anyJson(value)]));
  };
  return anyJson(rest) as Record<string, unknown>;
}

/**
 * The domain's schemas the document shows, rendered when the document is first built and never at
 * cold start: a field carries only the name, `x-domain-schema`, until expandDomainSchemas runs.
 */
const domainSchemas = new Map<string, () => Record<string, unknown>>();

/** A field the engine (or the flag service) validates itself, documented by the schema registered as `name`. */
export function documentedBy(name: string, render: () => Record<string, unknown>, description?: string) {
  domainSchemas.set(name, render);
  return z.unknown().openapi({ 'x-domain-schema': name, ...(description === undefined ? {} : { description }) } as Record<string, unknown>);
}

/** Puts each registered schema where a field names it, keeping the field's own description. */
export function expandDomainSchemas<T>(document: T): T {
  const rendered = new Map<string, Record<string, unknown>>();
  const expand = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(expand);
    if (node === null || typeof node !== 'object') return node;
    const { 'x-domain-schema': name, ...rest } = node as Record<string, unknown>;
    const expanded = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, expand(value)]));
    if (typeof name !== 'string') return expanded;
    const render = domainSchemas.get(name);
    if (render === undefined) throw new Error(`no domain schema named ${name}`);
    if (!rendered.has(name)) rendered.set(name, render());
    return { ...rendered.get(name), ...expanded };
  };
  return expand(document) as T;
}

// Lambda's own limits, so a bad name is refused here with its path rather than by AWS later.
export const FunctionNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a Lambda function name: 1–64 letters, digits, - or _').openapi({ example: 'checkout' });
export const AliasNameSchema = z
  .string()
  .regex(/^(?!\d+$)[A-Za-z0-9_-]{1,128}$/, 'expected an alias name: letters, digits, - or _, not only digits')
  .openapi({ example: 'live' });
export const VersionSchema = z.string().regex(/^(\$LATEST|[1-9]\d{0,9})$/, 'expected a published version number such as 7').openapi({ example: '7' });
export const IdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an id: letters, digits, - or _');
const ReasonSchema = z.string().trim().min(1).max(1000);

/**
 * A whole number from a query string; stricter than coercion, which reads ' ' and '' as 0 and
 * '1e2' as 100. Documented as the integer it is, with its bounds, not as the string it arrives as.
 */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const queryInt = (min: number, max: number) => wholeNumber(min, max).openapi({ type: 'integer', minimum: min, maximum: max }).optional();
const queryIntOr = (min: number, max: number, fallback: number) =>
  wholeNumber(min, max).openapi({ type: 'integer', minimum: min, maximum: max, default: fallback }).default(fallback);

export const FlagChangeSchema = z.strictObject({
  key: z.string().regex(FLAG_KEY, 'expected a flag key: letters, digits, _ . -'),
  cohort: z.string().regex(COHORT_NAME, 'expected a cohort name: letters, digits, _ . -'),
  percent: z.number().min(0).max(100),
});

export const CreateReleaseSchema = z
  .strictObject({
    function: FunctionNameSchema,
    alias: AliasNameSchema.default('live'),
    version: VersionSchema,
    codeSha256: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, 'expected the base64 SHA-256 Lambda reports as CodeSha256')
      .optional()
      .openapi({ description: 'The version is refused unless its code has this hash: build once, promote the same artefact.' }),
    plan: documentedBy(
      'PlanRequest',
      () => ({ anyOf: [{ type: 'string', enum: [...PRESET_NAMES] }, jsonSchemaOf(PlanSchema, 'input')], example: 'canary-1-10-50-100' }),
      `A preset's name (${PRESET_NAMES.join(', ')}) or a plan object; the default is canary-1-10-50-100. Steps whose weights go down, and other rules across steps, are refused with \`invalid_plan\`.`,
    ).optional(),
    risk: z.enum(RISKS).default('normal'),
    policy: documentedBy('PolicyRequest', () => jsonSchemaOf(PolicySchema, 'input'), 'SLI checks and limits; the default policy when absent. Refused with `invalid_plan`.').optional(),
    flags: z
      .array(FlagChangeSchema)
      .max(20)
      .optional()
      .openapi({ description: 'Flag ramps made under the same gates before promotion; a rollback turns them back.' }),
    commit: z.strictObject({ sha: z.string().regex(/^[0-9a-fA-F]{7,64}$/, 'expected a git commit sha'), authoredAt: z.iso.datetime({ offset: true }) }).optional(),
    description: z.string().max(1000).optional(),
    synthetic: documentedBy(
      'SyntheticRequest',
      () => jsonSchemaOf(SyntheticSchema, 'input'),
      'Synthetic evidence for functions with too little traffic to judge: a hook function invoked before the first shift and after promotion, and probe events sent to both versions each evaluation, judged like real traffic. Refused with `invalid_request`.',
    ).optional(),
    dryRun: z
      .boolean()
      .optional()
      .openapi({ description: 'Run every check and the pre-flight, and answer 200 with the plan as it would run and the forecast; nothing is created or changed.' }),
  })
  .openapi('CreateRelease');

export const ActionBodySchema = z.strictObject({ reason: ReasonSchema.optional() }).openapi('ActionBody');
/** Promote, abort and rollback override the gate: the reason stays in the audit record. */
export const OverrideBodySchema = z.strictObject({ reason: ReasonSchema }).openapi('OverrideBody');
export const IdParamsSchema = z.object({ id: IdSchema.openapi({ param: { name: 'id', in: 'path' } }) });

export const ListReleasesQuerySchema = z.strictObject({
  function: FunctionNameSchema.optional(),
  state: z.enum(RELEASE_STATES).optional(),
  limit: queryIntOr(1, 100, 20),
  cursor: z.string().max(2048).optional(),
});

export const ListTokensQuerySchema = z.strictObject({
  limit: queryIntOr(1, 100, 50),
  cursor: z.string().max(2048).optional(),
});

export const GateQuerySchema = z.strictObject({
  wait: queryIntOr(0, 25, 0).openapi({ description: 'Seconds to wait for a change before answering (long poll), at most 25.' }),
  since: queryInt(0, 1_000_000_000).openapi({ description: 'The revision the caller last saw; the call answers as soon as the release moves past it.' }),
});

export const DeliveryQuerySchema = z.strictObject({
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Default: 30 days ago.' }),
  until: z.iso.datetime({ offset: true }).optional(),
  function: FunctionNameSchema.optional(),
});

const GlobSchema = z.string().regex(/^[A-Za-z0-9_.*?-]{1,128}$/, 'expected a name pattern: letters, digits, - _ . and the wildcards * and ?');
export const CreateTokenSchema = z
  .strictObject({
    subject: z.string().regex(/^[A-Za-z0-9@._:-]{1,128}$/, 'expected who the token acts for, e.g. ci@checkout or ana@example.com'),
    scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
    functions: z.array(GlobSchema).min(1).max(50).default(['*']),
    flags: z.array(GlobSchema).min(1).max(50).default(['*']),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .openapi('CreateToken');

/** Minutes a step takes; absent (or null, as JSON writes an infinite wait) when it cannot finish in its maximum time. */
const minutesSchema = z.number().nullable().optional();

export const PreflightSchema = z
  .object({
    traffic: z
      .object({
        requestsPerMinute: z.number(),
        requests: z.number(),
        errors: z.number(),
        windowMinutes: z.number(),
        latencyMs: z.record(z.string(), z.number()).optional(),
      })
      .optional()
      .openapi({ description: "The stable version's recent traffic the forecast is made from; absent when it could not be read." }),
    stableErrorRate: z.number().optional(),
    steps: z.array(
      z.object({
        stepIndex: z.number().int(),
        weight: z.number(),
        canaryPerMinute: z.number().openapi({ description: 'New-version requests a minute the step should see.' }),
        expectedMinutes: minutesSchema,
        slowMinutes: minutesSchema.openapi({ description: 'In the slow 1% of healthy releases.' }),
        gathersEvidence: z.boolean(),
      }),
    ),
    requestsToRuleOut: z.number().optional(),
    expectedMinutesToFull: z.number().optional(),
    slowMinutesToFull: z.number().optional(),
    limitMinutesToFull: z.number().optional().openapi({ description: "The least time to 100% any gate with the policy's α and β could take at this traffic: the plan's bakes, and the evidence at Wald's bound." }),
    detectableRatio: z.number().optional().openapi({ description: "The smallest error-rate ratio to the stable version's the plan catches before its deadline." }),
    feasible: z.boolean(),
    mode: z.enum(['judged', 'synthetic', 'time', 'refused']).openapi({ description: '`time`: the release runs on time alone and is unjudged; `refused`: a create is refused with `plan_infeasible`.' }),
    latencyObjectivesMs: z.record(z.string(), z.number()),
    warnings: z.array(z.object({ code: z.string(), message: z.string() })),
  })
  .openapi('Preflight');

export const DryRunSchema = z
  .object({ dryRun: z.literal(true), plan: documentedBy('Plan', () => jsonSchemaOf(ResolvedPlanSchema, 'output')), preflight: PreflightSchema })
  .openapi('ReleaseDryRun');

const DecisionSchema = z.object({ action: z.string(), reason: z.string(), at: z.string(), weight: z.number(), explanation: z.string() }).passthrough();

export const ReleaseViewSchema = z
  .object({
    id: z.string(),
    function: z.string(),
    alias: z.string(),
    version: z.string(),
    stableVersion: z.string(),
    state: z.enum(RELEASE_STATES),
    risk: z.enum(RISKS),
    plan: documentedBy('Plan', () => jsonSchemaOf(ResolvedPlanSchema, 'output')),
    policy: documentedBy('Policy', () => jsonSchemaOf(PolicySchema, 'output')),
    currentStep: z.object({ index: z.number(), total: z.number(), description: z.string() }),
    weight: z.number().openapi({ description: 'Percent of the alias the gate has given the new version.' }),
    aliasWeight: z.number().openapi({ description: 'Percent last read back from the alias.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    decisions: z.array(DecisionSchema),
    flags: z.array(z.unknown()),
    actors: z.array(z.object({ actor: z.string(), action: z.string(), at: z.string(), reason: z.string().optional() })),
    createdBy: z.string().optional(),
    revision: z.number(),
    synthetic: z
      .object({
        hooks: z.object({ function: z.string(), before: z.boolean(), after: z.boolean() }).optional(),
        probes: z.object({ eventCount: z.number(), pairsPerTick: z.number() }).optional(),
      })
      .optional()
      .openapi({ description: 'The synthetic evidence the release asked for; its probe events are in its created event.' }),
    hookRuns: z
      .array(
        z.object({
          phase: z.enum(['before', 'after']),
          function: z.string(),
          at: z.string(),
          outcome: z.enum(['pass', 'fail']),
          durationMs: z.number(),
          detail: z.string().optional(),
        }),
      )
      .optional(),
    probes: z
      .object({
        ticks: z.number(),
        canaryTotal: z.number(),
        canaryErrors: z.number(),
        baselineTotal: z.number(),
        baselineErrors: z.number(),
        lastTickAt: z.string().optional(),
        verdict: z.enum(['pass', 'fail', 'inconclusive']),
        note: z.string(),
      })
      .optional()
      .openapi({ description: 'The paired probes so far, judged as the gate judges them.' }),
    preflight: PreflightSchema.optional(),
    unjudged: z.boolean().openapi({ description: 'The release runs on time alone (`preflight.mode: time`): no SLI judged it.' }),
  })
  .passthrough()
  .openapi('Release');

export const GateSchema = z
  .object({
    outcome: z.enum(['pending', 'paused', 'succeeded', 'rolled_back', 'aborted']),
    state: z.enum(RELEASE_STATES),
    step: z.object({ index: z.number(), total: z.number(), description: z.string() }),
    weight: z.number(),
    explanation: z.string(),
    revision: z.number(),
    checks: z.array(z.object({ check: z.string(), verdict: z.string(), note: z.string() })),
  })
  .openapi('Gate');

export const errorResponses = {
  400: { description: 'Bad input: the paths at fault are in `error.issues`', content: { 'application/json': { schema: ErrorBodySchema } } },
  401: { description: 'No valid token', content: { 'application/json': { schema: ErrorBodySchema } } },
  403: { description: 'The token lacks the scope or the resource', content: { 'application/json': { schema: ErrorBodySchema } } },
  503: {
    description: 'An AWS service the gate depends on stays unavailable (`dependency_unavailable`); try again after `Retry-After` seconds',
    headers: { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } },
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
} as const;

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
/** A required JSON request body, validated by `schema`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
export const errorContent = (description: string) => jsonContent(ErrorBodySchema, description);

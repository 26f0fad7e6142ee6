import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { COHORT_NAME, FLAG_KEY } from '../../core/plan.js';
import { FlagDefinitionSchema, RuleSchema, type FlagSetDocument } from '../../flags/flag-schema.js';
import type { FlagService } from '../../flags/flag-service.js';
import { compileFlagSet, etagMatches, evaluateFlag, evaluateFlags, EVERY_FLAG, ofrepRefusal, readOfrepRequest, type CompiledFlagSet, type FlagView } from '../../flags/ofrep.js';
import type { StoredFlag } from '../../ports.js';
import { apiRouter, type ApiEnv } from '../deps.js';
import type { ApiError } from '../errors.js';
import { authorize, mayReadEveryFlag, mayReadFlag, type Principal } from '../../access.js';
import { documentedBy, errorContent, errorResponses, jsonBody, jsonContent, jsonSchemaOf } from '../schemas.js';

const security = [{ bearer: [] }];
const tags = ['flags'];
const Reason = z.string().trim().min(1).max(1000);
const KeyParams = z.object({
  key: z
    .string()
    .regex(FLAG_KEY, 'expected a flag key: letters, digits, _ . -')
    .openapi({ param: { name: 'key', in: 'path' } }),
});
const CohortParams = z.object({
  name: z
    .string()
    .regex(COHORT_NAME, 'expected a cohort name: letters, digits, _ . -')
    .openapi({ param: { name: 'name', in: 'path' } }),
});
const flagDefinition = () => documentedBy('FlagDefinition', () => jsonSchemaOf(FlagDefinitionSchema, 'output'));
const StoredFlagSchema = z
  .object({
    key: z.string(),
    version: z.number().int(),
    definition: flagDefinition(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    reason: z.string().optional(),
  })
  .openapi('StoredFlag');
const flagView = (flag: StoredFlag) => flag as unknown as z.infer<typeof StoredFlagSchema>;

/** OFREP clients poll: one read of the set's version per request, the whole set only when it changed. */
class CompiledSetCache {
  private cached: CompiledFlagSet | undefined;
  constructor(private readonly service: FlagService) {}
  async get(): Promise<CompiledFlagSet> {
    const { version } = await this.service.setVersion();
    if (this.cached?.version !== version) {
      const current = await this.service.getFlagSet();
      this.cached = compileFlagSet(current.flagSet, current.version);
    }
    return this.cached;
  }
}

/** The flag set as the token may see it: a token bound to some keys gets only those. */
function visibleSet(principal: Principal, document: FlagSetDocument): FlagSetDocument {
  if (mayReadEveryFlag(principal)) return document;
  return { ...document, flags: Object.fromEntries(Object.entries(document.flags).filter(([key]) => mayReadFlag(principal, key))) };
}

const notFound = { 404: errorContent('No such flag, cohort or version') };
const changed = { 409: errorContent('`conflict`: the flag or cohort changed since it was read; read it again and retry') };
const readErrors = { ...errorResponses, ...notFound };
const writeErrors = { ...errorResponses, ...changed };
const changeErrors = { ...errorResponses, ...notFound, ...changed };
const flagSetRoute = createRoute({
  method: 'get',
  path: '/flags',
  operationId: 'getFlagSet',
  tags,
  security,
  summary: 'The whole flag set as flagd JSON, with an ETag',
  request: { headers: z.object({ 'If-None-Match': z.string().optional() }) },
  responses: {
    200: jsonContent(
      z
        .object({ flags: z.record(z.string(), flagDefinition()), $evaluators: z.record(z.string(), z.unknown()).optional() })
        .passthrough()
        .openapi('FlagSet'),
      'The flagd document',
    ),
    304: { description: 'Unchanged since the ETag given' },
    ...errorResponses,
  },
});
const getFlagRoute = createRoute({
  method: 'get',
  path: '/flags/{key}',
  operationId: 'getFlag',
  tags,
  security,
  summary: 'One flag, its current version',
  request: { params: KeyParams },
  responses: { 200: jsonContent(StoredFlagSchema, 'The flag'), ...readErrors },
});
const putFlagRoute = createRoute({
  method: 'put',
  path: '/flags/{key}',
  operationId: 'putFlag',
  tags,
  security,
  summary: 'Write a flag whole, validated; a new version',
  request: {
    params: KeyParams,
    body: jsonBody(
      z.strictObject({
        definition: documentedBy(
          'FlagDefinitionRequest',
          () => jsonSchemaOf(FlagDefinitionSchema, 'input'),
          'A flagd flag: state, variants, defaultVariant, targeting (JsonLogic), metadata. Refused with `invalid_flag` and the path at fault.',
        ),
        reason: Reason,
        expectedVersion: z
          .number()
          .int()
          .min(1)
          .nullable()
          .optional()
          .openapi({ description: 'Refuse with 409 unless this is the current version (null: the flag must not exist yet)' }),
      }),
    ),
  },
  responses: { 200: jsonContent(StoredFlagSchema, 'The new version'), ...writeErrors },
});
const historyRoute = createRoute({
  method: 'get',
  path: '/flags/{key}/history',
  operationId: 'listFlagHistory',
  tags,
  security,
  summary: 'Every version of a flag, oldest first',
  request: { params: KeyParams },
  responses: { 200: jsonContent(z.object({ items: z.array(StoredFlagSchema) }), 'The versions'), ...readErrors },
});
const listCohortsRoute = createRoute({
  method: 'get',
  path: '/cohorts',
  operationId: 'listCohorts',
  tags,
  security,
  summary: 'The named cohorts',
  request: {},
  responses: { 200: jsonContent(z.object({ items: z.array(z.record(z.string(), z.unknown())) }), 'The cohorts'), ...errorResponses },
});
const putCohortRoute = createRoute({
  method: 'put',
  path: '/cohorts/{name}',
  operationId: 'putCohort',
  tags,
  security,
  summary: 'Define a named segment as a JsonLogic rule',
  request: {
    params: CohortParams,
    body: jsonBody(
      z.strictObject({
        rule: documentedBy(
          'CohortRule',
          () => jsonSchemaOf(RuleSchema, 'input'),
          'JsonLogic, e.g. {"ends_with": [{"var": "email"}, "@example.com"]}. Refused with `invalid_flag` and the path at fault.',
        ),
        reason: Reason.optional(),
        bucketBy: z.string().max(128).optional().openapi({ description: 'The context attribute ramps bucket on; targetingKey by default' }),
      }),
    ),
  },
  responses: { 200: jsonContent(z.record(z.string(), z.unknown()), 'The cohort'), ...writeErrors },
});
const rampRoute = createRoute({
  method: 'post',
  path: '/flags/{key}/ramp',
  operationId: 'rampFlag',
  tags,
  security,
  summary: "Ramp a cohort's share of a flag; raising only adds users",
  request: {
    params: KeyParams,
    body: jsonBody(
      z.strictObject({
        cohort: z.string().regex(COHORT_NAME),
        percent: z.number().min(0).max(100),
        reason: Reason,
        on: z.string().max(128).optional(),
        off: z.string().max(128).optional(),
      }),
    ),
  },
  responses: {
    200: jsonContent(z.object({ key: z.string(), previousVersion: z.number().nullable(), appliedVersion: z.number() }), 'The versions before and after'),
    ...changeErrors,
  },
});
const killRoute = createRoute({
  method: 'post',
  path: '/flags/{key}/kill',
  operationId: 'killFlag',
  tags,
  security,
  summary: 'The kill switch: the flag becomes DISABLED',
  request: { params: KeyParams, body: jsonBody(z.strictObject({ reason: Reason })) },
  responses: { 200: jsonContent(StoredFlagSchema, 'The new version'), ...changeErrors },
});
const restoreRoute = createRoute({
  method: 'post',
  path: '/flags/{key}/restore',
  operationId: 'restoreFlag',
  tags,
  security,
  summary: 'Write an earlier version again as the newest',
  request: {
    params: KeyParams,
    body: jsonBody(z.strictObject({ version: z.number().int().min(1), reason: Reason })),
  },
  responses: { 200: jsonContent(StoredFlagSchema, 'The flag after the restore'), ...changeErrors },
});

// The OFREP routes read their own key and body, so that every answer is in OFREP's shape.
const ofrepDescription =
  'Body: `{"context": {"targetingKey": "...", ...}}` (an empty body is an empty context). Answers and errors follow the OFREP specification: ' +
  'evaluation errors are `{key, errorCode, errorDetails}`, a flag that defers to the code default has no `value`.';
/**
 * Documented, not validated by the router: the handlers read the body themselves, so that a bad
 * one gets OFREP's `PARSE_ERROR` or `INVALID_CONTEXT` rather than the API's error shape.
 */
const ofrepRequestBody = {
  required: false,
  content: {
    'application/json': {
      schema: z.unknown().openapi('OfrepEvaluationRequest', {
        type: 'object',
        properties: { context: { type: 'object', properties: { targetingKey: { type: 'string' } }, additionalProperties: true } },
      }),
    },
  },
};
const OfrepMetadata = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const OfrepSuccessSchema = z
  .object({ key: z.string(), value: z.unknown().optional(), reason: z.string(), variant: z.string().optional(), metadata: OfrepMetadata })
  .openapi('OfrepEvaluationSuccess', { description: 'No `value`: use the code default (a DISABLED flag, or no default variant)' });
const OfrepFailureSchema = z
  .object({ key: z.string(), errorCode: z.string(), errorDetails: z.string(), metadata: OfrepMetadata.optional() })
  .openapi('OfrepEvaluationFailure');
const OfrepBulkFailureSchema = z.object({ errorCode: z.string(), errorDetails: z.string() }).openapi('OfrepBulkEvaluationFailure');
const OfrepGeneralErrorSchema = z.object({ errorDetails: z.string() }).openapi('OfrepGeneralError');
const ofrepAuthErrors = {
  401: jsonContent(OfrepGeneralErrorSchema, 'No valid token'),
  403: jsonContent(OfrepGeneralErrorSchema, 'The token lacks flags:read, or the flag is outside its patterns'),
  500: jsonContent(OfrepGeneralErrorSchema, 'A failure on our side'),
  503: {
    ...jsonContent(OfrepGeneralErrorSchema, 'An AWS service the gate depends on stays unavailable; try again after `Retry-After` seconds'),
    headers: { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } },
  },
} as const;
const ofrepFlagRoute = createRoute({
  method: 'post',
  path: '/ofrep/v1/evaluate/flags/{key}',
  operationId: 'evaluateFlag',
  tags: ['ofrep'],
  security,
  summary: 'OpenFeature Remote Evaluation Protocol: one flag',
  description: ofrepDescription,
  request: {
    params: z.object({ key: z.string().openapi({ param: { name: 'key', in: 'path' }, description: 'Any key; one that cannot exist is FLAG_NOT_FOUND' }) }),
    body: ofrepRequestBody,
  },
  responses: {
    200: jsonContent(OfrepSuccessSchema, 'The evaluation'),
    400: jsonContent(OfrepFailureSchema, 'PARSE_ERROR, INVALID_CONTEXT or GENERAL'),
    404: jsonContent(OfrepFailureSchema, 'FLAG_NOT_FOUND'),
    ...ofrepAuthErrors,
  },
});
const ofrepBulkRoute = createRoute({
  method: 'post',
  path: '/ofrep/v1/evaluate/flags',
  operationId: 'evaluateFlagsBulk',
  tags: ['ofrep'],
  security,
  summary: 'OpenFeature Remote Evaluation Protocol: every flag the token may read, with an ETag',
  description: ofrepDescription,
  request: { headers: z.object({ 'If-None-Match': z.string().optional() }), body: ofrepRequestBody },
  responses: {
    200: jsonContent(z.object({ flags: z.array(z.union([OfrepSuccessSchema, OfrepFailureSchema])), metadata: OfrepMetadata }), 'The evaluations'),
    304: { description: 'Unchanged for this context and token' },
    400: jsonContent(OfrepBulkFailureSchema, 'INVALID_CONTEXT'),
    ...ofrepAuthErrors,
  },
});

const OFREP_PREFIX = '/ofrep/';
const OFREP_FLAG = /^\/ofrep\/v1\/evaluate\/flags\/([\s\S]+)$/;

export const isOfrepPath = (path: string) => path.startsWith(OFREP_PREFIX);

/** Any error on an OFREP path, whatever raised it (authentication, limits, the routes), in OFREP's shape. */
export function ofrepErrorResponse(c: Context, error: ApiError): Response {
  const single = c.req.method === 'POST' ? OFREP_FLAG.exec(c.req.path) : null;
  const answer = ofrepRefusal(error.status, error.message, single === null ? undefined : decodedKey(single[1]!));
  // Through the context, so headers set before the refusal (Allow) stay on it, with the error's own (Retry-After).
  return c.json(answer.body, answer.status as ContentfulStatusCode, { ...error.headers });
}

function decodedKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** What bulk evaluation shows a token: the flags a single evaluation would let it read (admin reads all, as in `authorize`). */
function readableView(principal: Principal): FlagView {
  if (mayReadEveryFlag(principal)) return EVERY_FLAG;
  const patterns = [...new Set(principal.flags)].sort();
  return { id: JSON.stringify(patterns), includes: (key) => mayReadFlag(principal, key) };
}

/** Flags, cohorts and OFREP on the gate's app; scopes flags:read and flags:write, bound to flag-key globs. */
export function flagRoutes(service: FlagService): OpenAPIHono<ApiEnv> {
  const app = apiRouter();
  const cache = new CompiledSetCache(service);

  app.openapi(flagSetRoute, async (c) => {
    const principal = c.get('principal');
    authorize(principal, 'flags:read');
    // A token that sees part of the set gets its own tag, so caches never mix the two.
    const tagOf = (etag: string) => (mayReadEveryFlag(principal) ? etag : `${etag.slice(0, -1)}-${principal.tokenId}"`);
    const ifNoneMatch = c.req.header('If-None-Match');
    if (ifNoneMatch !== undefined) {
      // A poll that is up to date costs one read of the version, not the whole set.
      const tag = tagOf((await service.setVersion()).etag);
      if (etagMatches(ifNoneMatch, tag)) return c.body(null, 304, { ETag: tag });
    }
    const { flagSet, etag } = await service.getFlagSet();
    c.header('ETag', tagOf(etag));
    return c.json(visibleSet(principal, flagSet) as unknown as { flags: Record<string, unknown> }, 200);
  });

  app.openapi(getFlagRoute, async (c) => {
    const { key } = c.req.valid('param');
    authorize(c.get('principal'), 'flags:read', { flag: key });
    return c.json(flagView(await service.getFlag(key)), 200);
  });

  app.openapi(putFlagRoute, async (c) => {
    const { key } = c.req.valid('param');
    const principal = c.get('principal');
    authorize(principal, 'flags:write', { flag: key });
    const body = c.req.valid('json');
    return c.json(
      flagView(
        await service.putFlag({ key, definition: body.definition, expectedVersion: body.expectedVersion, actor: principal.subject, reason: body.reason }),
      ),
      200,
    );
  });

  app.openapi(historyRoute, async (c) => {
    const { key } = c.req.valid('param');
    authorize(c.get('principal'), 'flags:read', { flag: key });
    return c.json({ items: (await service.history(key)).map(flagView) }, 200);
  });

  app.openapi(listCohortsRoute, async (c) => {
    authorize(c.get('principal'), 'flags:read');
    return c.json({ items: (await service.listCohorts()) as unknown as Record<string, unknown>[] }, 200);
  });

  app.openapi(putCohortRoute, async (c) => {
    const { name } = c.req.valid('param');
    const principal = c.get('principal');
    // A cohort is shared by every flag that ramps it, so changing one needs a token for all flags.
    authorize(principal, 'flags:write', { everyFlag: true });
    const body = c.req.valid('json');
    const cohort = await service.putCohort({
      name,
      rule: body.rule,
      bucketBy: body.bucketBy,
      actor: principal.subject,
      reason: body.reason ?? `cohort ${name} defined`,
    });
    return c.json(cohort as unknown as Record<string, unknown>, 200);
  });

  app.openapi(rampRoute, async (c) => {
    const { key } = c.req.valid('param');
    const principal = c.get('principal');
    authorize(principal, 'flags:write', { flag: key });
    const body = c.req.valid('json');
    const versions = await service.ramp({
      key,
      cohort: body.cohort,
      percent: body.percent,
      on: body.on,
      off: body.off,
      actor: principal.subject,
      reason: body.reason,
    });
    return c.json({ key, ...versions }, 200);
  });

  app.openapi(killRoute, async (c) => {
    const { key } = c.req.valid('param');
    const principal = c.get('principal');
    authorize(principal, 'flags:write', { flag: key });
    return c.json(flagView(await service.kill({ key, actor: principal.subject, reason: c.req.valid('json').reason })), 200);
  });

  app.openapi(restoreRoute, async (c) => {
    const { key } = c.req.valid('param');
    const principal = c.get('principal');
    authorize(principal, 'flags:write', { flag: key });
    const body = c.req.valid('json');
    await service.restore({ key, version: body.version, actor: principal.subject, reason: body.reason });
    return c.json(flagView(await service.getFlag(key)), 200);
  });

  // Every key is routed here, `/` included, so that a key that cannot exist is FLAG_NOT_FOUND.
  app.openAPIRegistry.registerPath(ofrepFlagRoute);
  app.post('/ofrep/v1/evaluate/flags/:key{[\\s\\S]+}', async (c) => {
    const key = c.req.param('key');
    authorize(c.get('principal'), 'flags:read', { flag: key });
    const compiled = await cache.get();
    const answer = evaluateFlag(compiled, key, readOfrepRequest(await c.req.text()));
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
  });

  app.openapi(ofrepBulkRoute, async (c) => {
    const principal = c.get('principal');
    authorize(principal, 'flags:read');
    const compiled = await cache.get();
    const answer = evaluateFlags(compiled, readOfrepRequest(await c.req.text()), c.req.header('If-None-Match'), readableView(principal));
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
  });
  return app;
}

import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { isTerminal, type Release } from '../../core/release.js';
import { requestedHookFunction } from '../../core/synthetic.js';
import { act, HUMAN_ACTIONS, REASON_REQUIRED, type HumanAction } from '../../engine/actions.js';
import { readableRelease, releaseHistory } from '../../engine/read.js';
import { previewRelease, startRelease } from '../../engine/start-release.js';
import { apiRouter, type ApiDeps, type ApiEnv } from '../deps.js';
import { authorize, mayReadFunction } from '../../access.js';
import { ApiError, validationError } from '../errors.js';
import {
  ActionBodySchema,
  OverrideBodySchema,
  CreateReleaseSchema,
  DryRunSchema,
  errorContent,
  errorResponses,
  GateQuerySchema,
  GateSchema,
  IdParamsSchema,
  jsonBody,
  jsonContent,
  ListReleasesQuerySchema,
  ReleaseViewSchema,
} from '../schemas.js';
import { eventsView, gateView, releaseView } from '../serialize.js';

/** Views are built from domain types; the schemas document them for the OpenAPI document. */
type ReleaseView = z.infer<typeof ReleaseViewSchema>;
const view = (release: Release) => releaseView(release) as unknown as ReleaseView;

const security = [{ bearer: [] }];
const tags = ['releases'];

const createReleaseRoute = createRoute({
  method: 'post',
  path: '/releases',
  operationId: 'createRelease',
  tags,
  security,
  summary: 'Start a release of a Lambda version behind an alias',
  request: {
    headers: z.object({ 'Idempotency-Key': z.string().optional().openapi({ description: 'Retries with the same key and body get the same answer.' }) }),
    body: jsonBody(CreateReleaseSchema),
  },
  responses: {
    200: jsonContent(DryRunSchema, 'With `dryRun: true`: the plan as it would run and its pre-flight; nothing was created'),
    201: jsonContent(ReleaseViewSchema, 'The release, pending its first evaluation, with its pre-flight'),
    ...errorResponses,
    409: errorContent(
      'The alias is busy, for now: `release_in_progress` (another release holds it; `issues` name it) or `alias_busy` (it splits traffic outside the gate). Retry with the same `Idempotency-Key` once it is free.',
    ),
    422: errorContent(
      'The version was refused (`version_not_found`, `version_unpublished`, `code_sha_mismatch`, `incompatible_version`, …), `plan_infeasible` (the stable version\'s traffic cannot judge the plan in time and the policy says refuse; `error.preflight` has the forecast and its warnings) or `idempotency_key_reused`',
    ),
  },
});

const listReleasesRoute = createRoute({
  method: 'get',
  path: '/releases',
  operationId: 'listReleases',
  tags,
  security,
  summary: 'List releases, newest first',
  request: { query: ListReleasesQuerySchema },
  responses: {
    200: jsonContent(z.object({ items: z.array(ReleaseViewSchema), cursor: z.string().optional() }), 'A page of releases'),
    ...errorResponses,
  },
});

const getReleaseRoute = createRoute({
  method: 'get',
  path: '/releases/{id}',
  operationId: 'getRelease',
  tags,
  security,
  summary: 'One release',
  request: { params: IdParamsSchema },
  responses: { 200: jsonContent(ReleaseViewSchema, 'The release'), ...errorResponses, 404: errorContent('No such release') },
});

const eventsRoute = createRoute({
  method: 'get',
  path: '/releases/{id}/events',
  operationId: 'listReleaseEvents',
  tags,
  security,
  summary: "A release's audit events in order, with the hash chain verified",
  request: { params: IdParamsSchema },
  responses: {
    200: jsonContent(
      z.object({ releaseId: z.string(), chain: z.object({ ok: z.boolean(), events: z.number() }).passthrough(), events: z.array(z.object({ seq: z.number(), type: z.string() }).passthrough()) }),
      'The events',
    ),
    ...errorResponses,
    404: errorContent('No such release'),
  },
});

const ACTION_SUMMARIES: Record<HumanAction, string> = {
  pause: 'Pause a release where it stands',
  resume: 'Resume a paused release',
  approve: 'Approve the approval step the release waits at (releases:approve)',
  promote: 'Promote to 100% past the gate (releases:approve); needs a reason',
  abort: 'Stop a release and return the alias to the stable version; needs a reason',
  rollback: 'Roll the alias back to the stable version by hand; needs a reason',
};

/** One route per action, so that each has its own operation and a path's methods are exact. */
const actionRoutes = HUMAN_ACTIONS.map((action) =>
  createRoute({
    method: 'post',
    path: `/releases/{id}/${action}`,
    operationId: `${action}Release`,
    tags,
    security,
    summary: ACTION_SUMMARIES[action],
    request: {
      params: IdParamsSchema,
      body: REASON_REQUIRED.has(action)
        ? { required: true, content: { 'application/json': { schema: OverrideBodySchema } } }
        : { required: false, content: { 'application/json': { schema: ActionBodySchema } } },
    },
    responses: {
      200: jsonContent(ReleaseViewSchema, 'The release after the action'),
      ...errorResponses,
      404: errorContent('No such release'),
      409: errorContent(
        action === 'resume'
          ? '`invalid_transition`: the state does not allow this action; `alias_drifted`: the alias still routes as someone else left it (the message says how to set it back)'
          : '`invalid_transition`: the state does not allow this action',
      ),
    },
  }),
);

const gateRoute = createRoute({
  method: 'get',
  path: '/releases/{id}/gate',
  operationId: 'getReleaseGate',
  tags,
  security,
  summary: 'For pipelines: where the release stands, with a long poll',
  request: { params: IdParamsSchema, query: GateQuerySchema },
  responses: { 200: jsonContent(GateSchema, 'The gate'), ...errorResponses, 404: errorContent('No such release') },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/releases/{id}/metrics',
  operationId: 'getReleaseMetrics',
  tags,
  security,
  summary: 'The SLIs per period since the release started, new version against baseline, as the gate stored and judged them',
  request: { params: IdParamsSchema },
  responses: {
    200: jsonContent(
      z.object({ releaseId: z.string(), observation: z.object({ ok: z.boolean() }).passthrough() }).openapi('ReleaseMetrics'),
      'Per-period counts and latency percentiles of both versions, as the latest tick stored them; `ok: false` with the provider error when every reading so far failed',
    ),
    ...errorResponses,
    404: errorContent('No such release'),
  },
});

export function releaseRoutes(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = apiRouter();
  app.openapi(createReleaseRoute, async (c) => {
    const body = c.req.valid('json');
    const principal = c.get('principal');
    authorize(principal, 'releases:write', { function: body.function });
    for (const flag of body.flags ?? []) authorize(principal, 'flags:write', { flag: flag.key });
    // The gate invokes a hook function with its own role: only for callers that may release that function too.
    const hookFunction = requestedHookFunction(body.synthetic);
    if (hookFunction !== undefined) authorize(principal, 'releases:write', { function: hookFunction });
    const { dryRun, ...input } = body;
    if (dryRun === true) {
      const preview = await previewRelease(deps.engine, input);
      // It changed nothing, so there is no answer for an Idempotency-Key to keep.
      c.set('changedNothing', true);
      return c.json({ dryRun: true, plan: preview.plan, preflight: preview.preflight } as unknown as z.infer<typeof DryRunSchema>, 200);
    }
    const release = await startRelease(deps.engine, input, principal.subject);
    c.header('Location', `/releases/${release.id}`);
    return c.json(view(release), 201);
  });

  app.openapi(listReleasesRoute, async (c) => {
    const query = c.req.valid('query');
    const principal = c.get('principal');
    authorize(principal, 'releases:read', query.function === undefined ? {} : { function: query.function });
    const page = await deps.engine.store.list(query);
    return c.json({ items: page.items.filter((release) => mayReadFunction(principal, release.function)).map(view), cursor: page.cursor }, 200);
  });

  app.openapi(getReleaseRoute, async (c) => {
    const release = await readableRelease(deps.engine.store, c.get('principal'), c.req.valid('param').id);
    return c.json(view(release), 200);
  });

  app.openapi(eventsRoute, async (c) => {
    const { id } = c.req.valid('param');
    await readableRelease(deps.engine.store, c.get('principal'), id);
    const [events, chain] = await Promise.all([deps.engine.store.events(id), deps.engine.store.verifyChain(id)]);
    return c.json(eventsView(id, events, chain), 200);
  });

  app.openapi(metricsRoute, async (c) => {
    const { id } = c.req.valid('param');
    await readableRelease(deps.engine.store, c.get('principal'), id);
    const { observation } = await releaseHistory(deps.engine.store, id);
    // The schema documents only `ok`; the periods follow lib/core/metrics.ts.
    const body: { releaseId: string; observation: { ok: boolean } } = { releaseId: id, observation };
    return c.json(body, 200);
  });

  for (const [index, route] of actionRoutes.entries()) {
    const action = HUMAN_ACTIONS[index]!;
    app.openapi(
      route,
      async (c) => {
        const { id } = c.req.valid('param');
        const principal = c.get('principal');
        const release = await readableRelease(deps.engine.store, principal, id);
        authorize(principal, action === 'approve' || action === 'promote' ? 'releases:approve' : 'releases:write', { function: release.function });
        // Overrides' bodies require the reason; the hook below names it when it is missing.
        const reason = (c.req.valid('json') as { reason?: string } | undefined)?.reason;
        const updated = await act(deps.engine, id, { action, actor: principal.subject, reason });
        return c.json(view(updated), 200);
      },
      (result) => {
        if (result.success) return undefined;
        // An override without its reason gets its own code: pipelines and people act on it.
        if (result.target === 'json' && result.error.issues.some((issue) => issue.path[0] === 'reason' && issue.code === 'invalid_type')) {
          throw new ApiError(400, 'reason_required', `${action} overrides the gate and needs a reason`, [{ path: 'reason', message: 'required' }]);
        }
        throw validationError(result.error, result.target === 'json' ? [] : [result.target]);
      },
    );
  }

  app.openapi(gateRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { wait, since } = c.req.valid('query');
    const principal = c.get('principal');
    let release = await readableRelease(deps.engine.store, principal, id);
    const seen = since ?? release.revision;
    const deadline = deps.engine.clock.now() + wait * 1000;
    while (!isTerminal(release.state) && release.revision <= seen && deps.engine.clock.now() < deadline) {
      await deps.engine.clock.sleep(Math.min(deps.gatePollMs, deadline - deps.engine.clock.now()));
      release = (await deps.engine.store.get(id)) ?? release;
    }
    return c.json(gateView(release), 200);
  });
  return app;
}

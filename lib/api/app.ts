import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { authenticate } from './auth.js';
import { apiRouter, type ApiDeps, type ApiEnv } from './deps.js';
import { ApiError, errorResponse, toApiError } from './errors.js';
import { idempotency } from './idempotency.js';
import { completeDocument, type OpenApiDocument } from './openapi.js';
import { expandDomainSchemas } from './schemas.js';
import { flagRoutes, isOfrepPath, ofrepErrorResponse } from './routes/flags.js';
import { releaseRoutes } from './routes/releases.js';
import { reportRoutes } from './routes/reports.js';
import { tokenRoutes } from './routes/tokens.js';

const ALWAYS_PUBLIC = ['/health', '/openapi.json'];

const DOCUMENT_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Release Gate',
    version: '1.0.0',
    description: 'Gated weighted-alias releases of AWS Lambda versions, judged on CloudWatch SLIs, with automatic rollback and OpenFeature flag ramps.',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  servers: [{ url: '/', description: 'The gate that serves this document' }],
  tags: [
    { name: 'releases', description: 'Start, follow and act on releases' },
    { name: 'reports', description: 'Delivery metrics from the release records' },
    { name: 'tokens', description: 'Scoped bearer tokens (admin)' },
    { name: 'flags', description: 'Flags and cohorts in flagd format, versioned and audited' },
    { name: 'ofrep', description: 'The OpenFeature Remote Evaluation Protocol' },
    { name: 'meta', description: 'Health and this document' },
  ],
};

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  tags: ['meta'],
  security: [],
  summary: 'Whether the gate answers; no token',
  responses: { 200: { description: 'It does', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

const documentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  tags: ['meta'],
  security: [],
  summary: 'This document, OpenAPI 3.1; no token',
  responses: { 200: { description: 'The document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
});

function isPublic(path: string, extra: readonly string[]): boolean {
  return [...ALWAYS_PUBLIC, ...extra].some((entry) => (entry.endsWith('*') ? path.startsWith(entry.slice(0, -1)) : path === entry));
}

/** Hono's path syntax (`/releases/:id`, `*`) as a regular expression over whole paths. */
function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (segment === '*' ? '.*' : segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/** The methods the app's routes answer on this path: what a 405 lists in `Allow`. Middleware (ALL) does not count. */
export function allowedMethods(routes: readonly { method: string; path: string }[], path: string): string[] {
  const methods = new Set(routes.filter((route) => route.method !== 'ALL' && pathPattern(route.path).test(path)).map((route) => route.method.toUpperCase()));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

function requestLog(deps: ApiDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    // Method, route and outcome only: headers (and with them any token) are never logged.
    const releaseId = /^\/releases\/([^/]+)/.exec(c.req.path)?.[1];
    deps.engine.logger.info('request', {
      method: c.req.method,
      path: c.req.routePath,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      ...(releaseId ? { releaseId } : {}),
      ...(c.get('principal') ? { subject: c.get('principal').subject } : {}),
    });
  };
}

/**
 * The gate's HTTP API: releases, reports and tokens, with one error shape, bearer tokens with
 * scopes, idempotent POSTs and a generated OpenAPI 3.1 document at /openapi.json.
 */
export function createApp(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = apiRouter();
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'rg_<id>_<secret>' });

  // OFREP clients understand only OFREP's error bodies, so its paths answer in that shape, whatever the error.
  const respond = (c: Context, error: ApiError) => (isOfrepPath(c.req.path) ? ofrepErrorResponse(c, error) : errorResponse(c, error));
  app.onError((error, c) => {
    const answer = toApiError(error);
    if (answer.status === 503) deps.engine.logger.warn('dependency unavailable', { path: c.req.path, error: String(error) });
    else if (answer.status >= 500) deps.engine.logger.error('unhandled error', { path: c.req.path, error: String(error), stack: error instanceof Error ? error.stack : undefined });
    return respond(c, answer);
  });
  app.notFound((c) => {
    const allowed = allowedMethods(app.routes, c.req.path);
    if (allowed.length === 0) return respond(c, new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
    c.header('Allow', allowed.join(', '));
    return respond(c, new ApiError(405, 'method_not_allowed', `${c.req.path} answers ${allowed.join(', ')}, not ${c.req.method}`, [{ path: 'method', message: `one of ${allowed.join(', ')}` }]));
  });

  app.use('*', requestLog(deps));
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `bodies are limited to ${deps.maxBodyBytes} bytes`);
      },
    }),
  );
  app.use('*', async (c, next) => {
    if (isPublic(c.req.path, deps.publicPaths ?? [])) return next();
    c.set('principal', await authenticate(c.req.header('Authorization'), deps.tokens, deps.bootstrapAdmin, deps.engine.clock.now()));
    return next();
  });
  // OFREP evaluations change nothing, so they have nothing to make idempotent.
  app.use('*', idempotency(deps.idempotency, deps.engine.clock, { ttlSeconds: deps.idempotencyTtlSeconds, inProgressMs: deps.idempotencyInProgressMs, skip: isOfrepPath }));

  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
  app.route('/', releaseRoutes(deps));
  app.route('/', reportRoutes(deps));
  app.route('/', tokenRoutes(deps));
  if (deps.flagService !== undefined) app.route('/', flagRoutes(deps.flagService));
  for (const extend of deps.extensions ?? []) extend(app, deps);

  // Built on the first request, once every route is registered, and kept.
  let document: OpenApiDocument | undefined;
  app.openapi(documentRoute, (c) => {
    document ??= completeDocument(expandDomainSchemas(app.getOpenAPI31Document(DOCUMENT_INFO) as unknown as OpenApiDocument), (path) => (isOfrepPath(path) ? 'ofrep' : 'api'));
    return c.json(document as Record<string, unknown>, 200);
  });
  return app;
}

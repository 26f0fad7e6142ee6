import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { EngineDeps } from '../engine/deps.js';
import type { FlagService } from '../flags/flag-service.js';
import type { IdempotencyStore, TokenStore } from '../ports.js';
import { authenticate, type BootstrapToken, type Principal } from './auth.js';
import { ApiError, errorResponse, toApiError, validationError } from './errors.js';
import { idempotency } from './idempotency.js';
import { registerFlagRoutes } from './routes/flags.js';
import { registerReleaseRoutes } from './routes/releases.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerTokenRoutes } from './routes/tokens.js';

export interface ApiDeps {
  readonly engine: EngineDeps;
  readonly tokens: TokenStore;
  readonly idempotency: IdempotencyStore;
  /** Flags, cohorts and OFREP are served when a flag service is given. */
  readonly flagService?: FlagService | undefined;
  /** The admin token from configuration, as an id and a hash. */
  readonly bootstrapAdmin?: BootstrapToken | undefined;
  /** How often the gate's long poll looks at the release. */
  readonly gatePollMs: number;
  readonly idempotencyTtlSeconds: number;
  readonly maxBodyBytes: number;
  /** Extra routes mounted on the same app: flags, OFREP, the dashboard. */
  readonly extensions?: readonly ((app: OpenAPIHono<ApiEnv>, deps: ApiDeps) => void)[] | undefined;
  /** Paths served without a token (exact, or a prefix ending in `*`). */
  readonly publicPaths?: readonly string[] | undefined;
}

export const DEFAULT_API_SETTINGS = { gatePollMs: 1_000, idempotencyTtlSeconds: 24 * 3600, maxBodyBytes: 256 * 1024 } as const;

export type ApiEnv = { Variables: { principal: Principal } };

const ALWAYS_PUBLIC = ['/health', '/openapi.json'];

function isPublic(path: string, extra: readonly string[]): boolean {
  return [...ALWAYS_PUBLIC, ...extra].some((entry) => (entry.endsWith('*') ? path.startsWith(entry.slice(0, -1)) : path === entry));
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
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target === 'json' ? [] : [result.target]);
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'rg_<id>_<secret>' });

  app.onError((error, c) => {
    const answer = toApiError(error);
    if (answer.status === 503) deps.engine.logger.warn('dependency unavailable', { path: c.req.path, error: String(error) });
    else if (answer.status >= 500) deps.engine.logger.error('unhandled error', { path: c.req.path, error: String(error), stack: error instanceof Error ? error.stack : undefined });
    return errorResponse(c, answer);
  });
  app.notFound((c) => errorResponse(c, new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)));

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
  app.use('*', idempotency(deps.idempotency, deps.engine.clock, deps.idempotencyTtlSeconds));

  app.get('/health', (c) => c.json({ status: 'ok' }, 200));
  registerReleaseRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerTokenRoutes(app, deps);
  if (deps.flagService !== undefined) registerFlagRoutes(app, deps.flagService);
  for (const extend of deps.extensions ?? []) extend(app, deps);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Release Gate',
      version: '1.0.0',
      description: 'Gated weighted-alias releases of AWS Lambda versions, judged on CloudWatch SLIs, with automatic rollback and OpenFeature flag ramps.',
    },
  });
  return app;
}

/**
 * What the API is built from, and the router every route module starts from: one validation hook,
 * so a bad request answers the same 400 whichever module serves it.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { EngineDeps } from '../engine/deps.js';
import type { FlagService } from '../flags/flag-service.js';
import type { IdempotencyStore, TokenStore } from '../ports.js';
import type { BootstrapToken } from './auth.js';
import type { Principal } from '../access.js';
import { validationError } from './errors.js';

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
  /** How long an unfinished idempotent request holds its key when the function's remaining time is unknown. */
  readonly idempotencyInProgressMs: number;
  readonly maxBodyBytes: number;
  /** Extra routes mounted on the same app: flags, OFREP, the dashboard. */
  readonly extensions?: readonly ((app: OpenAPIHono<ApiEnv>, deps: ApiDeps) => void)[] | undefined;
  /** Paths served without a token (exact, or a prefix ending in `*`). */
  readonly publicPaths?: readonly string[] | undefined;
}

// 30 s in progress: API Gateway gives up on a request after 29 s, so nothing legitimate runs longer.
export const DEFAULT_API_SETTINGS = { gatePollMs: 1_000, idempotencyTtlSeconds: 24 * 3600, idempotencyInProgressMs: 30_000, maxBodyBytes: 256 * 1024 } as const;

export type ApiEnv = { Variables: { principal: Principal; changedNothing?: boolean | undefined } };

/** A router for one module's routes, mounted by createApp with `app.route('/', …)`. */
export function apiRouter(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target === 'json' ? [] : [result.target]);
    },
  });
}

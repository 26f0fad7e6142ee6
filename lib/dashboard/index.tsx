/**
 * The dashboard: server-rendered pages on the gate's own app. The API stays token-only; pages
 * sign people in with a token kept in a cookie (see session.ts) and check the same scopes.
 */
import { Hono } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps, ApiEnv } from '../api/deps.js';
import { ApiError } from '../api/errors.js';
import { NotFoundError } from '../errors.js';
import { registerAssetRoutes } from './routes/asset-routes.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerDeliveryRoutes } from './routes/delivery-routes.js';
import { registerFlagRoutes } from './routes/flag-routes.js';
import { registerListRoutes } from './routes/list-routes.js';
import { registerReleaseRoutes } from './routes/release-routes.js';
import { securityHeaders } from './security-headers.js';
import { crossSite } from './session.js';
import { uiErrorHandler } from './ui-errors.js';

/**
 * Paths the gate must not ask a bearer token for: the pages authenticate from their cookie.
 * Pass them to createApp's `publicPaths` with the extension.
 */
export const DASHBOARD_PUBLIC_PATHS: readonly string[] = ['/', '/ui/*'];

export type Extension = (app: OpenAPIHono<ApiEnv>, deps: ApiDeps) => void;

/** The dashboard as an `ApiDeps['extensions']` entry. */
export function dashboard(): Extension {
  return (app, deps) => {
    const ui = new Hono();
    ui.onError(uiErrorHandler(deps));
    // Mounted at the root, so middleware names the dashboard's paths: the API's answers stay as they are.
    for (const path of ['/', '/ui/*']) {
      ui.use(path, securityHeaders());
      ui.use(path, async (c, next) => {
        if (c.req.method === 'POST' && crossSite(c.req.header('Sec-Fetch-Site'))) throw new ApiError(403, 'forbidden', 'forms posted from another site are refused');
        return next();
      });
    }
    registerAssetRoutes(ui);
    registerAuthRoutes(ui, deps);
    registerListRoutes(ui, deps);
    registerReleaseRoutes(ui, deps);
    registerFlagRoutes(ui, deps);
    registerDeliveryRoutes(ui, deps);
    ui.all('/ui/*', (c) => {
      throw new NotFoundError(`page ${c.req.path.slice(0, 200)}`);
    });
    app.route('/', ui);
  };
}

import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { deliveryMetrics } from '../../core/delivery.js';
import type { Release } from '../../core/release.js';
import type { ApiDeps, ApiEnv } from '../app.js';
import { authorize, mayReadFunction } from '../auth.js';
import { DeliveryQuerySchema, errorResponses, jsonContent } from '../schemas.js';

const DAY_MS = 86_400_000;
/** A report reads at most this many releases; beyond it the answer says it was truncated. */
const MAX_RELEASES = 5_000;

const deliveryRoute = createRoute({
  method: 'get',
  path: '/reports/delivery',
  operationId: 'getDeliveryReport',
  tags: ['reports'],
  security: [{ bearer: [] }],
  summary: 'Delivery metrics (DORA) from the release records',
  request: { query: DeliveryQuerySchema },
  responses: { 200: jsonContent(z.object({ truncated: z.boolean() }).passthrough().openapi('DeliveryReport'), 'The metrics'), ...errorResponses },
});

export function registerReportRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(deliveryRoute, async (c) => {
    const query = c.req.valid('query');
    const principal = c.get('principal');
    authorize(principal, 'releases:read', query.function === undefined ? {} : { function: query.function });
    const until = query.until === undefined ? deps.engine.clock.now() : Date.parse(query.until);
    const since = query.since === undefined ? until - 30 * DAY_MS : Date.parse(query.since);
    const releases: Release[] = [];
    let cursor: string | undefined;
    do {
      const page = await deps.engine.store.list({ function: query.function, since, limit: 100, cursor });
      releases.push(...page.items.filter((release) => mayReadFunction(principal, release.function)));
      cursor = page.cursor;
    } while (cursor !== undefined && releases.length < MAX_RELEASES);
    return c.json({ ...deliveryMetrics(releases, { since, until }), function: query.function ?? null, truncated: cursor !== undefined }, 200);
  });
}

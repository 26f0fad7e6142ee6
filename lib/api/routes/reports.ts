import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { deliveryReport } from '../../engine/read.js';
import { apiRouter, type ApiDeps, type ApiEnv } from '../deps.js';
import { DeliveryQuerySchema, errorResponses, jsonContent } from '../schemas.js';

const DAY_MS = 86_400_000;

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

export function reportRoutes(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = apiRouter();
  app.openapi(deliveryRoute, async (c) => {
    const query = c.req.valid('query');
    const until = query.until === undefined ? deps.engine.clock.now() : Date.parse(query.until);
    const since = query.since === undefined ? until - 30 * DAY_MS : Date.parse(query.since);
    const { metrics, truncated } = await deliveryReport(deps.engine.store, c.get('principal'), { since, until, function: query.function });
    return c.json({ ...metrics, function: query.function ?? null, truncated }, 200);
  });
  return app;
}

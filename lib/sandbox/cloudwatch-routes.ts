/**
 * CloudWatch over AWS JSON 1.0, as @aws-sdk/client-cloudwatch speaks it: `POST /` with
 * `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, timestamps as epoch seconds.
 * Only GetMetricData is implemented.
 */
import { Hono } from 'hono';
import * as z from 'zod';
import { CloudWatchServiceError } from './errors.js';
import type { LambdaWorld } from './lambda-world.js';
import { getMetricData, getMetricDataSchema } from './metric-query.js';

const SERVICE_TARGET = 'GraniteServiceVersion20100801';

export function cloudWatchRoutes(world: LambdaWorld, clock: { now(): number }): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const target = c.req.header('x-amz-target') ?? '';
    if (target !== `${SERVICE_TARGET}.GetMetricData`) {
      throw new CloudWatchServiceError('UnknownOperationException', `The sandbox does not implement ${target || 'an operation without X-Amz-Target'}; only ${SERVICE_TARGET}.GetMetricData`);
    }
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw new CloudWatchServiceError('SerializationException', 'The request body is not JSON');
    }
    const input = getMetricDataSchema.safeParse(json);
    if (!input.success) throw new CloudWatchServiceError('InvalidParameterValueException', z.prettifyError(input.error));
    const output = getMetricData(world.metrics, input.data, clock.now());
    return c.body(JSON.stringify(output), 200, { 'content-type': 'application/x-amz-json-1.0' });
  });
  return app;
}

/**
 * Lambda's restJson1 operations the gate uses, over the world. Paths and bindings follow the
 * SDK's schemas (node_modules/@aws-sdk/client-lambda): FunctionName in the path, Qualifier,
 * Marker and MaxItems in the query, Invoke's payload as the raw body and its metadata in headers.
 */
import { Hono } from 'hono';
import * as z from 'zod';
import { LambdaServiceError } from './errors.js';
import type { LambdaWorld } from './lambda-world.js';

const updateAliasSchema = z.object({
  FunctionVersion: z.string().min(1).optional(),
  Description: z.string().max(256).optional(),
  RoutingConfig: z.object({ AdditionalVersionWeights: z.record(z.string(), z.number()).optional() }).optional(),
  RevisionId: z.string().optional(),
});

const ALIAS_PATH = '/2015-03-31/functions/:fn/aliases/:alias';

export function lambdaRoutes(world: LambdaWorld): Hono {
  const app = new Hono();

  app.get(ALIAS_PATH, (c) => c.json(world.getAlias(c.req.param('fn'), c.req.param('alias'))));

  app.put(ALIAS_PATH, async (c) => {
    const body = updateAliasSchema.safeParse(await jsonBody(c.req.raw));
    if (!body.success) throw new LambdaServiceError('InvalidParameterValueException', z.prettifyError(body.error));
    return c.json(world.updateAlias(c.req.param('fn'), c.req.param('alias'), body.data));
  });

  app.get('/2015-03-31/functions/:fn/configuration', (c) => c.json(world.getFunctionConfiguration(c.req.param('fn'), c.req.query('Qualifier'))));

  app.get('/2015-03-31/functions/:fn/versions', (c) => {
    const maxItems = c.req.query('MaxItems');
    return c.json(world.listVersions(c.req.param('fn'), c.req.query('Marker'), maxItems === undefined ? undefined : Number(maxItems)));
  });

  app.post('/2015-03-31/functions/:fn/invocations', async (c) => {
    const type = c.req.header('x-amz-invocation-type') ?? 'RequestResponse';
    if (type !== 'RequestResponse') {
      throw new LambdaServiceError('InvalidParameterValueException', `InvocationType ${type} is not supported in the sandbox; use RequestResponse`);
    }
    const text = await c.req.text();
    const event = text.trim() === '' ? {} : parseEvent(text);
    const result = await world.invoke(c.req.param('fn'), c.req.query('Qualifier'), event);
    return new Response(result.payload, {
      status: 200,
      headers: {
        'content-type': 'application/json',
        'x-amz-executed-version': result.executedVersion,
        ...(result.functionError ? { 'x-amz-function-error': result.functionError } : {}),
      },
    });
  });

  app.all('/2015-03-31/*', (c) => {
    throw new LambdaServiceError('UnknownOperationException', `The sandbox does not implement ${c.req.method} ${c.req.path}`);
  });

  return app;
}

async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  return text.trim() === '' ? {} : parseEvent(text);
}

function parseEvent(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new LambdaServiceError('InvalidRequestContentException', 'Could not parse request body into json');
  }
}

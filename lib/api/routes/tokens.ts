import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { TokenRecord } from '../../ports.js';
import { apiRouter, type ApiDeps, type ApiEnv } from '../deps.js';
import { authorize } from '../../access.js';
import { ApiError } from '../errors.js';
import { CreateTokenSchema, ListTokensQuerySchema, errorContent, errorResponses, IdParamsSchema, jsonBody, jsonContent } from '../schemas.js';
import { hashSecret, mintToken } from '../tokens.js';

const security = [{ bearer: [] }];
const tags = ['tokens'];

const TokenViewSchema = z
  .object({ id: z.string(), subject: z.string(), scopes: z.array(z.string()), functions: z.array(z.string()), flags: z.array(z.string()), createdAt: z.string() })
  .passthrough()
  .openapi('Token');

/** A token record without its hash: nothing secret ever leaves the store. */
const tokenView = ({ secretHash: _hash, ...record }: TokenRecord) => record as unknown as z.infer<typeof TokenViewSchema>;

const createTokenRoute = createRoute({
  method: 'post',
  path: '/tokens',
  operationId: 'createToken',
  tags,
  security,
  summary: 'Mint a scoped token (admin); its secret is shown once',
  request: { body: jsonBody(CreateTokenSchema) },
  responses: { 201: jsonContent(TokenViewSchema.extend({ token: z.string() }), 'The token, with its secret this once'), ...errorResponses },
});

const listTokensRoute = createRoute({
  method: 'get',
  path: '/tokens',
  operationId: 'listTokens',
  tags,
  security,
  summary: 'List tokens (admin), without secrets, a page at a time',
  request: { query: ListTokensQuerySchema },
  responses: { 200: jsonContent(z.object({ items: z.array(TokenViewSchema), cursor: z.string().optional() }), 'A page of tokens; `cursor` fetches the next'), ...errorResponses },
});

const revokeTokenRoute = createRoute({
  method: 'delete',
  path: '/tokens/{id}',
  operationId: 'revokeToken',
  tags,
  security,
  summary: 'Revoke a token (admin); the record stays, marked revoked',
  request: { params: IdParamsSchema },
  responses: { 200: jsonContent(TokenViewSchema, 'The revoked token'), ...errorResponses, 404: errorContent('No such token') },
});

export function tokenRoutes(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = apiRouter();
  app.openapi(createTokenRoute, async (c) => {
    const principal = c.get('principal');
    authorize(principal, 'admin');
    const body = c.req.valid('json');
    const now = deps.engine.clock.now();
    if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= now) {
      throw new ApiError(400, 'invalid_request', 'expiresAt must be in the future', [{ path: 'expiresAt', message: 'in the past' }]);
    }
    const minted = mintToken();
    const record: TokenRecord = {
      id: minted.id,
      secretHash: hashSecret(minted.secret),
      subject: body.subject,
      scopes: [...new Set(body.scopes)],
      functions: body.functions,
      flags: body.flags,
      createdAt: new Date(now).toISOString(),
      createdBy: principal.subject,
      expiresAt: body.expiresAt,
    };
    await deps.tokens.create(record);
    return c.json({ ...tokenView(record), token: minted.token }, 201);
  });

  app.openapi(listTokensRoute, async (c) => {
    authorize(c.get('principal'), 'admin');
    const page = await deps.tokens.list(c.req.valid('query'));
    return c.json({ items: page.items.map(tokenView), cursor: page.cursor }, 200);
  });

  app.openapi(revokeTokenRoute, async (c) => {
    const principal = c.get('principal');
    authorize(principal, 'admin');
    const revoked = await deps.tokens.revoke(c.req.valid('param').id, new Date(deps.engine.clock.now()).toISOString(), principal.subject);
    return c.json(tokenView(revoked), 200);
  });
  return app;
}

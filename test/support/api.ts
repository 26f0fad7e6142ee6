import { DynamoIdempotencyStore } from '../../lib/aws/dynamo-idempotency-store.js';
import { DynamoReleaseStore } from '../../lib/aws/dynamo-release-store.js';
import { DynamoFlagStore } from '../../lib/aws/dynamo-flag-store.js';
import { DynamoTokenStore } from '../../lib/aws/dynamo-token-store.js';
import { FlagService } from '../../lib/flags/flag-service.js';
import { bootstrapToken } from '../../lib/api/auth.js';
import { createApp } from '../../lib/api/app.js';
import { DEFAULT_API_SETTINGS, type ApiDeps } from '../../lib/api/deps.js';
import { mintToken } from '../../lib/api/tokens.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import type { Scope } from '../../lib/ports.js';
import { freshTables, type DynamoTables } from './dynamo.js';
import { engineDeps, FakeClock } from './fakes.js';
import { MockedAws } from './mocked-aws.js';
import { OpenApiContract } from './openapi-contract.js';

export const ADMIN = mintToken().token;

export interface ApiWorld {
  readonly app: ReturnType<typeof createApp>;
  readonly deps: ApiDeps;
  readonly engine: EngineDeps & { clock: FakeClock };
  readonly dynamo: DynamoTables;
  /** Lambda and CloudWatch, mocked under the production adapters. */
  readonly aws: MockedAws;
  /** Calls the app as a client would: JSON in, the admin token unless another is given. */
  call(method: string, path: string, options?: { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Throws when an answer the test got straight from `app.request` breaks the OpenAPI document. */
  conform(method: string, path: string, response: Response): Promise<Response>;
  /** Mints a token through the API with these scopes and patterns. */
  token(scopes: Scope[], functions?: string[], flags?: string[]): Promise<string>;
}

/** The app with real deps: DynamoDB Local stores, the production Lambda and CloudWatch adapters on mocked clients, a fake clock. */
export async function apiWorld(engineOverrides: Parameters<typeof engineDeps>[0] = {}, apiOverrides: Partial<ApiDeps> = {}): Promise<ApiWorld> {
  const dynamo = await freshTables();
  const clock = new FakeClock();
  const aws = new MockedAws(clock);
  const flagService = new FlagService(new DynamoFlagStore(dynamo.doc, dynamo.tables.flags), clock);
  const engine = engineDeps({ clock, router: aws.router, metrics: aws.metrics, flags: flagService, store: new DynamoReleaseStore(dynamo.doc, dynamo.tables.releases), ...engineOverrides });
  const deps: ApiDeps = {
    engine,
    tokens: new DynamoTokenStore(dynamo.doc, dynamo.tables.tokens),
    idempotency: new DynamoIdempotencyStore(dynamo.doc, dynamo.tables.idempotency, engine.clock),
    flagService,
    bootstrapAdmin: bootstrapToken(ADMIN),
    ...DEFAULT_API_SETTINGS,
    ...apiOverrides,
  };
  const app = createApp(deps);
  let document: Promise<OpenApiContract> | undefined;
  // Every answer is held to the document the app itself serves.
  const contract = () => (document ??= Promise.resolve(app.request('/openapi.json')).then(async (answer) => new OpenApiContract((await answer.json()) as ConstructorParameters<typeof OpenApiContract>[0])));
  /** The body as JSON, or as text when it is not JSON (the contract says whether that is allowed). */
  const bodyOf = async (response: Response): Promise<unknown> => {
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };
  const check = async (method: string, path: string, response: Response, body: unknown) => {
    const problems = (await contract()).problems(method, path, response.status, response.headers.get('Content-Type'), body);
    if (problems.length > 0) throw new Error(`the answer breaks the OpenAPI document:\n${problems.join('\n')}`);
  };
  const conform: ApiWorld['conform'] = async (method, path, response) => {
    await check(method, path, response, await bodyOf(response.clone()));
    return response;
  };
  const call: ApiWorld['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? ADMIN : options.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && headers['Content-Type'] === undefined) headers['Content-Type'] = 'application/json';
    const response = await app.request(path, { method, headers, body });
    const parsed = await bodyOf(response);
    await check(method, path, response, parsed);
    return { status: response.status, body: parsed, headers: response.headers };
  };
  const token: ApiWorld['token'] = async (scopes, functions = ['*'], flags = ['*']) => {
    const minted = await call('POST', '/tokens', { body: { subject: `test-${scopes.join('.')}`, scopes, functions, flags } });
    if (minted.status !== 201) throw new Error(`could not mint a token: ${JSON.stringify(minted.body)}`);
    return minted.body.token as string;
  };
  return { app, deps, engine, dynamo, aws, call, conform, token };
}

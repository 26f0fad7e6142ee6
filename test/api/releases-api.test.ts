import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { TooManyRequestsException } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoReleaseStore } from '../../lib/aws/dynamo-release-store.js';
import { tickDue } from '../../lib/engine/tick-due.js';
import { apiWorld, type ApiWorld } from '../support/api.js';
import { MINUTE } from '../support/fakes.js';

const release = { function: 'checkout', version: '2' };

let world: ApiWorld;
beforeEach(async () => {
  world = await apiWorld();
});

function expectError(response: { status: number; body: any }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ error: { code, message: expect.any(String), issues: expect.any(Array) } });
}

describe('public routes', () => {
  it('answers /health without a token', async () => {
    expect(await world.call('GET', '/health', { token: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('serves an OpenAPI 3.1 document that lists every route', async () => {
    const { status, body } = await world.call('GET', '/openapi.json', { token: null });
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths).sort()).toEqual(
      [
        '/health',
        '/openapi.json',
        '/releases',
        '/releases/{id}',
        '/releases/{id}/events',
        '/releases/{id}/metrics',
        '/releases/{id}/pause',
        '/releases/{id}/resume',
        '/releases/{id}/approve',
        '/releases/{id}/promote',
        '/releases/{id}/abort',
        '/releases/{id}/rollback',
        '/releases/{id}/gate',
        '/reports/delivery',
        '/tokens',
        '/tokens/{id}',
        '/flags',
        '/flags/{key}',
        '/flags/{key}/history',
        '/flags/{key}/ramp',
        '/flags/{key}/kill',
        '/flags/{key}/restore',
        '/cohorts',
        '/cohorts/{name}',
        '/ofrep/v1/evaluate/flags',
        '/ofrep/v1/evaluate/flags/{key}',
      ].sort(),
    );
    expect(body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(body.paths['/releases'].post.responses).toHaveProperty('409');
  });
});

describe('methods', () => {
  it.each([
    ['PUT', '/releases', 'GET, HEAD, POST'],
    ['DELETE', '/releases/rel_1', 'GET, HEAD'],
    ['POST', '/releases/rel_1/gate', 'GET, HEAD'],
    ['GET', '/releases/rel_1/pause', 'POST'],
    ['DELETE', '/flags/checkout-flow', 'GET, HEAD, PUT'],
    ['PATCH', '/tokens/abc', 'DELETE'],
    ['GET', '/ofrep/v1/evaluate/flags', 'POST'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const answer = await world.call(method, path);
    expect(answer.status).toBe(405);
    // OFREP paths answer in OFREP's shape; the rest in the API's.
    if (path.startsWith('/ofrep/')) expect(answer.body).toEqual({ errorDetails: expect.stringContaining(`answers ${allow}`) });
    else expectError(answer, 405, 'method_not_allowed');
    expect(answer.headers.get('Allow')).toBe(allow);
  });

  it('answers 404 for a path no route has', async () => {
    expectError(await world.call('POST', '/releases/rel_1/bogus', { body: {} }), 404, 'not_found');
    expectError(await world.call('GET', '/nowhere'), 404, 'not_found');
  });
});

describe('POST /releases', () => {
  it('starts a release with defaults and answers 201 with the whole release', async () => {
    const { status, body, headers } = await world.call('POST', '/releases', { body: { ...release, commit: { sha: 'abc1234', authoredAt: '2026-11-23T09:00:00Z' } } });
    expect(status).toBe(201);
    expect(headers.get('Location')).toBe(`/releases/${body.id}`);
    expect(body).toMatchObject({
      function: 'checkout',
      alias: 'live',
      version: '2',
      stableVersion: '1',
      state: 'pending',
      risk: 'normal',
      weight: 0,
      createdBy: 'admin',
      currentStep: { index: 0, total: 3, description: 'not started' },
      plan: { preset: 'canary-1-10-50-100' },
    });
  });

  it('names every field at fault', async () => {
    const bad = await world.call('POST', '/releases', { body: { function: 'bad name!', version: 'x', risk: 'extreme', extra: 1 } });
    expectError(bad, 400, 'invalid_request');
    expect(bad.body.error.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['(root)', 'function', 'risk', 'version']);
    const plan = await world.call('POST', '/releases', { body: { ...release, plan: { steps: [{ type: 'traffic', weight: 50 }, { type: 'traffic', weight: 10 }] } } });
    expectError(plan, 400, 'invalid_plan');
    expect(plan.body.error.issues).toEqual([{ path: 'plan.steps[1].weight', message: expect.stringContaining('never go down') }]);
    const preset = await world.call('POST', '/releases', { body: { ...release, plan: 'Canary99' } });
    expect(preset.body.error.issues[0].path).toBe('plan');
    const policy = await world.call('POST', '/releases', { body: { ...release, policy: { checks: [] } } });
    expect(policy.body.error.issues[0].path).toBe('policy.checks');
  });

  it('refuses a commit time after the request or absurdly old, naming the field, and stores nothing', async () => {
    const now = world.engine.clock.now();
    for (const authoredAt of ['0102-03-04T05:06:07Z', new Date(now + 86_400_000).toISOString()]) {
      const refused = await world.call('POST', '/releases', { body: { ...release, commit: { sha: 'abc1234', authoredAt } } });
      expectError(refused, 400, 'invalid_request');
      expect(refused.body.error.issues).toEqual([{ path: 'commit.authoredAt', message: expect.any(String) }]);
    }
    expect((await world.call('GET', '/releases')).body.items).toEqual([]);
    const skewed = await world.call('POST', '/releases', { body: { ...release, commit: { sha: 'abc1234', authoredAt: new Date(now + 5 * 60_000).toISOString() } } });
    expect(skewed.status).toBe(201);
  });

  it('refuses bodies that are not JSON, and missing bodies', async () => {
    expectError(await world.call('POST', '/releases', { rawBody: '{"function":' }), 400, 'invalid_json');
    expect((await world.call('POST', '/releases')).status).toBe(400);
  });

  it('answers 409 release_in_progress while the alias has an active release', async () => {
    expect((await world.call('POST', '/releases', { body: release })).status).toBe(201);
    expectError(await world.call('POST', '/releases', { body: { ...release, version: '3' } }), 409, 'release_in_progress');
  });

  it('answers 422 with the reason for a version Lambda cannot release', async () => {
    expectError(await world.call('POST', '/releases', { body: { ...release, version: '$LATEST' } }), 422, 'version_unpublished');
    expectError(await world.call('POST', '/releases', { body: { ...release, version: '1' } }), 422, 'same_version');
    expectError(await world.call('POST', '/releases', { body: { ...release, alias: 'missing' } }), 422, 'alias_not_found');
  });

  it.each([
    ['an alias that does not exist', { alias: 'missing' }, 'alias_not_found', 'alias'],
    ['another CodeSha256', { codeSha256: `${'A'.repeat(43)}=` }, 'code_sha_mismatch', 'codeSha256'],
    ['a version that does not exist', { version: '9' }, 'version_not_found', 'version'],
    ['the stable version', { version: '1' }, 'same_version', 'version'],
  ])('refuses %s with the issue on the field at fault', async (_name, fields, code, path) => {
    const { status, body } = await world.call('POST', '/releases', { body: { ...release, ...fields } });
    expect(status).toBe(422);
    expect(body.error).toMatchObject({ code, issues: [{ path, message: body.error.message }] });
  });

  it('honours Idempotency-Key: the same request gets the same answer, another request with it gets 422', async () => {
    const headers = { 'Idempotency-Key': 'deploy-42' };
    const first = await world.call('POST', '/releases', { body: release, headers });
    const again = await world.call('POST', '/releases', { rawBody: JSON.stringify({ version: '2', function: 'checkout' }), headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expectError(await world.call('POST', '/releases', { body: { ...release, version: '3' }, headers }), 422, 'idempotency_key_reused');
    // Keys belong to a token: another client's identical key is its own.
    const other = await world.token(['releases:write', 'releases:read']);
    expectError(await world.call('POST', '/releases', { body: release, headers, token: other }), 409, 'release_in_progress');
  });
});

describe('an AWS dependency that stays unavailable', () => {
  const throttled = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429, attempts: 3 }, Type: 'User', Reason: 'CallerRateLimitExceeded' });

  it('POST /releases while Lambda throttles: 503 dependency_unavailable with Retry-After, nothing written, the key free for a retry', async () => {
    world.aws.failReads = { count: 1, error: throttled() };
    const headers = { 'Idempotency-Key': 'deploy-43' };
    const refused = await world.call('POST', '/releases', { body: release, headers });
    expectError(refused, 503, 'dependency_unavailable');
    expect(refused.headers.get('Retry-After')).toBe('5');
    expect(refused.body.error.message).toBe('AWS Lambda is unavailable right now (GetAlias checkout:live); try again in 5 s');
    expect((await world.call('GET', '/releases')).body.items).toEqual([]);
    // Lambda is back: the same request with the same key runs, as a first attempt would.
    const retried = await world.call('POST', '/releases', { body: release, headers });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('Idempotent-Replayed')).toBeNull();
  });

  it('GET /releases while DynamoDB throttles: 503 naming DynamoDB', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
    const dynamo = mockClient(doc);
    dynamo.on(QueryCommand).rejects(new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: { httpStatusCode: 400, attempts: 3 } }));
    const throttledWorld = await apiWorld({ store: new DynamoReleaseStore(doc, 'releases') });
    const answer = await throttledWorld.call('GET', '/releases');
    expectError(answer, 503, 'dependency_unavailable');
    expect(answer.headers.get('Retry-After')).toBe('5');
    expect(answer.body.error.message).toBe('Amazon DynamoDB is unavailable right now (Query); try again in 5 s');
    dynamo.restore();
  });

  it('an error nobody recognises is still a 500 without details', async () => {
    world.aws.failReads = { count: 1, error: new Error('socket file descriptor 42 in a bad state') };
    const answer = await world.call('POST', '/releases', { body: release });
    expectError(answer, 500, 'internal_error');
    expect(JSON.stringify(answer.body)).not.toContain('descriptor');
    expect(answer.headers.get('Retry-After')).toBeNull();
  });

  it('the OpenAPI document lists the 503 and its Retry-After on the routes', async () => {
    const { body } = await world.call('GET', '/openapi.json', { token: null });
    for (const operation of [body.paths['/releases'].post, body.paths['/releases/{id}'].get, body.paths['/flags/{key}'].put]) {
      expect(operation.responses['503']).toMatchObject({ headers: { 'Retry-After': { schema: { type: 'integer' } } } });
    }
  });
});

describe('reading releases', () => {
  it('lists with filters and a cursor, and gets one by id', async () => {
    world.aws.setAlias('orders', 'live', '4');
    world.aws.versions.set('orders:5', { role: 'arn:aws:iam::1:role/checkout', codeSha256: 'x' });
    world.aws.versions.set('orders:4', { role: 'arn:aws:iam::1:role/checkout', codeSha256: 'y' });
    const first = (await world.call('POST', '/releases', { body: release })).body;
    world.engine.clock.advance(1000);
    const second = (await world.call('POST', '/releases', { body: { function: 'orders', version: '5' } })).body;
    const page = await world.call('GET', '/releases?limit=1');
    expect(page.body.items.map((item: { id: string }) => item.id)).toEqual([second.id]);
    const next = await world.call('GET', `/releases?limit=1&cursor=${encodeURIComponent(page.body.cursor)}`);
    expect(next.body.items.map((item: { id: string }) => item.id)).toEqual([first.id]);
    expect((await world.call('GET', '/releases?function=orders')).body.items).toHaveLength(1);
    expect((await world.call('GET', '/releases?state=succeeded')).body.items).toHaveLength(0);
    expect((await world.call('GET', `/releases/${first.id}`)).body).toMatchObject({ id: first.id, state: 'pending' });
    expectError(await world.call('GET', '/releases/nope'), 404, 'not_found');
    expectError(await world.call('GET', '/releases?cursor=%%%'), 400, 'invalid_cursor');
    expectError(await world.call('GET', '/releases?limit=1000'), 400, 'invalid_request');
  });

  it('returns the audit events in order with the chain verified', async () => {
    const { id } = (await world.call('POST', '/releases', { body: release })).body;
    await tickDue(world.engine);
    const { body } = await world.call('GET', `/releases/${id}/events`);
    expect(body.chain).toEqual({ ok: true, events: 4 });
    expect(body.events.map((event: { type: string }) => event.type)).toEqual(['created', 'observed', 'started', 'routing_confirmed']);
    expect(body.events[1].prevHash).toBe(body.events[0].hash);
  });
});

describe('GET /releases/{id}/metrics', () => {
  it('returns both versions per period since the release started, as its ticks stored them', async () => {
    const { id } = (await world.call('POST', '/releases', { body: release })).body;
    for (let minute = 0; minute < 5; minute += 1) {
      await tickDue(world.engine);
      world.engine.clock.advance(MINUTE);
    }
    const { status, body } = await world.call('GET', `/releases/${id}/metrics`);
    expect(status).toBe(200);
    expect(body.observation.ok).toBe(true);
    expect(body.observation.periods.length).toBeGreaterThanOrEqual(2);
    expect(body.observation.periods[0]).toMatchObject({ canary: { invocations: 10, errors: 0 }, baseline: { invocations: 990, errors: 5 } });
    // The release keeps a digest per stored period for the evaluator; answers leave them out.
    expect(Object.keys((await world.engine.store.get(id))!.observedDigests ?? {}).length).toBe(body.observation.periods.length);
    expect((await world.call('GET', `/releases/${id}`)).body).not.toHaveProperty('observedDigests');
  });
});

describe('people acting through the API', () => {
  it('pauses and resumes, recording the token subject', async () => {
    const { id } = (await world.call('POST', '/releases', { body: release })).body;
    await tickDue(world.engine);
    const oncall = await world.token(['releases:write', 'releases:read']);
    const paused = await world.call('POST', `/releases/${id}/pause`, { body: { reason: 'investigating' }, token: oncall });
    expect(paused.body).toMatchObject({ state: 'paused', actors: [{ actor: 'test-releases:write.releases:read', action: 'pause', reason: 'investigating' }] });
    expect((await world.call('POST', `/releases/${id}/resume`, { token: oncall })).body.state).toBe('progressing');
  });

  it('needs a reason to promote, abort or roll back, and refuses what the state does not allow', async () => {
    const { id } = (await world.call('POST', '/releases', { body: release })).body;
    for (const action of ['promote', 'abort', 'rollback']) {
      expectError(await world.call('POST', `/releases/${id}/${action}`, { body: {} }), 400, 'reason_required');
      expectError(await world.call('POST', `/releases/${id}/${action}`), 400, 'reason_required');
    }
    expectError(await world.call('POST', `/releases/${id}/resume`, { body: {} }), 409, 'invalid_transition');
    expectError(await world.call('POST', `/releases/${id}/approve`), 409, 'invalid_transition');
    // Each action is its own route: an unknown one is no route at all.
    expectError(await world.call('POST', `/releases/${id}/explode`, { body: {} }), 404, 'not_found');
    const aborted = await world.call('POST', `/releases/${id}/abort`, { body: { reason: 'wrong build' } });
    expect(aborted.body).toMatchObject({ state: 'aborted' });
    expectError(await world.call('POST', `/releases/${id}/pause`, { body: {} }), 409, 'invalid_transition');
  });

  it('refuses a resume while the alias routes as someone left it, with 409 alias_drifted and how to set it back', async () => {
    const { id } = (await world.call('POST', '/releases', { body: release })).body;
    await tickDue(world.engine);
    world.aws.setAlias('checkout', 'live', '1', { '2': 0.33 });
    world.engine.clock.advance(MINUTE);
    await tickDue(world.engine);
    const paused = await world.call('GET', `/releases/${id}`);
    expect(paused.body).toMatchObject({ state: 'paused', drift: { actual: { functionVersion: '1', additionalVersion: '2', additionalWeight: 33 } } });

    const refused = await world.call('POST', `/releases/${id}/resume`, { body: {} });
    expectError(refused, 409, 'alias_drifted');
    expect(refused.body.error.message).toContain('routes 67% to version 1 and 33% to version 2, but the release expects 99% to version 1 and 1% to version 2');
    expect(refused.body.error.message).toContain(`aws lambda update-alias --function-name checkout --name live --function-version 1 --routing-config '{"AdditionalVersionWeights":{"2":0.01}}'`);
    expect(refused.body.error.message).toContain('or abort the release');
    expect(refused.body.error.issues).toEqual([{ path: 'alias', message: 'routes 67% to version 1 and 33% to version 2; expected 99% to version 1 and 1% to version 2' }]);
    expect((await world.call('GET', `/releases/${id}`)).body.state).toBe('paused');

    world.aws.setAlias('checkout', 'live', '1', { '2': 0.01 });
    const resumed = await world.call('POST', `/releases/${id}/resume`, { body: {} });
    expect(resumed.body).toMatchObject({ state: 'progressing' });
    expect(resumed.body.drift).toBeUndefined();
  });

  it('answers a second abort with where the release stands, and an aborted release names the step it stopped at', async () => {
    const { id } = (await world.call('POST', '/releases', { body: release })).body;
    await tickDue(world.engine);
    await world.call('POST', `/releases/${id}/promote`, { body: { reason: 'hotfix' } });
    const aborted = await world.call('POST', `/releases/${id}/abort`, { body: { reason: 'wrong build' } });
    expect(aborted.body).toMatchObject({ state: 'aborted', currentStep: { index: 3, total: 3, description: 'verification at 100% for 30m, where it stopped' } });
    const again = await world.call('POST', `/releases/${id}/abort`, { body: { reason: 'again' } });
    expectError(again, 409, 'invalid_transition');
    expect(again.body.error.message).toBe(`cannot abort release ${id}: it has already been aborted`);
    expect((await world.call('GET', `/releases/${id}/gate`)).body.step.description).toBe('verification at 100% for 30m, where it stopped');
  });

  it('rolls back by hand with the alias back on stable', async () => {
    const { id } = (await world.call('POST', '/releases', { body: release })).body;
    await tickDue(world.engine);
    const rolled = await world.call('POST', `/releases/${id}/rollback`, { body: { reason: 'pager went off' } });
    expect(rolled.body).toMatchObject({ state: 'rolled_back', weight: 0 });
    expect(world.aws.aliasOf('checkout', 'live')).toMatchObject({ functionVersion: '1', weights: {} });
  });
});

describe('the gate', () => {
  it('answers at once without wait, and maps states to outcomes', async () => {
    const { id } = (await world.call('POST', '/releases', { body: release })).body;
    expect((await world.call('GET', `/releases/${id}/gate`)).body).toMatchObject({ outcome: 'pending', state: 'pending', weight: 0, revision: 1 });
    await world.call('POST', `/releases/${id}/abort`, { body: { reason: 'no' } });
    expect((await world.call('GET', `/releases/${id}/gate?wait=5`)).body).toMatchObject({ outcome: 'aborted' });
  });

  it('long-polls until the release changes', async () => {
    const { id } = (await world.call('POST', '/releases', { body: release })).body;
    const clock = world.engine.clock;
    const sleep = clock.sleep.bind(clock);
    let slept = 0;
    // The evaluator ticks while the pipeline waits.
    clock.sleep = async (ms: number) => {
      slept += ms;
      await sleep(ms);
      if (slept === 2000) await tickDue(world.engine);
    };
    const gate = await world.call('GET', `/releases/${id}/gate?wait=20`);
    expect(slept).toBe(2000);
    expect(gate.body).toMatchObject({ outcome: 'pending', state: 'progressing', weight: 1 });
    expect(gate.body.revision).toBeGreaterThan(1);
  });

  it('gives up at the wait limit without a change, and refuses more than 25 seconds', async () => {
    const { id } = (await world.call('POST', '/releases', { body: release })).body;
    const before = world.engine.clock.now();
    expect((await world.call('GET', `/releases/${id}/gate?wait=3`)).body.revision).toBe(1);
    expect(world.engine.clock.now() - before).toBe(3000);
    expectError(await world.call('GET', `/releases/${id}/gate?wait=26`), 400, 'invalid_request');
  });
});

describe('delivery report', () => {
  it('computes the metrics over the releases in the window', async () => {
    const first = (await world.call('POST', '/releases', { body: release })).body;
    await tickDue(world.engine);
    await world.call('POST', `/releases/${first.id}/rollback`, { body: { reason: 'errors' } });
    world.engine.clock.advance(MINUTE);
    const { status, body } = await world.call('GET', '/reports/delivery?function=checkout');
    expect(status).toBe(200);
    expect(body).toMatchObject({ releases: 1, rolledBack: 1, changeFailureRate: 1, rollbackSuccessRate: 1, humanInterventionRate: 1, truncated: false });
    expectError(await world.call('GET', '/reports/delivery?since=yesterday'), 400, 'invalid_request');
  });
});

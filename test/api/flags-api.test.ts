import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { tickDue } from '../../lib/engine/tick-due.js';
import { ADMIN, apiWorld, type ApiWorld } from '../support/api.js';
import { MINUTE } from '../support/fakes.js';

const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

let world: ApiWorld;
beforeEach(async () => {
  world = await apiWorld();
  await world.call('PUT', '/cohorts/beta', { body: { rule: { in: [{ var: 'email' }, ['ana@example.com', 'bo@example.com']] }, reason: 'beta testers' } });
  await world.call('PUT', '/flags/new-checkout', { body: { definition: flag, reason: 'first version' } });
});

const evaluate = (key: string, context: Record<string, unknown>, token?: string) =>
  world.call('POST', `/ofrep/v1/evaluate/flags/${key}`, { body: { context }, ...(token === undefined ? {} : { token }) });

describe('the flag store over HTTP', () => {
  it('serves the whole set as flagd JSON with an ETag, and 304 until it changes', async () => {
    const first = await world.call('GET', '/flags');
    expect(first.status).toBe(200);
    expect(first.body.flags['new-checkout']).toMatchObject(flag);
    expect(first.body.$evaluators.beta).toBeDefined();
    const etag = first.headers.get('ETag')!;
    const wholeSetReads = vi.spyOn(world.deps.flagService!, 'getFlagSet');
    expect((await world.call('GET', '/flags', { headers: { 'If-None-Match': etag } })).status).toBe(304);
    // An up-to-date poll reads the set's version only.
    expect(wholeSetReads).not.toHaveBeenCalled();
    wholeSetReads.mockRestore();
    await world.call('POST', '/flags/new-checkout/kill', { body: { reason: 'incident' } });
    const after = await world.call('GET', '/flags', { headers: { 'If-None-Match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('ETag')).not.toBe(etag);
  });

  it('validates writes strictly, naming the paths at fault, and keeps every version with actor and reason', async () => {
    const bad = await world.call('PUT', '/flags/new-checkout', { body: { definition: { state: 'ON', variants: { a: 1, b: 'x' }, defaultVariant: 'c' }, reason: 'oops' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_flag');
    expect(bad.body.error.issues.map((issue: { path: string }) => issue.path).join(' ')).toMatch(/state/);
    expect((await world.call('PUT', '/flags/new-checkout', { body: { definition: flag } })).status).toBe(400);
    const ghost = await world.call('PUT', '/flags/new-checkout', { body: { definition: { ...flag, targeting: { if: [{ $ref: 'beta' }, 'on', { fractional: [['off', 1], ['maybe', 1]] }] } }, reason: 'oops' } });
    expect(ghost).toMatchObject({ status: 400, body: { error: { code: 'invalid_flag' } } });
    expect(ghost.body.error.issues).toEqual([
      { path: 'flags.new-checkout.targeting.if[2].fractional[1][0]', message: "targeting can return 'maybe' here, which is not one of the variants (on, off)" },
    ]);
    await world.call('PUT', '/flags/new-checkout', { body: { definition: { ...flag, defaultVariant: 'on' }, reason: 'launch' } });
    const history = await world.call('GET', '/flags/new-checkout/history');
    expect(history.body.items.map((item: { version: number; reason: string; updatedBy: string }) => [item.version, item.reason, item.updatedBy])).toEqual([
      [1, 'first version', 'admin'],
      [2, 'launch', 'admin'],
    ]);
    expect((await world.call('PUT', '/flags/new-checkout', { body: { definition: flag, reason: 'stale', expectedVersion: 1 } })).status).toBe(409);
    expect((await world.call('GET', '/flags/missing')).status).toBe(404);
  });

  it('ramps a cohort, kills and restores, and OFREP evaluates what the store holds', async () => {
    const ramped = await world.call('POST', '/flags/new-checkout/ramp', { body: { cohort: 'beta', percent: 100, reason: 'beta gets it' } });
    expect(ramped.body).toEqual({ key: 'new-checkout', previousVersion: 1, appliedVersion: 2 });
    expect((await evaluate('new-checkout', { targetingKey: 'u1', email: 'ana@example.com' })).body).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect((await evaluate('new-checkout', { targetingKey: 'u2', email: 'zed@example.com' })).body).toMatchObject({ value: false });
    await world.call('POST', '/flags/new-checkout/kill', { body: { reason: 'incident' } });
    expect((await evaluate('new-checkout', { targetingKey: 'u1', email: 'ana@example.com' })).body).toMatchObject({ reason: 'DISABLED' });
    const restored = await world.call('POST', '/flags/new-checkout/restore', { body: { version: 2, reason: 'fixed' } });
    expect(restored.body).toMatchObject({ version: 4, definition: { state: 'ENABLED' } });
    expect((await world.call('POST', '/flags/new-checkout/ramp', { body: { cohort: 'nobody', percent: 5, reason: 'x' } })).status).toBe(400);
    expect((await world.call('POST', '/flags/new-checkout/ramp', { body: { cohort: 'beta', percent: 101, reason: 'x' } })).status).toBe(400);
  });

  it('answers OFREP errors in OFREP shape, and bulk evaluations with an ETag', async () => {
    expect(await evaluate('missing', { targetingKey: 'u' })).toMatchObject({ status: 404, body: { key: 'missing', errorCode: 'FLAG_NOT_FOUND' } });
    const invalid = await world.call('POST', '/ofrep/v1/evaluate/flags/new-checkout', { rawBody: '{"context": 5}' });
    expect(invalid).toMatchObject({ status: 400, body: { errorCode: 'INVALID_CONTEXT' } });
    const bulk = await world.call('POST', '/ofrep/v1/evaluate/flags', { body: { context: { targetingKey: 'u1' } } });
    expect(bulk.status).toBe(200);
    expect(bulk.body.flags.map((entry: { key: string }) => entry.key)).toEqual(['new-checkout']);
    const etag = bulk.headers.get('ETag')!;
    const wholeSetReads = vi.spyOn(world.deps.flagService!, 'getFlagSet');
    await evaluate('new-checkout', { targetingKey: 'u1' });
    // The compiled set is reused while the set's version stands.
    expect(wholeSetReads).not.toHaveBeenCalled();
    wholeSetReads.mockRestore();
    const again = await world.call('POST', '/ofrep/v1/evaluate/flags', { body: { context: { targetingKey: 'u1' } }, headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('answers every refusal on an OFREP path in OFREP’s shape, whatever raises it', async () => {
    const single = '/ofrep/v1/evaluate/flags/new-checkout';
    const noFlagsScope = await world.token(['releases:read']);
    const refusals = [
      [await world.call('POST', single, { body: { context: {} }, token: null }), 401, { errorDetails: 'send Authorization: Bearer <token>' }],
      [await world.call('POST', single, { body: { context: {} }, token: 'rg_not_a_token' }), 401, { errorDetails: 'the token is malformed' }],
      [await world.call('POST', '/ofrep/v1/evaluate/flags', { body: { context: {} }, token: noFlagsScope }), 403, { errorDetails: 'this token lacks the scope flags:read' }],
      [await world.call('POST', single, { rawBody: JSON.stringify({ context: { pad: 'x'.repeat(300 * 1024) } }) }), 400, { key: 'new-checkout', errorCode: 'INVALID_CONTEXT' }],
      [await world.call('POST', single, { rawBody: '{"context": ' }), 400, { key: 'new-checkout', errorCode: 'INVALID_CONTEXT', errorDetails: 'the request body is not JSON' }],
      [await world.call('POST', '/ofrep/v1/evaluate/flags/a%20b%3F', { body: { context: {} } }), 404, { key: 'a b?', errorCode: 'FLAG_NOT_FOUND' }],
      [await world.call('GET', single), 405, { errorDetails: '/ofrep/v1/evaluate/flags/new-checkout answers POST, not GET' }],
    ] as const;
    for (const [answer, status, body] of refusals) {
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject(body);
      expect(answer.body).not.toHaveProperty('error');
    }
    vi.spyOn(world.deps.flagService!, 'setVersion').mockRejectedValueOnce(new Error('DynamoDB is down'));
    const failed = await world.call('POST', single, { body: { context: {} } });
    expect(failed).toMatchObject({ status: 500, body: { errorDetails: expect.stringContaining('something went wrong') as string } });
    await fc.assert(
      // Any key a URL can carry (lone surrogates cannot be percent-encoded), and any body.
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((key) => !/\p{Surrogate}/u.test(key)), fc.oneof(fc.json(), fc.string()), async (key, rawBody) => {
        const path = `/ofrep/v1/evaluate/flags/${encodeURIComponent(key)}`;
        const answer = await world.conform('POST', path, await world.app.request(path, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN}` }, body: rawBody }));
        expect([200, 400, 404]).toContain(answer.status);
        const body = (await answer.json()) as Record<string, unknown>;
        expect(body.key).toBe(key);
        expect(body.errorCode ?? body.reason).toEqual(expect.any(String));
      }),
      { numRuns: 200 },
    );
    // The rest of the API keeps its own shape.
    expect((await world.call('GET', '/flags', { token: null })).body).toMatchObject({ error: { code: 'unauthorized' } });
  });
});

describe('flag scopes', () => {
  it('binds tokens to flag-key globs for reads, writes and evaluation', async () => {
    await world.call('PUT', '/flags/payments-v2', { body: { definition: flag, reason: 'x' } });
    const reader = await world.token(['flags:read'], ['*'], ['new-*']);
    expect((await world.call('GET', '/flags/new-checkout', { token: reader })).status).toBe(200);
    expect((await world.call('GET', '/flags/payments-v2', { token: reader })).status).toBe(403);
    expect(Object.keys((await world.call('GET', '/flags', { token: reader })).body.flags)).toEqual(['new-checkout']);
    expect((await world.call('POST', '/flags/new-checkout/kill', { body: { reason: 'x' }, token: reader })).status).toBe(403);
    expect((await evaluate('payments-v2', { targetingKey: 'u' }, reader)).status).toBe(403);
    // Bulk evaluation answers with the flags the token may read, as web providers need.
    const bulk = await world.call('POST', '/ofrep/v1/evaluate/flags', { body: { context: { targetingKey: 'u' } }, token: reader });
    expect(bulk.status).toBe(200);
    expect(bulk.body.flags.map((entry: { key: string }) => entry.key)).toEqual(['new-checkout']);
    const writer = await world.token(['flags:read', 'flags:write'], ['*'], ['new-*']);
    expect((await world.call('POST', '/flags/new-checkout/kill', { body: { reason: 'x' }, token: writer })).status).toBe(200);
    // A cohort is shared by every flag, so a token for some flags cannot redefine it.
    expect((await world.call('PUT', '/cohorts/beta', { body: { rule: { '==': [1, 1] } }, token: writer })).status).toBe(403);
  });
});

describe('releases that change flags', () => {
  it('ramp the flag at its step and turn it back to its version from before the release on rollback', async () => {
    const plan = { steps: [{ type: 'traffic', weight: 10, minBake: '2m' }, { type: 'flag', key: 'new-checkout', cohort: 'beta', percent: 50 }, { type: 'bake', duration: '10m' }] };
    const { body } = await world.call('POST', '/releases', { body: { function: 'checkout', version: '2', plan } });
    expect(body.flagVersions).toEqual({ 'new-checkout': 1 });
    for (let minute = 0; minute < 5; minute += 1) {
      await tickDue(world.engine);
      world.engine.clock.advance(MINUTE);
    }
    expect((await world.call('GET', '/flags/new-checkout')).body.version).toBe(2);
    world.aws.behaviour.set('2', { requestsPerMinute: 1000, errorRate: 0.3, p99: 300 });
    for (let minute = 0; minute < 5; minute += 1) {
      await tickDue(world.engine);
      world.engine.clock.advance(MINUTE);
    }
    expect((await world.call('GET', `/releases/${body.id}`)).body.state).toBe('rolled_back');
    const current = (await world.call('GET', '/flags/new-checkout')).body;
    expect(current).toMatchObject({ version: 3, definition: flag, updatedBy: 'release-gate' });
    const events = (await world.call('GET', `/releases/${body.id}/events`)).body.events.map((event: { type: string }) => event.type);
    expect(events).toContain('flag_changed');
    expect(events.at(-2)).toBe('flags_restored');
  });
});

/**
 * Idempotency as a retrying pipeline needs it: only answers that changed something are replayed;
 * refusals that depend on the moment, and rejected input, free the key; a claim left behind by a
 * request that never finished lapses, and a retry takes it over. On DynamoDB Local, with the
 * API's fake clock.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/app.js';
import { DEFAULT_API_SETTINGS } from '../../lib/api/deps.js';
import { requestHash } from '../../lib/api/idempotency.js';
import type { IdempotencyStore } from '../../lib/ports.js';
import { ADMIN, apiWorld, type ApiWorld } from '../support/api.js';

const release = { function: 'checkout', version: '2' };
const headers = { 'Idempotency-Key': 'deploy-42' };

let world: ApiWorld;
beforeEach(async () => {
  world = await apiWorld();
});

describe('a busy alias', () => {
  it('answers 409 alias_busy while the alias splits traffic by hand, and the same key succeeds once it is free', async () => {
    world.aws.setAlias('checkout', 'live', '1', { '3': 0.2 });
    const busy = await world.call('POST', '/releases', { body: release, headers });
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({ code: 'alias_busy', issues: [{ path: 'alias', message: expect.any(String) }] });
    expect(busy.body.error.message).toContain('aws lambda update-alias --function-name checkout --name live --function-version 1');
    world.aws.setAlias('checkout', 'live', '1');
    const retried = await world.call('POST', '/releases', { body: release, headers });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('Idempotent-Replayed')).toBeNull();
  });

  it('answers 409 release_in_progress while another release holds it, and the same key succeeds once that one ends', async () => {
    const first = await world.call('POST', '/releases', { body: release });
    expect(first.status).toBe(201);
    const blocked = await world.call('POST', '/releases', { body: { ...release, version: '3' }, headers });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('release_in_progress');
    expect((await world.call('POST', `/releases/${first.body.id}/abort`, { body: { reason: 'make room' } })).status).toBe(200);
    const retried = await world.call('POST', '/releases', { body: { ...release, version: '3' }, headers });
    expect(retried.status).toBe(201);
    expect(retried.body.version).toBe('3');
  });
});

describe('what is kept', () => {
  it('replays a 201 with its Location, and refuses the key for another body', async () => {
    const first = await world.call('POST', '/releases', { body: release, headers });
    const again = await world.call('POST', '/releases', { body: release, headers });
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.headers.get('Location')).toBe(`/releases/${first.body.id}`);
    const reused = await world.call('POST', '/releases', { body: { ...release, version: '3' }, headers });
    expect([reused.status, reused.body.error.code]).toEqual([422, 'idempotency_key_reused']);
  });

  it('frees the key after rejected input, so the corrected request may use it', async () => {
    const bad = await world.call('POST', '/releases', { body: { ...release, plan: 'Canary99' }, headers });
    expect(bad.status).toBe(400);
    const refused = await world.call('POST', '/releases', { body: { ...release, version: '1' }, headers });
    expect([refused.status, refused.body.error.code]).toEqual([422, 'same_version']);
    const fixed = await world.call('POST', '/releases', { body: release, headers });
    expect(fixed.status).toBe(201);
  });

  it('frees the key after a conflicting action, so it is not replayed once the state allows it', async () => {
    const { body } = await world.call('POST', '/releases', { body: release });
    const key = { 'Idempotency-Key': 'resume-1' };
    expect((await world.call('POST', `/releases/${body.id}/resume`, { body: {}, headers: key })).status).toBe(409);
    expect((await world.call('POST', `/releases/${body.id}/pause`, { body: {} })).status).toBe(200);
    const resumed = await world.call('POST', `/releases/${body.id}/resume`, { body: {}, headers: key });
    expect(resumed.status).toBe(200);
    expect(resumed.body.state).toBe('pending');
  });
});

describe('a claim whose request never finished', () => {
  /** Leaves a claim in progress exactly as a request that timed out after claiming would. */
  async function abandonedClaim(inProgressMs: number): Promise<void> {
    const now = world.engine.clock.now();
    const claim = await world.deps.idempotency.begin({
      key: headers['Idempotency-Key'],
      // Keys are scoped to the calling token: the bootstrap admin's here.
      scope: world.deps.bootstrapAdmin!.id,
      requestHash: requestHash('POST', '/releases', JSON.stringify(release)),
      claimId: 'crashed',
      inProgressExpiresAt: now + inProgressMs,
      expiresAt: Math.floor(now / 1000) + 3600,
    });
    expect(claim).toEqual({ claimed: true });
  }

  it('answers 409 idempotency_in_progress within its time, and lets the retry take over after it', async () => {
    await abandonedClaim(30_000);
    const early = await world.call('POST', '/releases', { body: release, headers });
    expect([early.status, early.body.error.code]).toEqual([409, 'idempotency_in_progress']);
    world.engine.clock.advance(30_001);
    const late = await world.call('POST', '/releases', { body: release, headers });
    expect(late.status).toBe(201);
    expect(await world.call('POST', '/releases', { body: release, headers })).toMatchObject({ status: 201, body: late.body });
  });

  it("bounds a claim's time by what the Lambda function has left", async () => {
    const leases: number[] = [];
    const store = world.deps.idempotency;
    const recording: IdempotencyStore = {
      begin: (record) => {
        leases.push(record.inProgressExpiresAt - world.engine.clock.now());
        return store.begin(record);
      },
      complete: (...args) => store.complete(...args),
      release: (...args) => store.release(...args),
    };
    const app = createApp({ ...world.deps, idempotency: recording });
    const request = (key: string) => ({ method: 'POST', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json', 'Idempotency-Key': key }, body: JSON.stringify(release) });
    // hono/aws-lambda hands the handler's context to the app as `lambdaContext`.
    expect((await app.request('/releases', request('in-lambda'), { lambdaContext: { getRemainingTimeInMillis: () => 4_200 } })).status).toBe(201);
    expect((await app.request('/releases', request('elsewhere'))).status).toBe(409);
    expect(leases).toEqual([4_200, DEFAULT_API_SETTINGS.idempotencyInProgressMs]);
  });
});

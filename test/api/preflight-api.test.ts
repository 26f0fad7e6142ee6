import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiWorld, type ApiWorld } from '../support/api.js';
import { MINUTE } from '../support/fakes.js';

const release = { function: 'checkout', version: '2' };

let world: ApiWorld;
beforeEach(async () => {
  world = await apiWorld();
  // An hour of history on version 1, so the pre-flight has a reading.
  world.engine.clock.advance(62 * MINUTE);
});

const lowTraffic = () => world.aws.behaviour.set('1', { requestsPerMinute: 20, errorRate: 0.005, p99: 300 });
const stored = async () => (await world.engine.store.list({ limit: 10 })).items;

describe('POST /releases with dryRun', () => {
  it('at low traffic reports the refusal it would meet, and creates nothing', async () => {
    lowTraffic();
    const { status, body } = await world.call('POST', '/releases', { body: { ...release, dryRun: true } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ dryRun: true, preflight: { mode: 'refused', feasible: false, traffic: { requestsPerMinute: 20 } } });
    expect(body.preflight.warnings.map((warning: { code: string }) => warning.code)).toContain('too_few_requests');
    expect(body.plan.steps[0]).toMatchObject({ type: 'traffic', weight: 5 });
    expect(await stored()).toEqual([]);
    expect(world.aws.updateCalls).toBe(0);
    // The alias is free: a release that can be judged still starts.
    world.aws.behaviour.delete('1');
    expect((await world.call('POST', '/releases', { body: release })).status).toBe(201);
  });

  it('at good traffic forecasts the plan, its time to 100% and the smallest ratio it catches', async () => {
    const { status, body } = await world.call('POST', '/releases', { body: { ...release, dryRun: true } });
    expect(status).toBe(200);
    expect(body.preflight).toMatchObject({ mode: 'judged', feasible: true, traffic: { requestsPerMinute: 1000, requests: 60_000, errors: 300 }, latencyObjectivesMs: { 'p99-vs-baseline': 600 } });
    expect(body.preflight.steps.map((step: { weight: number }) => step.weight)).toEqual([1, 10, 50]);
    expect(body.preflight.expectedMinutesToFull).toBeGreaterThan(0);
    expect(body.preflight.detectableRatio).toBeGreaterThan(1);
    expect(body.plan.steps.filter((step: { type: string }) => step.type === 'traffic').map((step: { weight: number }) => step.weight)).toEqual([1, 10, 50]);
    expect(await stored()).toEqual([]);
  });

  it('still checks the version: a dry run of a missing one is refused as a create would be', async () => {
    expect(await world.call('POST', '/releases', { body: { ...release, version: '9', dryRun: true } })).toMatchObject({ status: 422, body: { error: { code: 'version_not_found' } } });
  });

  it('keeps no answer for its Idempotency-Key: the same key then starts the release', async () => {
    const headers = { 'Idempotency-Key': 'deploy-7' };
    expect((await world.call('POST', '/releases', { body: { ...release, dryRun: true }, headers })).status).toBe(200);
    const again = await world.call('POST', '/releases', { body: { ...release, dryRun: true }, headers });
    expect(again.headers.get('Idempotent-Replayed')).toBeNull();
    const created = await world.call('POST', '/releases', { body: release, headers });
    expect(created.status).toBe(201);
    expect(await stored()).toHaveLength(1);
  });

  it('refuses a dryRun that is not a boolean with its path', async () => {
    const { status, body } = await world.call('POST', '/releases', { body: { ...release, dryRun: 'yes' } });
    expect(status).toBe(400);
    expect(body.error.issues).toEqual([expect.objectContaining({ path: 'dryRun' })]);
  });
});

describe('POST /releases runs the pre-flight', () => {
  it('refuses a plan its traffic cannot judge with 422 plan_infeasible, the warnings and the forecast', async () => {
    lowTraffic();
    const { status, body } = await world.call('POST', '/releases', { body: release });
    expect(status).toBe(422);
    expect(body.error.code).toBe('plan_infeasible');
    expect(body.error.message).toMatch(/cannot rule out 2× the stable error rate within 4h/);
    expect(body.error.issues).toContainEqual({ path: 'plan', message: expect.stringMatching(/^too_few_requests: /) });
    expect(body.error.issues).toContainEqual({ path: 'policy.evidence.onInfeasible', message: expect.stringContaining('synthetic or time') });
    expect(body.error.preflight).toMatchObject({ mode: 'refused', feasible: false });
    expect(await stored()).toEqual([]);
    expect(world.aws.updateCalls).toBe(0);
  });

  it('starts such a release on time alone when the policy says so, labelled unjudged', async () => {
    lowTraffic();
    const policy = { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], evidence: { onInfeasible: 'time' } };
    const { status, body } = await world.call('POST', '/releases', { body: { ...release, policy } });
    expect(status).toBe(201);
    expect(body).toMatchObject({ unjudged: true, preflight: { mode: 'time' } });
    world.engine.clock.advance(MINUTE);
    expect((await world.call('GET', '/reports/delivery')).body).toMatchObject({ releases: 1, unjudged: 1 });
  });

  it('stores the forecast and the plan it ran on the release, and returns them', async () => {
    world.aws.behaviour.set('1', { requestsPerMinute: 200, errorRate: 0.01, p99: 300 });
    const created = await world.call('POST', '/releases', { body: release });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ unjudged: false, preflight: { mode: 'judged', traffic: { requestsPerMinute: 200 } } });
    // 1% of 200 a minute sees too few requests in its bake: the pre-flight raised it.
    expect(created.body.plan.steps[0]).toMatchObject({ type: 'traffic', weight: 3 });
    expect(created.body.preflight.warnings.map((warning: { code: string }) => warning.code)).toContain('first_step_raised');
    const read = await world.call('GET', `/releases/${created.body.id}`);
    expect(read.body.preflight).toEqual(created.body.preflight);
    expect(read.body.plan).toEqual(created.body.plan);
    const events = await world.call('GET', `/releases/${created.body.id}/events`);
    expect(events.body.events[0].event.release.preflight).toEqual(created.body.preflight);
    expect(events.body.chain.ok).toBe(true);
  });

  it('starts without a forecast when CloudWatch cannot be read, and says why in the logs', async () => {
    const warnings: unknown[][] = [];
    world = await apiWorld({ logger: { info: () => undefined, error: () => undefined, warn: (...entry: unknown[]) => warnings.push(entry) } });
    world.engine.clock.advance(62 * MINUTE);
    world.aws.cloudwatchDown = true;
    const created = await world.call('POST', '/releases', { body: release });
    expect(created.status).toBe(201);
    expect(created.body.preflight).toBeUndefined();
    expect(world.aws.cloudwatchMock.commandCalls(GetMetricDataCommand).length).toBeGreaterThan(0);
    expect(warnings).toContainEqual(['no stable traffic reading for the pre-flight', expect.objectContaining({ reason: expect.stringContaining('could not read version 1 of checkout:live') })]);
  });

  it('a dry run without a reading says why in its warning', async () => {
    world.aws.cloudwatchDown = true;
    const { body } = await world.call('POST', '/releases', { body: { ...release, dryRun: true } });
    expect(body.preflight).toMatchObject({ mode: 'judged', warnings: [{ code: 'no_traffic_reading', message: expect.stringMatching(/^could not read version 1 .*: no recent traffic/) }] });
  });
});

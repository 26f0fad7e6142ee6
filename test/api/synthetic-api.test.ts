import { beforeEach, describe, expect, it } from 'vitest';
import { tickDue } from '../../lib/engine/tick-due.js';
import { answering, MemoryInvoker } from '../../lib/memory/memory-invoker.js';
import { apiWorld, type ApiWorld } from '../support/api.js';
import { MINUTE } from '../support/fakes.js';

const synthetic = { hooks: { function: 'checkout-smoke' }, probes: { events: [{ cartId: 'c-1' }, { cartId: 'c-2' }], pairsPerTick: 4 } };
const release = { function: 'checkout', version: '2', synthetic };

let world: ApiWorld;
beforeEach(async () => {
  const invoker = new MemoryInvoker({ 'checkout-smoke': answering({ status: 'pass' }), 'checkout:1': answering(), 'checkout:2': answering() });
  world = await apiWorld({ invoker });
});

describe('POST /releases with synthetic evidence', () => {
  it('starts the release and shows what it asked for, without echoing every probe event', async () => {
    const created = await world.call('POST', '/releases', { body: release });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      state: 'pending',
      synthetic: { hooks: { function: 'checkout-smoke', before: true, after: true }, probes: { eventCount: 2, pairsPerTick: 4 } },
      hookRuns: [],
      probes: { ticks: 0, canaryTotal: 0, verdict: 'inconclusive', note: 'no probes have run yet' },
    });
    expect(created.body).not.toHaveProperty('probeTicks');
    expect(created.body.synthetic.probes).not.toHaveProperty('events');
  });

  it('names every synthetic field at fault with a 400', async () => {
    const bad = await world.call('POST', '/releases', {
      body: { ...release, synthetic: { hooks: { function: 'not a function' }, probes: { events: [{ blob: 'x'.repeat(9000) }], pairsPerTick: 0 } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(bad.body.error.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['synthetic.hooks.function', 'synthetic.probes.events[0]', 'synthetic.probes.pairsPerTick']);
    const empty = await world.call('POST', '/releases', { body: { ...release, synthetic: {} } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.issues).toEqual([{ path: 'synthetic', message: 'name hooks, probes or both' }]);
    expect((await world.call('GET', '/releases')).body.items).toEqual([]);
  });

  it('refuses a hook function outside the token\'s functions', async () => {
    const token = await world.token(['releases:write', 'releases:read'], ['checkout']);
    const refused = await world.call('POST', '/releases', { token, body: { ...release, synthetic: { hooks: { function: 'arn:aws:lambda:us-east-1:123456789012:function:payments-admin' } } } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('payments-admin');
  });

  it('shows the hook runs and a summary of the probes as the release runs', async () => {
    const { body } = await world.call('POST', '/releases', { body: release });
    for (let minute = 0; minute < 3; minute += 1) {
      await tickDue(world.engine);
      world.engine.clock.advance(MINUTE);
    }
    const { status, body: shown } = await world.call('GET', `/releases/${body.id}`);
    expect(status).toBe(200);
    expect(shown.hookRuns).toEqual([{ phase: 'before', function: 'checkout-smoke', at: expect.any(String), outcome: 'pass', durationMs: 1, detail: 'status pass' }]);
    expect(shown.probes).toMatchObject({ ticks: 2, canaryTotal: 8, canaryErrors: 0, baselineTotal: 8, baselineErrors: 0, verdict: 'inconclusive' });
    const events = await world.call('GET', `/releases/${body.id}/events`);
    expect(events.body.events.map((event: { type: string }) => event.type)).toEqual(expect.arrayContaining(['hook_ran', 'probes_ran']));
  });
});

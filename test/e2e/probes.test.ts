import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../lib/cli/client.js';
import { startLocalWorld, type LocalWorld } from '../../lib/local/world.js';
import { expectEveryReleaseReplays } from '../support/replay.js';

/**
 * A function with almost no traffic (one request every five seconds) released through paired
 * probes in the local world: the sandbox invokes each version by its qualifier with the same
 * events, and the gate judges the pairs with the same sequential tests as real traffic.
 */
describe('a low-traffic function released on paired probes, end to end', () => {
  let world: LocalWorld;
  const api = () => new ApiClient({ url: world.url, token: world.adminToken, tokenSource: 'test' }, globalThis.fetch, { sleep: (ms) => new Promise((done) => setTimeout(done, ms)) });
  const plan = { steps: [{ type: 'traffic', weight: 10, minBake: '6s' }, { type: 'traffic', weight: 50, minBake: '6s' }], verification: '6s' };
  const synthetic = { probes: { events: [{ cartId: 'probe-1' }, { cartId: 'probe-2' }], pairsPerTick: 40 } };
  // The default policy, told to judge on probes what its traffic cannot.
  const policy = { checks: [{ name: 'error-rate-vs-baseline', sli: { kind: 'error_rate' }, method: 'sequential', alpha: 0.005 }], evidence: { onInfeasible: 'synthetic' } };

  async function release(version: string): Promise<{ state: string; decisions: { action: string; reason: string; explanation: string }[]; probes?: { ticks: number } }> {
    const { id } = (await api().request<{ id: string }>('POST', '/releases', { body: { function: 'checkout', version, plan, policy, synthetic } })).body;
    let gate = (await api().get<{ state: string; revision: number }>(`/releases/${id}/gate`)).body;
    const deadline = Date.now() + 3 * 60_000;
    while (!['succeeded', 'rolled_back', 'aborted', 'paused'].includes(gate.state) && Date.now() < deadline) {
      gate = (await api().get<{ state: string; revision: number }>(`/releases/${id}/gate`, { wait: 20, since: gate.revision }, 60_000)).body;
    }
    return (await api().get<{ state: string; decisions: { action: string; reason: string; explanation: string }[]; probes?: { ticks: number } }>(`/releases/${id}`)).body;
  }

  beforeAll(async () => {
    world = await startLocalWorld({ port: 0, tokenFile: null, worldFile: null, metricPeriodSeconds: 2, trafficPerSecond: 0.2 });
  }, 60_000);

  afterAll(async () => {
    await world?.stop();
  });

  it('promotes a healthy version on its probes, and rolls back one that fails 5% of them', async () => {
    const healthy = await release('2');
    const promotion = healthy.decisions.find((decision) => decision.action === 'promote');
    expect(healthy.state, JSON.stringify(healthy.decisions.map((decision) => decision.explanation))).toBe('succeeded');
    expect(promotion?.explanation).toMatch(/on paired probes: error rate 0% \(0\/\d+\) vs stable 0% \(0\/\d+\) over \d+ ticks; .*failing 5% of the probes or more ruled out/);
    expect(healthy.probes?.ticks).toBeGreaterThan(2);

    const failing = await release('3');
    const rollback = failing.decisions.at(-1);
    expect(failing.state, JSON.stringify(failing.decisions.map((decision) => decision.explanation))).toBe('rolled_back');
    expect(rollback).toMatchObject({ action: 'rollback', reason: 'probes_failed' });
    expect(rollback?.explanation).toMatch(/^rolled back at \d+%: paired-probes: error rate [\d.]+% \(\d+\/\d+\) vs stable 0% \(0\/\d+\)/);
    // The probes' override and every decision on them replay from the stored history.
    await expectEveryReleaseReplays(world.deps.engine.store);
  }, 8 * 60_000);
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../lib/cli/client.js';
import { runDemo, type DemoResult } from '../../lib/local/demo.js';
import { startLocalWorld, type LocalWorld, type LocalWorldOptions } from '../../lib/local/world.js';
import { expectEveryReleaseReplays } from '../support/replay.js';

/**
 * The local world in this process: DynamoDB Local, the sandbox running the real demo handlers,
 * the gate API over HTTP, the evaluator and traffic. Periods of 2 s keep each demo to about a minute.
 */
const SHORT_PLAN = { steps: [{ type: 'traffic', weight: 10, minBake: '10s' }, { type: 'traffic', weight: 50, minBake: '10s' }], verification: '10s' };

describe('the demo, twice on one world, end to end over HTTP', () => {
  let world: LocalWorld;
  const runs: { result: DemoResult; lines: string[]; aliasAfter: string }[] = [];

  beforeAll(async () => {
    world = await startLocalWorld({ port: 0, tokenFile: null, worldFile: null, metricPeriodSeconds: 2, trafficPerSecond: 60 });
    for (let run = 0; run < 2; run += 1) {
      const lines: string[] = [];
      const result = await runDemo({ url: world.url, token: world.adminToken, sandboxEndpoint: world.sandboxEndpoint, log: (line) => lines.push(line), timeoutMs: 4 * 60_000, plan: SHORT_PLAN });
      runs.push({ result, lines, aliasAfter: (await world.deps.engine.router.read('checkout', 'live')).functionVersion });
    }
  }, 10 * 60_000);

  afterAll(async () => {
    await world?.stop();
  });

  it('promotes the healthy version and rolls the failing one back by itself, both times', () => {
    for (const { result, lines } of runs) {
      expect(result.healthy.outcome, lines.join('\n')).toBe('succeeded');
      expect(result.failing.outcome, lines.join('\n')).toBe('rolled_back');
      expect(result.ok).toBe(true);
    }
  });

  it('releases a healthy version the alias does not run: 2 from version 1, then 1 from version 2', () => {
    expect(runs.map(({ result }) => [result.healthy.stableVersion, result.healthy.version])).toEqual([['1', '2'], ['2', '1']]);
    expect(runs.map(({ result }) => [result.failing.stableVersion, result.failing.version])).toEqual([['2', '3'], ['1', '3']]);
    expect(runs[1]!.lines[0]).toBe('\n▶ checkout:live runs version 2; releasing version 1 (expecting succeeded)');
  });

  it('leaves the alias on the promoted version after the rollback of the next one', () => {
    expect(runs.map(({ aliasAfter }) => aliasAfter)).toEqual(['2', '1']);
  });

  it('records every decision in a verified hash chain, with the failing verdict explained in numbers', async () => {
    for (const { result } of runs) {
      expect(result.healthy.chainVerified && result.failing.chainVerified).toBe(true);
      const rollback = result.failing.decisions.find((decision) => decision.action === 'rollback');
      expect(rollback?.explanation).toMatch(/^rolled back at \d+%: .*\(\d+\/\d+\)/);
      const events = (await world.deps.engine.store.events(result.failing.id)).map((stored) => stored.event.type);
      expect(events.slice(-2)).toEqual(['rollback_started', 'rolled_back']);
      // The rollback's own measure of its UpdateAlias calls and read-back: recorded, and within the tick's budget.
      expect(result.failing.restoreMs).toBeTypeOf('number');
      expect(result.failing.restoreMs!).toBeLessThan(30_000);
    }
  });

  it("measured real traffic on both versions, with the failing version's errors", () => {
    for (const { result } of runs) {
      expect(result.healthy.requestsServed).toBeGreaterThan(100);
      expect(result.healthy.requestsFailed).toBe(0);
      expect(result.failing.requestsServed).toBeGreaterThan(0);
      expect(result.failing.requestsFailed).toBeGreaterThan(0);
    }
    expect(world.traffic?.stats().total.sent).toBeGreaterThan(1_000);
  });

  it('decides every decision of the four releases again from what was stored, with no difference', async () => {
    expect(await expectEveryReleaseReplays(world.deps.engine.store)).toBeGreaterThan(8);
  });
});

describe('a world restarted on the same --persist directory mid-release', () => {
  const dir = mkdtempSync(join(tmpdir(), 'release-gate-world-'));
  const options: LocalWorldOptions = { port: 0, tokenFile: null, worldFile: null, persistDir: dir, metricPeriodSeconds: 2, trafficPerSecond: 60 };
  const api = (world: LocalWorld) => new ApiClient({ url: world.url, token: world.adminToken, tokenSource: 'test' }, globalThis.fetch, { sleep: (ms) => new Promise((done) => setTimeout(done, ms)) });
  let world: LocalWorld | undefined;

  afterAll(async () => {
    await world?.stop();
  });

  it('carries the release on where it was, without a drift pause, and finishes it', async () => {
    world = await startLocalWorld(options);
    const plan = { steps: [{ type: 'traffic', weight: 10, minBake: '20s' }, { type: 'traffic', weight: 50, minBake: '10s' }], verification: '10s' };
    const { id } = (await api(world).request<{ id: string }>('POST', '/releases', { body: { function: 'checkout', version: '2', plan } })).body;
    const first = world;
    await expect.poll(async () => (await first.deps.engine.store.events(id)).some((stored) => stored.event.type === 'routing_confirmed'), { timeout: 60_000, interval: 500 }).toBe(true);
    await expect.poll(async () => (await api(first).get<{ observation: { periods?: unknown[] } }>(`/releases/${id}/metrics`)).body.observation.periods?.length ?? 0, { timeout: 60_000, interval: 1_000 }).toBeGreaterThan(2);
    const stoppedAt = Date.now();
    await world.stop();
    world = undefined;

    world = await startLocalWorld({ ...options, adminToken: first.adminToken });
    expect(world.restored).toMatchObject({ found: true, restored: ['checkout:live on version 1 with 10% on version 2'], notices: [] });
    const second = world;
    let gate = (await api(second).get<{ state: string; revision: number }>(`/releases/${id}/gate`)).body;
    const deadline = Date.now() + 4 * 60_000;
    while (!['succeeded', 'rolled_back', 'aborted'].includes(gate.state) && Date.now() < deadline) {
      gate = (await api(second).get<{ state: string; revision: number }>(`/releases/${id}/gate`, { wait: 20, since: gate.revision }, 60_000)).body;
    }
    const events = (await second.deps.engine.store.events(id)).map((stored) => stored.event.type);
    expect(gate.state, events.join(', ')).toBe('succeeded');
    expect(events).not.toContain('drift_detected');
    expect(events).not.toContain('paused');
    expect(await second.deps.engine.router.read('checkout', 'live')).toEqual({ functionVersion: '2' });
    // The SLI history spans the restart: periods recorded before it are still there.
    const { periods = [] } = (await api(second).get<{ observation: { periods?: { start: number }[] } }>(`/releases/${id}/metrics`)).body.observation;
    expect(periods.some((period) => period.start < stoppedAt - 2_000)).toBe(true);
    // Decisions on both sides of the restart follow from the stored inputs.
    await expectEveryReleaseReplays(second.deps.engine.store);
  }, 8 * 60_000);
});

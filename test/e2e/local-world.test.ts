import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../../lib/local/demo.js';
import { startLocalWorld, type LocalWorld } from '../../lib/local/world.js';

/**
 * The local world in this process: DynamoDB Local, the sandbox running the real demo handlers,
 * the gate API over HTTP, the evaluator and traffic. Periods of 2 s keep the run to about a minute.
 */
let world: LocalWorld;
let result: DemoResult;
const lines: string[] = [];

beforeAll(async () => {
  world = await startLocalWorld({ port: 0, tokenFile: null, metricPeriodSeconds: 2, trafficPerSecond: 60 });
  result = await runDemo({
    url: world.url,
    token: world.adminToken,
    log: (line) => lines.push(line),
    timeoutMs: 4 * 60_000,
    plan: { steps: [{ type: 'traffic', weight: 10, minBake: '10s' }, { type: 'traffic', weight: 50, minBake: '10s' }], verification: '10s' },
  });
}, 6 * 60_000);

afterAll(async () => {
  await world?.stop();
});

describe('the local world, end to end over HTTP', () => {
  it('promotes the healthy version and rolls the failing one back by itself', () => {
    expect(result.healthy.outcome, lines.join('\n')).toBe('succeeded');
    expect(result.failing.outcome, lines.join('\n')).toBe('rolled_back');
    expect(result.ok).toBe(true);
  });

  it('leaves the alias on the promoted version after the rollback of the next one', async () => {
    expect(await world.deps.engine.router.read('checkout', 'live')).toEqual({ functionVersion: '2' });
  });

  it('records every decision in a verified hash chain, with the failing verdict explained in numbers', async () => {
    expect(result.healthy.chainVerified && result.failing.chainVerified).toBe(true);
    const rollback = result.failing.decisions.find((decision) => decision.action === 'rollback');
    expect(rollback?.explanation).toMatch(/^rolled back at \d+%: .*\(\d+\/\d+\)/);
    const events = (await world.deps.engine.store.events(result.failing.id)).map((stored) => stored.event.type);
    expect(events.slice(-2)).toEqual(['rollback_started', 'rolled_back']);
    expect(result.failing.restoreMs).toBeGreaterThanOrEqual(0);
  });

  it('measured real traffic on both versions, with the failing version\'s errors', () => {
    expect(result.healthy.requestsServed).toBeGreaterThan(100);
    expect(result.healthy.requestsFailed).toBe(0);
    expect(result.failing.requestsServed).toBeGreaterThan(0);
    expect(result.failing.requestsFailed).toBeGreaterThan(0);
    expect(world.traffic?.stats().total.sent).toBeGreaterThan(1_000);
  });
});

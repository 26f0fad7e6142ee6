import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { lambdaInvoke, startTraffic } from '../../lib/sandbox/traffic-generator.js';
import { FakeClock, startHarness } from './support.js';

describe('startTraffic', () => {
  it('invokes each target at roughly its rate and stops when told', async () => {
    const calls: string[] = [];
    const startedAt = performance.now();
    const traffic = startTraffic({
      invoke: async (fn, qualifier) => {
        calls.push(`${fn}:${qualifier}`);
        await sleep(5);
      },
      targets: [
        { functionName: 'checkout', qualifier: 'live', ratePerSecond: 200 },
        { functionName: 'search', qualifier: 'live', ratePerSecond: 50 },
      ],
    });
    await sleep(500);
    const seconds = (performance.now() - startedAt) / 1000;
    await traffic.stop();
    const checkout = calls.filter((c) => c === 'checkout:live').length;
    const search = calls.filter((c) => c === 'search:live').length;
    // Never more than rate × elapsed; a little less, by the requests due after the last tick.
    expect(checkout).toBeLessThanOrEqual(Math.ceil(200 * seconds));
    expect(checkout).toBeGreaterThanOrEqual(Math.floor(200 * seconds * 0.8));
    expect(search).toBeLessThanOrEqual(Math.ceil(50 * seconds));
    expect(search).toBeGreaterThanOrEqual(Math.floor(50 * seconds * 0.8));
    expect(traffic.stats().total).toMatchObject({ sent: checkout + search, succeeded: checkout + search, failed: 0, inFlight: 0 });

    const stopped = calls.length;
    await sleep(100);
    expect(calls.length).toBe(stopped);
  });

  it('bounds the requests in flight, counts drops and reports failures', async () => {
    const errors: unknown[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let n = 0;
    const traffic = startTraffic({
      invoke: async () => {
        n += 1;
        if (n % 2 === 0) throw new Error(`request ${n} failed`);
        await gate;
      },
      targets: [{ functionName: 'checkout', qualifier: 'live', ratePerSecond: 500 }],
      maxInFlight: 3,
      onError: (error) => errors.push(error),
    });
    await sleep(200);
    const during = traffic.stats().targets[0];
    expect(during?.inFlight).toBe(3);
    expect(during?.dropped).toBeGreaterThan(0);
    release();
    await traffic.stop();
    const after = traffic.stats().total;
    expect(after.failed).toBe(errors.length);
    expect(after.failed).toBeGreaterThan(0);
    expect(after.succeeded + after.failed).toBe(after.sent);
  });

  it('sends its traffic over the wire to the sandbox with lambdaInvoke', async () => {
    const h = await startHarness({ clock: new FakeClock(), loadHandler: () => Promise.resolve(() => Promise.resolve({ ok: true })) });
    try {
      const traffic = startTraffic({ invoke: lambdaInvoke(h.lambda), targets: [{ functionName: 'checkout', qualifier: 'live', ratePerSecond: 100 }] });
      await sleep(200);
      await traffic.stop();
      const { sent, succeeded } = traffic.stats().total;
      expect(sent).toBeGreaterThan(5);
      expect(succeeded).toBe(sent);
      const invocations = h.sandbox.world.metrics.buckets('AWS/Lambda', 'Invocations', [
        { Name: 'FunctionName', Value: 'checkout' }, { Name: 'Resource', Value: 'checkout:live' }, { Name: 'ExecutedVersion', Value: '1' },
      ]);
      expect([...(invocations?.values() ?? [])].reduce((total, bucket) => total + bucket.count, 0)).toBe(sent);
    } finally {
      await h.stop();
    }
  });
});

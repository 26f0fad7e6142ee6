import { describe, expect, it } from 'vitest';
import { MetricRecorder } from '../../lib/sandbox/metric-recorder.js';
import { FakeClock, T0 } from './support.js';

const fn = [{ Name: 'FunctionName', Value: 'checkout' }];

describe('MetricRecorder', () => {
  it('publishes an alias invocation under all three dimension sets, whatever their order', () => {
    const recorder = new MetricRecorder({ periodSeconds: 10, clock: new FakeClock() });
    recorder.recordInvocation({ functionName: 'checkout', resource: 'checkout:live', executedVersion: '2' }, T0, 12.5, true);
    const sets = [
      fn,
      [{ Name: 'Resource', Value: 'checkout:live' }, ...fn],
      [{ Name: 'ExecutedVersion', Value: '2' }, { Name: 'Resource', Value: 'checkout:live' }, ...fn],
    ];
    for (const dimensions of sets) {
      expect(recorder.buckets('AWS/Lambda', 'Errors', dimensions)?.get(T0 / 1000)).toMatchObject({ count: 1, sum: 1 });
      expect(recorder.buckets('AWS/Lambda', 'Duration', dimensions)?.get(T0 / 1000)?.samples).toEqual([12.5]);
    }
    expect(recorder.buckets('AWS/Lambda', 'Invocations', [{ Name: 'ExecutedVersion', Value: '2' }, ...fn])).toBeUndefined();
  });

  it('keeps an unqualified invocation under FunctionName alone', () => {
    const recorder = new MetricRecorder({ periodSeconds: 10, clock: new FakeClock() });
    recorder.recordInvocation({ functionName: 'checkout' }, T0, 5, false);
    expect(recorder.buckets('AWS/Lambda', 'Invocations', fn)?.size).toBe(1);
    expect(recorder.buckets('AWS/Lambda', 'Invocations', [...fn, { Name: 'Resource', Value: 'checkout' }])).toBeUndefined();
  });

  it('drops buckets older than the retention, so memory stays bounded', () => {
    const clock = new FakeClock();
    const recorder = new MetricRecorder({ periodSeconds: 10, retentionMs: 60_000, clock });
    recorder.recordInvocation({ functionName: 'checkout' }, clock.now(), 5, false);
    clock.advance(30_000);
    recorder.recordInvocation({ functionName: 'checkout' }, clock.now(), 5, false);
    expect([...(recorder.buckets('AWS/Lambda', 'Invocations', fn)?.keys() ?? [])]).toEqual([T0 / 1000, T0 / 1000 + 30]);
    clock.advance(45_000);
    recorder.recordThrottle({ functionName: 'checkout' }, clock.now());
    expect([...(recorder.buckets('AWS/Lambda', 'Invocations', fn)?.keys() ?? [])]).toEqual([T0 / 1000 + 30]);
    clock.advance(120_000);
    recorder.recordThrottle({ functionName: 'checkout' }, clock.now());
    expect(recorder.buckets('AWS/Lambda', 'Invocations', fn)).toBeUndefined();
  });
});

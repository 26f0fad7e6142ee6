import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAliasCommand, InvokeCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../lib/sandbox/handler-runner.js';
import { MetricRecorder } from '../../lib/sandbox/metric-recorder.js';
import { METRICS_FILE, STATE_FILE } from '../../lib/sandbox/state-dir.js';
import { FakeClock, ROLE, T0, checkoutConfig, encode, fakeHandlers, loadConfig, seededRandom, startHarness, type Harness } from './support.js';

const ok: LambdaHandler = () => Promise.resolve({ ok: true });
const handlers = fakeHandlers({ 1: ok, 2: ok, 3: ok, 4: ok });
const fn = [{ Name: 'FunctionName', Value: 'checkout' }];

const newDir = () => mkdtempSync(join(tmpdir(), 'release-gate-sandbox-'));

async function start(dir: string, clock: FakeClock, json: unknown = checkoutConfig()): Promise<Harness> {
  return startHarness({ config: await loadConfig(json), stateDir: dir, clock, random: seededRandom(7), loadHandler: handlers, onStateError: (error) => { throw error; } });
}

async function invoke(h: Harness, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) await h.lambda.send(new InvokeCommand({ FunctionName: 'checkout', Qualifier: 'live', Payload: encode({}) }));
}

const alias = (h: Harness) => h.lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }));

/** A release halfway: live on 1 with 10% on 2, and some traffic in two periods. */
async function midRelease(dir: string, clock: FakeClock): Promise<{ before: Awaited<ReturnType<typeof alias>>; invocations: unknown }> {
  const h = await start(dir, clock);
  const { RevisionId } = await alias(h);
  await h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } }, RevisionId }));
  await invoke(h, 30);
  clock.advance(10_000);
  await invoke(h, 20);
  const before = await alias(h);
  const invocations = [...(h.sandbox.world.metrics.buckets('AWS/Lambda', 'Invocations', fn) ?? [])];
  await h.stop();
  return { before, invocations };
}

describe('the sandbox kept in a directory across restarts', () => {
  it('brings back each alias with its routing and RevisionId, and every recorded period', async () => {
    const dir = newDir();
    const clock = new FakeClock();
    const { before, invocations } = await midRelease(dir, clock);
    expect(invocations).toEqual([[T0 / 1000, expect.objectContaining({ count: 30 })], [T0 / 1000 + 10, expect.objectContaining({ count: 20 })]]);

    clock.advance(5_000);
    const again = await start(dir, clock);
    try {
      const after = await alias(again);
      expect(after.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 });
      expect(after.RevisionId).toBe(before.RevisionId);
      expect([...(again.sandbox.world.metrics.buckets('AWS/Lambda', 'Invocations', fn) ?? [])]).toEqual(invocations);
      const byVersion = (version: string) => [...(again.sandbox.world.metrics.buckets('AWS/Lambda', 'Invocations', [...fn, { Name: 'Resource', Value: 'checkout:live' }, { Name: 'ExecutedVersion', Value: version }]) ?? []).values()];
      expect([...byVersion('1'), ...byVersion('2')].reduce((sum, bucket) => sum + bucket.count, 0)).toBe(50);
      expect(again.sandbox.state).toMatchObject({ found: true, restored: ['checkout:live on version 1 with 10% on version 2'], notices: [], metricPeriods: 2, metricsSince: T0 });
      // A gate that read the RevisionId before the restart can still write with it.
      await again.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: after.RevisionId }));
    } finally {
      await again.stop();
    }
    const third = await start(dir, clock);
    expect((await alias(third)).FunctionVersion).toBe('2');
    await third.stop();
  });

  it('saves each alias change at once, so a world that is killed keeps it', async () => {
    const dir = newDir();
    const h = await start(dir, new FakeClock());
    await h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '3' }));
    await expect.poll(() => JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')).functions.checkout.aliases.live.functionVersion).toBe('3');
    await h.stop();
    expect(readdirSync(dir).sort()).toEqual([METRICS_FILE, STATE_FILE]);
  });

  it('starts on a first run as the config says, and says so', async () => {
    const h = await start(newDir(), new FakeClock());
    expect(h.sandbox.state).toMatchObject({ found: false, restored: [], notices: [], metricPeriods: 0 });
    expect((await alias(h)).FunctionVersion).toBe('1');
    await h.stop();
  });
});

describe('a config that changed between runs', () => {
  const withoutVersion = (version: string) => {
    const json = checkoutConfig() as { functions: { checkout: { versions: Record<string, unknown> } } };
    delete json.functions.checkout.versions[version];
    return json;
  };

  it('a routed version that is gone: the alias starts where the config says, with a notice', async () => {
    const dir = newDir();
    const clock = new FakeClock();
    await midRelease(dir, clock);
    const h = await start(dir, clock, withoutVersion('2'));
    expect((await alias(h)).FunctionVersion).toBe('1');
    expect((await alias(h)).RoutingConfig).toBeUndefined();
    expect(h.sandbox.state?.restored).toEqual([]);
    expect(h.sandbox.state?.notices).toEqual([
      'checkout:live was on version 1 with 10% on version 2, but version 2 is no longer in the sandbox config: it starts on version 1, as the config says; an active release on it pauses on drift, for a person to decide',
    ]);
    await h.stop();
  });

  it('an alias the config now sets differently: the config wins', async () => {
    const dir = newDir();
    const clock = new FakeClock();
    await midRelease(dir, clock);
    const json = checkoutConfig() as { functions: { checkout: { aliases: Record<string, unknown> } } };
    json.functions.checkout.aliases.live = { version: '3' };
    const h = await start(dir, clock, json);
    expect((await alias(h)).FunctionVersion).toBe('3');
    expect(h.sandbox.state?.notices).toEqual([expect.stringMatching(/^the sandbox config now sets checkout:live to version 3 \(it said version 1\): it starts there instead of on the saved version 1 with 10% on version 2; /)]);
    await h.stop();
  });

  it('routing that Lambda would refuse now (another role): the config wins', async () => {
    const dir = newDir();
    const clock = new FakeClock();
    await midRelease(dir, clock);
    const h = await start(dir, clock, checkoutConfig({ '2': { role: 'arn:aws:iam::123456789012:role/other' } }));
    expect((await alias(h)).RoutingConfig).toBeUndefined();
    expect(h.sandbox.state?.notices).toEqual([expect.stringContaining("which Lambda's rules no longer allow (Versions 1 and 2 must have the same execution role")]);
    await h.stop();
  });

  it('a handler file that changed: the routing stays, with a notice that versions are immutable in Lambda', async () => {
    const dir = newDir();
    const clock = new FakeClock();
    await midRelease(dir, clock);
    const h = await start(dir, clock, checkoutConfig({ '2': { handler: 'functions/demo/checkout/v3.ts', role: ROLE } }));
    expect((await alias(h)).RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 });
    expect(h.sandbox.state?.notices).toEqual([expect.stringMatching(/^checkout version 2: its handler file changed since the last run \(CodeSha256 \S+ → \S+\); it runs the new code/)]);
    await h.stop();
  });

  it('a function that is gone: its aliases are dropped, with a notice', async () => {
    const dir = newDir();
    const clock = new FakeClock();
    await midRelease(dir, clock);
    const other = { functions: { orders: { versions: { 1: { handler: 'functions/demo/checkout/v1.ts' } }, aliases: { live: { version: '1' } } } } };
    const h = await start(dir, clock, other);
    expect(h.sandbox.state?.notices).toEqual(['function checkout is no longer in the sandbox config: its saved aliases are dropped']);
    await h.stop();
  });

  it('another metric period: the saved metrics cannot be mixed in, so the charts start afresh', async () => {
    const dir = newDir();
    const clock = new FakeClock();
    await midRelease(dir, clock);
    const h = await start(dir, clock, checkoutConfig({}, { metricPeriodSeconds: 5 }));
    expect(h.sandbox.state).toMatchObject({ metricPeriods: 0, restored: ['checkout:live on version 1 with 10% on version 2'] });
    expect(h.sandbox.state?.notices).toEqual(['the metrics were recorded in 10-second periods and this run uses 5: they cannot be mixed, so the charts start afresh']);
    expect(h.sandbox.world.metrics.buckets('AWS/Lambda', 'Invocations', fn)).toBeUndefined();
    await h.stop();
  });
});

describe('damaged files', () => {
  it('a state file that is not one is set aside and the aliases start from the config', async () => {
    const dir = newDir();
    writeFileSync(join(dir, STATE_FILE), '{"format": 1, "functions": ');
    const h = await start(dir, new FakeClock());
    expect((await alias(h)).FunctionVersion).toBe('1');
    expect(h.sandbox.state?.notices).toEqual([expect.stringMatching(/sandbox\.json is not a saved sandbox: the aliases start as the config says; the file is kept as \S+sandbox\.json\.unreadable-\S+$/)]);
    await h.stop();
    expect(readdirSync(dir).filter((name) => name.startsWith(`${STATE_FILE}.unreadable-`))).toHaveLength(1);
  });

  it('a journal cut off mid-line keeps every whole batch before it', async () => {
    const dir = newDir();
    const clock = new FakeClock();
    const { invocations } = await midRelease(dir, clock);
    appendFileSync(join(dir, METRICS_FILE), '{"series": [{"namespace": "AWS/Lam');
    const h = await start(dir, clock);
    expect([...(h.sandbox.world.metrics.buckets('AWS/Lambda', 'Invocations', fn) ?? [])]).toEqual(invocations);
    expect(h.sandbox.state?.notices).toEqual([`the last metric batch in ${METRICS_FILE} was cut off (the world stopped mid-write): a period's metrics are lost`]);
    await h.stop();
  });
});

describe('MetricRecorder changes and merge', () => {
  it('merging every batch of changes gives the buckets that recording gave, late invocations included', () => {
    const clock = new FakeClock();
    const recorder = new MetricRecorder({ periodSeconds: 10, clock, trackChanges: true });
    const copy = new MetricRecorder({ periodSeconds: 10, clock });
    const dims = { functionName: 'checkout', resource: 'checkout:live', executedVersion: '2' };
    recorder.recordInvocation(dims, T0, 12, false);
    recorder.recordInvocation(dims, T0 + 1_000, 30, true);
    copy.merge(recorder.takeChanges());
    clock.advance(15_000);
    recorder.recordInvocation(dims, clock.now(), 7, false);
    // Started in the first period, finished after the first batch was taken.
    recorder.recordInvocation(dims, T0 + 9_000, 3, false);
    recorder.recordThrottle(dims, clock.now());
    copy.merge(recorder.takeChanges());
    expect(recorder.takeChanges()).toEqual([]);
    expect(copy.snapshot()).toEqual(recorder.snapshot());
    expect(copy.buckets('AWS/Lambda', 'Duration', fn)?.get(T0 / 1000)).toEqual({ count: 3, sum: 45, min: 3, max: 30, samples: [12, 30, 3] });
  });

  it('drops merged buckets past the retention', () => {
    const clock = new FakeClock();
    const recorder = new MetricRecorder({ periodSeconds: 10, retentionMs: 60_000, clock, trackChanges: true });
    recorder.recordInvocation({ functionName: 'checkout' }, T0, 5, false);
    const batch = recorder.takeChanges();
    clock.advance(120_000);
    const later = new MetricRecorder({ periodSeconds: 10, retentionMs: 60_000, clock });
    later.merge(batch);
    expect(later.snapshot()).toEqual([]);
  });
});

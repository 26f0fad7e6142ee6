import { OpenFeature, ProviderEvents, ServerProviderStatus, type EventDetails } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { FlagService } from '../../lib/flags/flag-service.js';
import type { FlagSetDocument } from '../../lib/flags/flag-schema.js';
import { MemoryFlagStore } from '../../lib/memory/memory-flag-store.js';
import { DynamoFlagSource } from '../../flags/provider/dynamo-flag-source.js';
import { FlagSourceError, type FlagSetFetch, type FlagSetSource } from '../../flags/provider/flag-source.js';
import { HttpFlagSource } from '../../flags/provider/http-flag-source.js';
import { ReleaseGateProvider, type Scheduler } from '../../flags/provider/release-gate-provider.js';

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

const baseSet = (): FlagSetDocument => ({
  flags: {
    'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'beta' }, 'on', null] } },
    'button-text': { state: 'ENABLED', variants: { classic: 'Buy', friendly: 'Complete my order' }, defaultVariant: 'classic' },
    'page-size': { state: 'ENABLED', variants: { small: 10, large: 50 }, defaultVariant: 'large' },
    theme: { state: 'ENABLED', variants: { dark: { background: '#000' } }, defaultVariant: 'dark' },
    'old-banner': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
  },
  $evaluators: { beta: { in: [{ var: 'email' }, ['ana@example.com']] } },
});

/** A gate in memory: a set with a version, conditional answers, and failures on demand. */
class FakeGate implements FlagSetSource {
  set = baseSet();
  version = 1;
  failure: Error | undefined;
  readonly etagsSeen: (string | undefined)[] = [];

  publish(change: (set: FlagSetDocument) => FlagSetDocument): void {
    this.set = change(structuredClone(this.set));
    this.version += 1;
  }

  fetch(etag?: string): Promise<FlagSetFetch> {
    this.etagsSeen.push(etag);
    if (this.failure) return Promise.reject(this.failure);
    if (etag === `"${this.version}"`) return Promise.resolve({ notModified: true });
    return Promise.resolve({ etag: `"${this.version}"`, flagSet: structuredClone(this.set) });
  }
}

/** Time and the polling timer, driven by the test. */
class Harness {
  now = 0;
  private task: (() => void) | undefined;
  intervalMs: number | undefined;
  cancelled = false;
  readonly scheduler: Scheduler = (ms, task) => {
    this.intervalMs = ms;
    this.task = task;
    return () => {
      this.cancelled = true;
    };
  };

  /** Moves time on by one interval and runs the poll, letting its fetch settle. */
  async poll(ms = this.intervalMs ?? 0): Promise<void> {
    this.now += ms;
    this.task?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let domainCounter = 0;

function started(gate: FlagSetSource = new FakeGate(), options: { refreshIntervalMs?: number; staleAfterMs?: number } = {}) {
  const harness = new Harness();
  const provider = new ReleaseGateProvider({ source: gate, refreshIntervalMs: 1_000, staleAfterMs: 3_000, now: () => harness.now, scheduler: harness.scheduler, logger: quiet, ...options });
  const events: { type: ProviderEvents; details: EventDetails | undefined }[] = [];
  for (const type of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged, ProviderEvents.Error]) {
    provider.events.addHandler(type, (details) => {
      events.push({ type, details });
    });
  }
  const domain = `provider-test-${++domainCounter}`;
  const ready = OpenFeature.setProviderAndWait(domain, provider);
  return { provider, harness, events, ready, client: OpenFeature.getClient(domain) };
}

afterEach(async () => {
  await OpenFeature.clearProviders();
});

describe('ReleaseGateProvider evaluation', () => {
  it('resolves all four types through the OpenFeature client with flagd’s reasons', async () => {
    const { client, ready } = started();
    await ready;
    expect(await client.getBooleanDetails('new-checkout', false, { targetingKey: 'ana', email: 'ana@example.com' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH', variant: 'on' });
    expect(await client.getBooleanDetails('new-checkout', true, { targetingKey: 'bo', email: 'bo@example.com' })).toMatchObject({ value: false, reason: 'DEFAULT', variant: 'off' });
    expect(await client.getStringDetails('button-text', 'x')).toMatchObject({ value: 'Buy', reason: 'STATIC' });
    expect(await client.getNumberValue('page-size', 0)).toBe(50);
    expect(await client.getObjectValue('theme', {})).toEqual({ background: '#000' });
  });

  it('tells a missing flag (FLAG_NOT_FOUND) from a DISABLED one (default value, reason DISABLED)', async () => {
    const { client, ready } = started();
    await ready;
    expect(await client.getBooleanDetails('nope', true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    const disabled = await client.getBooleanDetails('old-banner', false);
    expect(disabled).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(disabled.errorCode).toBeUndefined();
    expect(await client.getNumberDetails('button-text', 3)).toMatchObject({ value: 3, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });
});

describe('ReleaseGateProvider refresh', () => {
  it('polls with the last ETag and stays quiet while nothing changes', async () => {
    const gate = new FakeGate();
    const { harness, events, ready } = started(gate);
    await ready;
    await harness.poll();
    await harness.poll();
    expect(harness.intervalMs).toBe(1_000);
    expect(gate.etagsSeen).toEqual([undefined, '"1"', '"1"']);
    expect(events.map((event) => event.type)).toEqual([]);
  });

  it('emits CONFIGURATION_CHANGED naming only the flags whose definitions changed', async () => {
    const gate = new FakeGate();
    const { harness, events, ready, client } = started(gate);
    await ready;
    gate.publish((set) => {
      const flags: Record<string, unknown> = { ...set.flags, 'page-size': { state: 'ENABLED', variants: { small: 10, large: 50 }, defaultVariant: 'small' }, 'new-flag': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } };
      delete flags.theme;
      return { ...set, flags };
    });
    await harness.poll();
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe(ProviderEvents.ConfigurationChanged);
    expect([...((events[0]?.details?.flagsChanged as string[]) ?? [])].sort()).toEqual(['new-flag', 'page-size', 'theme']);
    expect(await client.getNumberValue('page-size', 0)).toBe(10);

    gate.publish((set) => ({ ...set, $evaluators: { beta: { in: [{ var: 'email' }, ['bo@example.com']] } } }));
    await harness.poll();
    expect(events[1]?.details?.flagsChanged).toEqual(['new-checkout']);
    expect(await client.getBooleanValue('new-checkout', false, { targetingKey: 'bo', email: 'bo@example.com' })).toBe(true);
  });

  it('keeps the last good set when a refresh fails or brings a broken set', async () => {
    const gate = new FakeGate();
    const { harness, events, ready, client } = started(gate);
    await ready;
    gate.failure = new Error('connection reset');
    await harness.poll();
    expect(await client.getStringValue('button-text', 'x')).toBe('Buy');
    gate.failure = undefined;
    for (const broken of [{}, { flags: 'none' }, { flags: { x: { state: 'MAYBE', variants: { a: 1 } } } }]) {
      gate.publish(() => broken as unknown as FlagSetDocument);
      await harness.poll(100);
      expect(await client.getStringValue('button-text', 'x')).toBe('Buy');
    }
    expect(events.map((event) => event.type)).toEqual([]);
  });

  it('emits STALE once per episode when data outlives staleAfterMs, and READY when fresh data returns', async () => {
    const gate = new FakeGate();
    const { harness, events, ready, client } = started(gate);
    await ready;
    gate.failure = new Error('gate down');
    await harness.poll(); // t = 1 s
    await harness.poll(); // t = 2 s
    expect(events).toEqual([]);
    await harness.poll(); // t = 3 s: data is 3 s old
    await harness.poll();
    await harness.poll();
    expect(events.map((event) => event.type)).toEqual([ProviderEvents.Stale]);
    expect(client.providerStatus).toBe(ServerProviderStatus.STALE);
    expect(await client.getStringValue('button-text', 'x')).toBe('Buy');

    gate.failure = undefined;
    await harness.poll();
    expect(events.map((event) => event.type)).toEqual([ProviderEvents.Stale, ProviderEvents.Ready]);
    expect(client.providerStatus).toBe(ServerProviderStatus.READY);

    gate.failure = new Error('down again');
    for (let round = 0; round < 5; round++) await harness.poll();
    expect(events.map((event) => event.type)).toEqual([ProviderEvents.Stale, ProviderEvents.Ready, ProviderEvents.Stale]);
  });

  it('counts a "not modified" answer as fresh data', async () => {
    const gate = new FakeGate();
    const { harness, events, ready } = started(gate);
    await ready;
    for (let round = 0; round < 10; round++) await harness.poll();
    expect(events).toEqual([]);
  });

  it('notices staleness even while a fetch hangs, and never starts a second fetch meanwhile', async () => {
    let calls = 0;
    const hanging: FlagSetSource = {
      fetch: () => (++calls === 1 ? Promise.resolve({ etag: '"1"', flagSet: baseSet() }) : new Promise<FlagSetFetch>(() => undefined)),
    };
    const { harness, events, ready } = started(hanging);
    await ready;
    for (let round = 0; round < 4; round++) await harness.poll();
    expect(calls).toBe(2);
    expect(events.map((event) => event.type)).toEqual([ProviderEvents.Stale]);
  });
});

describe('ReleaseGateProvider lifecycle', () => {
  it('fails initialize when the first fetch fails, then turns READY on the first good set', async () => {
    const gate = new FakeGate();
    gate.failure = new Error('gate not up yet');
    const { harness, events, ready, client } = started(gate);
    await expect(ready).rejects.toThrow('gate not up yet');
    expect(client.providerStatus).toBe(ServerProviderStatus.ERROR);
    expect(await client.getBooleanDetails('new-checkout', true)).toMatchObject({ value: true, errorCode: 'PROVIDER_NOT_READY' });
    gate.failure = undefined;
    await harness.poll();
    expect(events.map((event) => event.type)).toContain(ProviderEvents.Ready);
    expect(client.providerStatus).toBe(ServerProviderStatus.READY);
    expect(await client.getStringValue('button-text', 'x')).toBe('Buy');
  });

  it('fails initialize with ProviderFatalError when retrying cannot help, and stops polling', async () => {
    const gate = new FakeGate();
    gate.failure = new FlagSourceError('GET /flags answered 401', true);
    const { harness, ready, client } = started(gate);
    await expect(ready).rejects.toMatchObject({ code: 'PROVIDER_FATAL' });
    expect(client.providerStatus).toBe(ServerProviderStatus.FATAL);
    expect(harness.cancelled).toBe(true);
  });

  it('stops its timer on close', async () => {
    const { harness, ready, provider } = started();
    await ready;
    await provider.onClose();
    expect(harness.cancelled).toBe(true);
  });

  it('does not poll when refreshIntervalMs is 0', async () => {
    const { harness, ready } = started(new FakeGate(), { refreshIntervalMs: 0 });
    await ready;
    expect(harness.intervalMs).toBeUndefined();
  });

  it('refuses nonsense timings', () => {
    expect(() => new ReleaseGateProvider({ source: new FakeGate(), refreshIntervalMs: -1 })).toThrow(RangeError);
    expect(() => new ReleaseGateProvider({ source: new FakeGate(), staleAfterMs: 0 })).toThrow(RangeError);
  });
});

describe('HttpFlagSource', () => {
  function server(answers: (() => Response)[]) {
    const requests: { url: string; headers: Record<string, string> }[] = [];
    const fetchImpl = (url: string | URL | Request, init?: RequestInit) => {
      requests.push({ url: url instanceof Request ? url.url : url.toString(), headers: { ...(init?.headers as Record<string, string>) } });
      const next = answers.shift();
      return next ? Promise.resolve(next()) : Promise.reject(new TypeError('fetch failed'));
    };
    return { requests, fetch: fetchImpl };
  }

  it('GETs <baseUrl>/flags with the bearer token, then If-None-Match, and reads 304 as not modified', async () => {
    const http = server([() => Response.json(baseSet(), { headers: { etag: '"5"' } }), () => new Response(null, { status: 304 })]);
    const source = new HttpFlagSource({ baseUrl: 'https://gate.example/prod/', token: 'rg_abc.secret', fetch: http.fetch });
    expect(await source.fetch()).toEqual({ etag: '"5"', flagSet: baseSet() });
    expect(await source.fetch('"5"')).toEqual({ notModified: true });
    expect(http.requests).toEqual([
      { url: 'https://gate.example/prod/flags', headers: { accept: 'application/json', authorization: 'Bearer rg_abc.secret' } },
      { url: 'https://gate.example/prod/flags', headers: { accept: 'application/json', authorization: 'Bearer rg_abc.secret', 'if-none-match': '"5"' } },
    ]);
  });

  it.each([
    [401, true],
    [403, true],
    [404, true],
    [429, false],
    [503, false],
  ])('turns HTTP %i into a FlagSourceError (fatal: %s)', async (status, fatal) => {
    const source = new HttpFlagSource({ baseUrl: 'https://gate.example', fetch: server([() => new Response('no', { status })]).fetch });
    await expect(source.fetch()).rejects.toMatchObject({ name: 'FlagSourceError', fatal });
  });

  it('treats a network failure or a body that is not JSON as worth retrying', async () => {
    await expect(new HttpFlagSource({ baseUrl: 'https://gate.example', fetch: server([]).fetch }).fetch()).rejects.toMatchObject({ fatal: false });
    const garbled = new HttpFlagSource({ baseUrl: 'https://gate.example', fetch: server([() => new Response('<html>')]).fetch });
    await expect(garbled.fetch()).rejects.toMatchObject({ fatal: false, message: expect.stringContaining('not JSON') as string });
  });
});

describe('DynamoFlagSource (over any FlagStore)', () => {
  it('serves the store’s set, answers not modified from the set version alone, and follows writes', async () => {
    const store = new MemoryFlagStore();
    const service = new FlagService(store, { now: () => 0 });
    await service.putCohort({ name: 'beta', rule: { in: [{ var: 'email' }, ['ana@example.com']] }, actor: 'ana', reason: 'setup' });
    await service.putFlag({ key: 'new-checkout', definition: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' }, actor: 'ana', reason: 'setup' });
    const source = new DynamoFlagSource(store);
    const first = await source.fetch();
    expect(first).toEqual({ etag: '"2"', flagSet: (await service.getFlagSet()).flagSet });
    let fullReads = 0;
    const read = store.readFlagSet.bind(store);
    store.readFlagSet = () => {
      fullReads++;
      return read();
    };
    expect(await source.fetch('"2"')).toEqual({ notModified: true });
    expect(fullReads).toBe(0);
    await service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 100, actor: 'release-gate', reason: 'step 1' });
    expect(await source.fetch('"2"')).toMatchObject({ etag: '"3"' });
  });

  it('feeds a provider that follows ramps and the kill switch', async () => {
    const store = new MemoryFlagStore();
    const service = new FlagService(store, { now: () => 0 });
    await service.putCohort({ name: 'beta', rule: { in: [{ var: 'email' }, ['ana@example.com']] }, actor: 'ana', reason: 'setup' });
    await service.putFlag({ key: 'new-checkout', definition: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' }, actor: 'ana', reason: 'setup' });
    const { harness, events, ready, client } = started(new DynamoFlagSource(store));
    await ready;
    const ana = { targetingKey: 'ana', email: 'ana@example.com' };
    expect(await client.getBooleanValue('new-checkout', false, ana)).toBe(false);
    await service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 100, actor: 'release-gate', reason: 'step 1' });
    await harness.poll();
    expect(await client.getBooleanValue('new-checkout', false, ana)).toBe(true);
    await service.kill({ key: 'new-checkout', actor: 'oncall', reason: 'incident' });
    await harness.poll();
    expect(await client.getBooleanDetails('new-checkout', false, ana)).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(events.filter((event) => event.type === ProviderEvents.ConfigurationChanged).map((event) => event.details?.flagsChanged)).toEqual([['new-checkout'], ['new-checkout']]);
  });
});

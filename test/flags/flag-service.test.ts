import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { FlagValidationError } from '../../lib/flags/errors.js';
import { FlagService } from '../../lib/flags/flag-service.js';
import type { FlagDefinition } from '../../lib/flags/flag-schema.js';
import { rampsOf } from '../../lib/flags/ramp.js';
import { MemoryFlagStore } from '../../lib/memory/memory-flag-store.js';
import type { FlagRamps, FlagStore, FlagWrite, StoredFlag } from '../../lib/ports.js';

const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const who = { actor: 'ana@example.com', reason: 'testing' };
const boolFlag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
const beta = { in: [{ var: 'email' }, ['ana@example.com', 'bo@example.com']] };

function setUp(store: FlagStore = new MemoryFlagStore(), options = {}) {
  let now = T0;
  const service = new FlagService(store, { now: () => now }, options);
  return { store, service, advance: (ms: number) => (now += ms) };
}

async function seeded() {
  const world = setUp();
  await world.service.putCohort({ name: 'beta', rule: beta, ...who });
  await world.service.putFlag({ key: 'new-checkout', definition: boolFlag, ...who });
  return world;
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('FlagService writes', () => {
  it('validates a flag against the stored cohorts and stores it as version 1 with who, why and when', async () => {
    const { service, advance } = setUp();
    advance(5_000);
    const refused = await failure(service.putFlag({ key: 'new-checkout', definition: { ...boolFlag, targeting: { if: [{ $ref: 'beta' }, 'on', null] } }, ...who }));
    expect(refused).toBeInstanceOf(FlagValidationError);
    expect((refused as FlagValidationError).issues).toEqual([{ path: 'flags.new-checkout.targeting.if[0].$ref', message: "'beta' is not a defined evaluator" }]);
    await service.putCohort({ name: 'beta', rule: beta, ...who });
    const saved = await service.putFlag({ key: 'new-checkout', definition: { ...boolFlag, targeting: { if: [{ $ref: 'beta' }, 'on', null] } }, ...who });
    expect(saved).toMatchObject({ key: 'new-checkout', version: 1, updatedBy: 'ana@example.com', reason: 'testing', updatedAt: '2026-11-23T10:00:05.000Z' });
  });

  it.each([
    ['no actor', { actor: ' ', reason: 'x' }, 'actor'],
    ['no reason', { actor: 'ana', reason: '' }, 'reason'],
  ])('refuses a write with %s', async (_, attribution, path) => {
    const { service } = setUp();
    const error = await failure(service.putFlag({ key: 'new-checkout', definition: boolFlag, ...attribution }));
    expect((error as FlagValidationError).issues).toEqual([expect.objectContaining({ path })]);
  });

  it('surfaces a stale expectedVersion as ConflictError naming the flag', async () => {
    const { service } = await seeded();
    await service.putFlag({ key: 'new-checkout', definition: { ...boolFlag, defaultVariant: 'on' }, expectedVersion: 1, ...who });
    const error = await failure(service.putFlag({ key: 'new-checkout', definition: boolFlag, expectedVersion: 1, ...who }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ record: 'flag new-checkout' });
  });

  it('refuses targeting that can return a variant the flag lacks, on a write and on a ramp, but restores it as it was stored', async () => {
    const { service, store } = await seeded();
    const ghost = { ...boolFlag, targeting: { if: [{ $ref: 'beta' }, 'on', 'of'] } };
    const refused = await failure(service.putFlag({ key: 'new-checkout', definition: ghost, ...who }));
    expect((refused as FlagValidationError).issues).toEqual([
      { path: 'flags.new-checkout.targeting.if[2]', message: "targeting can return 'of' here, which is not one of the variants (on, off)" },
    ]);
    // A version stored before the rule: a ramp would carry the bad branch on, so it is refused too.
    await store.putFlag({ key: 'new-checkout', definition: ghost, actor: 'legacy', reason: 'before the rule', at: '2026-01-01T00:00:00.000Z' });
    const ramp = await failure(service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 10, ...who }));
    expect((ramp as FlagValidationError).issues).toContainEqual(expect.objectContaining({ path: 'flags.new-checkout.targeting.if[2]' }));
    await service.putFlag({ key: 'new-checkout', definition: boolFlag, ...who });
    await service.restore({ key: 'new-checkout', version: 2, ...who });
    expect((await service.getFlag('new-checkout')).definition).toEqual(ghost);
  });

  it('refuses a hand edit that breaks a ramped flag’s targeting', async () => {
    const { service } = await seeded();
    await service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 10, ...who });
    const ramped = await service.getFlag('new-checkout');
    const edited = { ...ramped.definition, targeting: { if: [{ $ref: 'beta' }, 'on', null] } };
    const error = await failure(service.putFlag({ key: 'new-checkout', definition: edited, ...who }));
    expect((error as FlagValidationError).issues[0]).toMatchObject({ path: 'flags.new-checkout.targeting' });
  });

  it('validates cohorts and their bucketing attribute', async () => {
    const { service } = setUp();
    expect(((await failure(service.putCohort({ name: 'beta', rule: { nope: 1 }, ...who }))) as FlagValidationError).issues[0]).toMatchObject({ path: '$evaluators.beta' });
    expect(((await failure(service.putCohort({ name: 'beta', rule: beta, bucketBy: 'not an attribute', ...who }))) as FlagValidationError).issues).toEqual([
      { path: 'bucketBy', message: expect.stringContaining('context attribute') as string },
    ]);
    const saved = await service.putCohort({ name: 'internal', rule: { ends_with: [{ var: 'email' }, '@corp.example'] }, bucketBy: 'accountId', ...who });
    expect(saved).toMatchObject({ name: 'internal', version: 1, bucketBy: 'accountId' });
    expect(await service.cohortHistory('internal')).toHaveLength(1);
    await expect(service.getCohort('nobody')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('FlagService reads', () => {
  it('serves the flagd document with cohorts as $evaluators and an ETag that every write changes', async () => {
    const { service } = await seeded();
    const first = await service.getFlagSet();
    expect(first).toEqual({ flagSet: { flags: { 'new-checkout': boolFlag }, $evaluators: { beta } }, etag: '"2"', version: 2 });
    await service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 100, ...who });
    const second = await service.getFlagSet();
    expect(second.etag).toBe('"3"');
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify(second.flagSet));
    expect(core.resolveBooleanEvaluation('new-checkout', false, { targetingKey: 'ana', email: 'ana@example.com' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(core.resolveBooleanEvaluation('new-checkout', true, { targetingKey: 'cy', email: 'cy@example.com' })).toMatchObject({ value: false, reason: 'DEFAULT' });
  });

  it('answers NotFoundError for an unknown flag, its history or a version it never had', async () => {
    const { service } = await seeded();
    await expect(service.getFlag('nope')).rejects.toMatchObject({ name: 'NotFoundError', record: 'flag nope' });
    await expect(service.history('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.getFlagVersion('new-checkout', 9)).rejects.toMatchObject({ record: 'flag new-checkout version 9' });
    expect(await service.currentVersion('nope')).toBeNull();
    expect(await service.currentVersion('new-checkout')).toBe(1);
  });
});

describe('FlagService ramps, kill switch and restore', () => {
  it('ramps a cohort as a new version and reports the versions before and after', async () => {
    const { service } = await seeded();
    expect(await service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 25, actor: 'release-gate', reason: 'release r1, step 2' })).toEqual({ previousVersion: 1, appliedVersion: 2 });
    const history = await service.history('new-checkout');
    expect(history.map((flag) => [flag.version, flag.updatedBy, flag.reason])).toEqual([
      [1, 'ana@example.com', 'testing'],
      [2, 'release-gate', 'release r1, step 2'],
    ]);
    expect(rampsOf((await service.getFlag('new-checkout')).definition as FlagDefinition)).toEqual([{ cohort: 'beta', percent: 25, on: 'on', off: 'off' }]);
  });

  it('writes nothing when the flag is already ramped that way', async () => {
    const { service } = await seeded();
    await service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 25, ...who });
    expect(await service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 25, ...who })).toEqual({ previousVersion: 2, appliedVersion: 2 });
    expect(await service.history('new-checkout')).toHaveLength(2);
  });

  it('takes the bucketing attribute from the cohort', async () => {
    const { service } = await seeded();
    await service.putCohort({ name: 'accounts', rule: { '!=': [{ var: 'accountId' }, null] }, bucketBy: 'accountId', ...who });
    await service.ramp({ key: 'new-checkout', cohort: 'accounts', percent: 10, ...who });
    expect(rampsOf((await service.getFlag('new-checkout')).definition as FlagDefinition)[0]).toMatchObject({ cohort: 'accounts', bucketBy: 'accountId' });
  });

  it('refuses a ramp of an unknown flag or into an unknown cohort', async () => {
    const { service } = await seeded();
    await expect(service.ramp({ key: 'nope', cohort: 'beta', percent: 10, ...who })).rejects.toBeInstanceOf(NotFoundError);
    const error = await failure(service.ramp({ key: 'new-checkout', cohort: 'gamma', percent: 10, ...who }));
    expect((error as FlagValidationError).issues).toEqual([{ path: 'cohort', message: "no cohort named 'gamma'" }]);
  });

  it('kills a flag as a new DISABLED version, once', async () => {
    const { service } = await seeded();
    const killed = await service.kill({ key: 'new-checkout', actor: 'oncall@example.com', reason: 'errors spiking' });
    expect(killed).toMatchObject({ version: 2, definition: { ...boolFlag, state: 'DISABLED' }, updatedBy: 'oncall@example.com' });
    expect(await service.kill({ key: 'new-checkout', ...who })).toEqual(killed);
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify((await service.getFlagSet()).flagSet));
    expect(core.resolveBooleanEvaluation('new-checkout', true, {})).toMatchObject({ value: true, reason: 'DISABLED' });
  });

  it('restores an old version by writing it again, and does nothing when it is already current', async () => {
    const { service } = await seeded();
    await service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 50, ...who });
    await service.restore({ key: 'new-checkout', version: 1, actor: 'release-gate', reason: 'release r1 rolled back' });
    const history = await service.history('new-checkout');
    expect(history.map((flag) => flag.version)).toEqual([1, 2, 3]);
    expect(history[2]?.definition).toEqual(history[0]?.definition);
    expect(history[2]).toMatchObject({ updatedBy: 'release-gate', reason: 'release r1 rolled back' });
    await service.restore({ key: 'new-checkout', version: 1, ...who });
    expect(await service.history('new-checkout')).toHaveLength(3);
    await expect(service.restore({ key: 'new-checkout', version: 7, ...who })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('restores "did not exist" by killing the flag, since nothing is deleted', async () => {
    const { service } = await seeded();
    await service.restore({ key: 'new-checkout', version: null, ...who });
    expect((await service.getFlag('new-checkout')).definition.state).toBe('DISABLED');
    await service.restore({ key: 'never-existed', version: null, ...who });
    expect(await service.currentVersion('never-existed')).toBeNull();
  });

  it('serves the release engine through the FlagRamps port: ramp, then restore what it recorded', async () => {
    const { service } = await seeded();
    const ramps: FlagRamps = service;
    const before = await ramps.currentVersion('new-checkout');
    const applied = await ramps.ramp({ key: 'new-checkout', cohort: 'beta', percent: 10, actor: 'release-gate', reason: 'step 1' });
    await ramps.ramp({ key: 'new-checkout', cohort: 'beta', percent: 50, actor: 'release-gate', reason: 'step 2' });
    expect(applied).toEqual({ previousVersion: before, appliedVersion: 2 });
    await ramps.restore({ key: 'new-checkout', version: before, actor: 'release-gate', reason: 'rolled back' });
    expect((await service.getFlag('new-checkout')).definition).toEqual(boolFlag);
  });
});

/** A store where someone else writes the flag just before each of our next `races` writes. */
class RacingStore extends MemoryFlagStore {
  races = 0;

  override async putFlag(write: FlagWrite): Promise<StoredFlag> {
    if (this.races > 0 && write.actor !== 'racer') {
      this.races -= 1;
      const current = await this.getFlag(write.key);
      await super.putFlag({ ...write, definition: { ...current!.definition, metadata: { touchedBy: 'racer' } }, actor: 'racer', expectedVersion: undefined });
    }
    return super.putFlag(write);
  }
}

describe('FlagService under concurrent writers', () => {
  it('re-reads and reapplies a ramp that lost a race, keeping the other writer’s change', async () => {
    const { service, store } = setUp(new RacingStore());
    await service.putCohort({ name: 'beta', rule: beta, ...who });
    await service.putFlag({ key: 'new-checkout', definition: boolFlag, ...who });
    (store as RacingStore).races = 2;
    const result = await service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 30, ...who });
    expect(result).toEqual({ previousVersion: 3, appliedVersion: 4 });
    const current = await service.getFlag('new-checkout');
    expect(current.definition.metadata).toMatchObject({ touchedBy: 'racer' });
    expect(rampsOf(current.definition as FlagDefinition)[0]?.percent).toBe(30);
  });

  it('surfaces ConflictError once its retries are spent', async () => {
    const { service, store } = setUp(new RacingStore(), { conflictRetries: 1 });
    await service.putCohort({ name: 'beta', rule: beta, ...who });
    await service.putFlag({ key: 'new-checkout', definition: boolFlag, ...who });
    (store as RacingStore).races = 5;
    await expect(service.ramp({ key: 'new-checkout', cohort: 'beta', percent: 30, ...who })).rejects.toMatchObject({ name: 'ConflictError', record: 'flag new-checkout' });
    await expect(service.kill({ key: 'new-checkout', ...who })).rejects.toBeInstanceOf(ConflictError);
  });
});

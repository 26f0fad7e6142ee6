import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../lib/errors.js';
import type { FlagStore, FlagWrite } from '../../lib/ports.js';

const AT = '2026-11-23T10:00:00.000Z';
const boolFlag = (defaultVariant: 'on' | 'off') => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant });
const write = (key: string, definition: Record<string, unknown>, extra: Partial<FlagWrite> = {}): FlagWrite => ({
  key,
  definition,
  actor: 'ana@example.com',
  reason: 'testing',
  at: AT,
  ...extra,
});
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

export interface FlagStoreContractOptions {
  /** fast-check runs of the model comparison; each run writes a few dozen versions. */
  readonly propertyRuns: number;
}

/** Every FlagStore must pass this; the DynamoDB store and its in-memory twin both run it. */
export function flagStoreContract(name: string, makeStore: () => Promise<FlagStore>, options: FlagStoreContractOptions): void {
  describe(`FlagStore contract: ${name}`, () => {
    it('starts empty at set version 0', async () => {
      const store = await makeStore();
      expect(await store.readFlagSet()).toEqual({ flags: [], cohorts: [], version: 0 });
      expect(await store.setVersion()).toBe(0);
      expect(await store.getFlag('new-checkout')).toBeUndefined();
      expect(await store.flagHistory('new-checkout')).toEqual([]);
      expect(await store.getFlagVersion('new-checkout', 1)).toBeUndefined();
      expect(await store.getCohort('beta')).toBeUndefined();
      expect(await store.listCohorts()).toEqual([]);
      expect(await store.cohortHistory('beta')).toEqual([]);
    });

    it('stores version 1 with who, why and when, and bumps the set version', async () => {
      const store = await makeStore();
      const saved = await store.putFlag(write('new-checkout', boolFlag('off'), { expectedVersion: null }));
      const expected = { key: 'new-checkout', version: 1, definition: boolFlag('off'), updatedAt: AT, updatedBy: 'ana@example.com', reason: 'testing' };
      expect(saved).toEqual(expected);
      expect(await store.getFlag('new-checkout')).toEqual(expected);
      expect(await store.setVersion()).toBe(1);
      expect(await store.readFlagSet()).toEqual({ flags: [expected], cohorts: [], version: 1 });
    });

    it('appends versions and keeps every one of them, oldest first', async () => {
      const store = await makeStore();
      await store.putFlag(write('new-checkout', boolFlag('off'), { expectedVersion: null }));
      await store.putFlag(write('new-checkout', boolFlag('on'), { expectedVersion: 1, actor: 'bo@example.com', reason: 'launch', at: '2026-11-24T09:00:00.000Z' }));
      await store.putFlag(write('new-checkout', { ...boolFlag('off'), state: 'DISABLED' }, { reason: 'kill switch' }));
      const history = await store.flagHistory('new-checkout');
      expect(history.map((flag) => [flag.version, flag.definition.defaultVariant, flag.definition.state, flag.updatedBy, flag.reason])).toEqual([
        [1, 'off', 'ENABLED', 'ana@example.com', 'testing'],
        [2, 'on', 'ENABLED', 'bo@example.com', 'launch'],
        [3, 'off', 'DISABLED', 'ana@example.com', 'kill switch'],
      ]);
      expect(await store.getFlagVersion('new-checkout', 2)).toEqual(history[1]);
      expect(await store.getFlagVersion('new-checkout', 4)).toBeUndefined();
      expect(await store.getFlag('new-checkout')).toEqual(history[2]);
      expect(await store.setVersion()).toBe(3);
    });

    it('refuses a write on a stale version with ConflictError naming the flag, and writes nothing', async () => {
      const store = await makeStore();
      await store.putFlag(write('new-checkout', boolFlag('off')));
      await store.putFlag(write('new-checkout', boolFlag('on'), { expectedVersion: 1 }));
      const error = await failure(store.putFlag(write('new-checkout', boolFlag('off'), { expectedVersion: 1 })));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ record: 'flag new-checkout' });
      expect((await store.flagHistory('new-checkout')).map((flag) => flag.version)).toEqual([1, 2]);
      expect((await store.getFlag('new-checkout'))?.definition).toEqual(boolFlag('on'));
      expect(await store.setVersion()).toBe(2);
    });

    it('treats expectedVersion null as "must not exist yet"', async () => {
      const store = await makeStore();
      await store.putFlag(write('new-checkout', boolFlag('off'), { expectedVersion: null }));
      const error = await failure(store.putFlag(write('new-checkout', boolFlag('on'), { expectedVersion: null })));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ record: 'flag new-checkout' });
      const missing = await failure(store.putFlag(write('other-flag', boolFlag('on'), { expectedVersion: 3 })));
      expect(missing).toMatchObject({ name: 'ConflictError', record: 'flag other-flag' });
      expect(await store.getFlag('other-flag')).toBeUndefined();
    });

    it('gives definitions back exactly as written, key order included', async () => {
      const store = await makeStore();
      const definition = {
        state: 'ENABLED',
        variants: { zeta: { title: 'Ünïcødé ✓', nested: [1, 0.1, -2.5e-7, 9007199254740991, { empty: {} }], none: null }, alpha: {} },
        defaultVariant: null,
        targeting: { if: [{ $ref: 'beta' }, 'zeta', null] },
        metadata: { owner: 'checkout', weight: 0, live: false },
      };
      await store.putFlag(write('object-flag', definition));
      const stored = await store.getFlag('object-flag');
      expect(stored?.definition).toEqual(definition);
      expect(JSON.stringify(stored?.definition)).toBe(JSON.stringify(definition));
      expect(JSON.stringify((await store.readFlagSet()).flags[0]?.definition)).toBe(JSON.stringify(definition));
    });

    it('hands out copies: changing what it returned changes nothing stored', async () => {
      const store = await makeStore();
      const saved = await store.putFlag(write('new-checkout', boolFlag('off')));
      (saved.definition as { state: string }).state = 'DISABLED';
      const read = await store.getFlag('new-checkout');
      (read!.definition.variants as Record<string, boolean>).on = false;
      expect((await store.getFlag('new-checkout'))?.definition).toEqual(boolFlag('off'));
    });

    it('keeps cohorts with versions, bucketing attribute and audit, and lists them by name', async () => {
      const store = await makeStore();
      const beta = { in: [{ var: 'email' }, ['ana@example.com']] };
      await store.putCohort({ name: 'internal', rule: { ends_with: [{ var: 'email' }, '@corp.example'] }, bucketBy: 'accountId', expectedVersion: null, actor: 'ana', reason: 'staff', at: AT });
      await store.putCohort({ name: 'beta', rule: beta, actor: 'ana', reason: 'first testers', at: AT });
      const widened = { in: [{ var: 'email' }, ['ana@example.com', 'bo@example.com']] };
      const saved = await store.putCohort({ name: 'beta', rule: widened, expectedVersion: 1, actor: 'bo', reason: 'more testers', at: AT });
      expect(saved).toEqual({ name: 'beta', version: 2, rule: widened, updatedAt: AT, updatedBy: 'bo', reason: 'more testers' });
      expect((await store.listCohorts()).map((cohort) => [cohort.name, cohort.version, cohort.bucketBy])).toEqual([
        ['beta', 2, undefined],
        ['internal', 1, 'accountId'],
      ]);
      expect((await store.cohortHistory('beta')).map((cohort) => cohort.rule)).toEqual([beta, widened]);
      expect(await store.getCohort('beta')).toEqual(saved);
      const stale = await failure(store.putCohort({ name: 'beta', rule: beta, expectedVersion: 1, actor: 'cy', reason: 'late', at: AT }));
      expect(stale).toMatchObject({ name: 'ConflictError', record: 'cohort beta' });
      const snapshot = await store.readFlagSet();
      expect(snapshot.version).toBe(3);
      expect(snapshot.cohorts.map((cohort) => cohort.name)).toEqual(['beta', 'internal']);
    });

    it('lets exactly one of several writers on the same version win', async () => {
      const store = await makeStore();
      await store.putFlag(write('new-checkout', boolFlag('off')));
      const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd'].map((actor) => store.putFlag(write('new-checkout', boolFlag('on'), { expectedVersion: 1, actor }))));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      for (const outcome of outcomes.filter((candidate) => candidate.status === 'rejected')) expect(outcome.reason).toBeInstanceOf(ConflictError);
      expect((await store.flagHistory('new-checkout')).map((flag) => flag.version)).toEqual([1, 2]);
      expect(await store.setVersion()).toBe(2);
    });

    it('takes simultaneous writes to different flags without losing any, one set version each', async () => {
      const store = await makeStore();
      const keys = Array.from({ length: 8 }, (_, index) => `flag-${index}`);
      await Promise.all(keys.map((key) => store.putFlag(write(key, boolFlag('off')))));
      await Promise.all(keys.map((key) => store.putFlag(write(key, boolFlag('on')))));
      const snapshot = await store.readFlagSet();
      expect(snapshot.version).toBe(16);
      expect(snapshot.flags.map((flag) => [flag.key, flag.version, flag.definition.defaultVariant])).toEqual(keys.map((key) => [key, 2, 'on']));
    });

    it('matches a model of versions and set version over random write sequences', async () => {
      const keys = ['a', 'b', 'c'];
      const op = fc.record({
        kind: fc.constantFrom('flag', 'cohort'),
        id: fc.constantFrom(...keys),
        expect: fc.constantFrom('current', 'stale', 'absent', 'none'),
        value: fc.integer({ min: 0, max: 1000 }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
          const store = await makeStore();
          const model = { flag: new Map<string, number[]>(), cohort: new Map<string, number[]>() };
          let setVersion = 0;
          for (const { kind, id, expect: expectation, value } of ops) {
            const versions = model[kind].get(id) ?? [];
            const current = versions.length === 0 ? null : versions.length;
            const expectedVersion = expectation === 'current' ? current : expectation === 'stale' ? (current ?? 0) + 5 : expectation === 'absent' ? null : undefined;
            const accepted = expectedVersion === undefined || expectedVersion === current;
            const attempt =
              kind === 'flag'
                ? store.putFlag(write(id, { state: 'ENABLED', variants: { n: value }, defaultVariant: 'n' }, { expectedVersion }))
                : store.putCohort({ name: id, rule: { '==': [{ var: 'n' }, value] }, expectedVersion, actor: 'model', reason: 'property', at: AT });
            const outcome = await failure(attempt);
            if (accepted) {
              expect(outcome).toBeUndefined();
              model[kind].set(id, [...versions, value]);
              setVersion += 1;
            } else expect(outcome).toBeInstanceOf(ConflictError);
          }
          const snapshot = await store.readFlagSet();
          expect(snapshot.version).toBe(setVersion);
          expect(snapshot.flags.map((flag) => [flag.key, flag.version, flag.definition.variants])).toEqual(
            [...model.flag].sort().map(([key, values]) => [key, values.length, { n: values.at(-1) }]),
          );
          expect(snapshot.cohorts.map((cohort) => [cohort.name, cohort.version])).toEqual([...model.cohort].sort().map(([name, values]) => [name, values.length]));
          for (const [key, values] of model.flag) {
            expect((await store.flagHistory(key)).map((flag) => (flag.definition.variants as { n: number }).n)).toEqual(values);
          }
        }),
        { numRuns: options.propertyRuns },
      );
    });
  });
}

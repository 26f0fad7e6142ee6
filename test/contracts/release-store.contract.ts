import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventHash, GENESIS_HASH } from '../../lib/chain.js';
import type { ReleaseEvent } from '../../lib/core/events.js';
import { replay } from '../../lib/core/reducer.js';
import { isTerminal, type Release, type ReleaseState } from '../../lib/core/release.js';
import { ConflictError, InvalidCursorError, ReleaseInProgressError } from '../../lib/errors.js';
import type { ReleaseQuery, ReleaseStore } from '../../lib/ports.js';
import { abortStarted, aborted, advance, at, confirmed, created, MINUTE, newRelease, paused, resumed, started, T0 } from './release-fixtures.js';

export interface ReleaseStoreHarness {
  /** Rewrites one stored event in place, as someone with write access to the storage could. */
  tamperEvent(store: ReleaseStore, releaseId: string, seq: number, edit: (event: ReleaseEvent) => ReleaseEvent): Promise<void>;
  /** fast-check runs per property; each run of the paging property builds a fresh store. */
  readonly propertyRuns: number;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

/** Every ReleaseStore must pass this; the DynamoDB store and its in-memory twin both run it. */
export function releaseStoreContract(name: string, makeStore: () => Promise<ReleaseStore>, harness: ReleaseStoreHarness): void {
  describe(`ReleaseStore contract: ${name}`, () => {
    describe('create and the alias lock', () => {
      it('stores a release with its created event, chained from the genesis hash', async () => {
        const store = await makeStore();
        const { release, created: event } = newRelease({ id: 'rel-1' });
        const saved = await store.create(release, event);
        const events = await store.events('rel-1');
        const hash = eventHash(GENESIS_HASH, 'rel-1', 1, event);
        expect(events).toEqual([{ releaseId: 'rel-1', seq: 1, event, prevHash: GENESIS_HASH, hash }]);
        expect(saved).toEqual({ ...release, chainHead: hash });
        expect(await store.get('rel-1')).toEqual(saved);
        expect(await store.get('rel-unknown')).toBeUndefined();
      });

      it('keeps the pre-flight with the release and its created event, as JSON has it', async () => {
        const store = await makeStore();
        const preflight = {
          traffic: { requestsPerMinute: 20, requests: 1200, errors: 6, windowMinutes: 60, latencyMs: { p99: 300 } },
          stableErrorRate: 0.005,
          // The last step cannot finish in its maximum time: its minutes are absent.
          steps: [
            { stepIndex: 0, weight: 5, canaryPerMinute: 1, expectedMinutes: 5, slowMinutes: 5, gathersEvidence: false },
            { stepIndex: 1, weight: 50, canaryPerMinute: 10, expectedMinutes: undefined, slowMinutes: undefined, gathersEvidence: true },
          ],
          feasible: false,
          mode: 'time',
          latencyObjectivesMs: { 'p99-vs-baseline': 600 },
          warnings: [{ code: 'too_few_requests', message: 'at 20 requests a minute …' }],
        } as const;
        const { release, created: event } = newRelease({ id: 'rel-1', preflight });
        await store.create(release, event);
        const read = await store.get('rel-1');
        expect(read?.preflight).toEqual(JSON.parse(JSON.stringify(preflight)));
        expect(read?.preflight?.steps[1]).not.toHaveProperty('expectedMinutes');
        expect((await store.events('rel-1'))[0]?.event).toMatchObject({ type: 'created', release: { preflight: { mode: 'time' } } });
        expect(await store.verifyChain('rel-1')).toMatchObject({ ok: true });
      });

      it('refuses a second release on the same alias, naming the holder, and stores nothing of it', async () => {
        const store = await makeStore();
        await created(store, { id: 'rel-1' });
        const error = await rejection(created(store, { id: 'rel-2' }));
        expect(error).toBeInstanceOf(ReleaseInProgressError);
        expect(error).toMatchObject({ functionName: 'checkout', alias: 'live', activeReleaseId: 'rel-1' });
        expect(await store.get('rel-2')).toBeUndefined();
        expect(await store.events('rel-2')).toEqual([]);
      });

      it('lets a release on another alias or another function through', async () => {
        const store = await makeStore();
        await created(store, { id: 'rel-1' });
        await created(store, { id: 'rel-2', alias: 'beta' });
        await created(store, { id: 'rel-3', function: 'payments' });
        expect((await store.list({ limit: 10 })).items.map((release) => release.id).sort()).toEqual(['rel-1', 'rel-2', 'rel-3']);
      });

      it('keeps the lock through active states and frees it when the release ends', async () => {
        const store = await makeStore();
        const first = await advance(store, await created(store, { id: 'rel-1' }), [started(), confirmed()]);
        expect(await rejection(created(store, { id: 'rel-2' }))).toBeInstanceOf(ReleaseInProgressError);
        const rolling = await advance(store, first, [abortStarted()]);
        expect(await rejection(created(store, { id: 'rel-2' }))).toBeInstanceOf(ReleaseInProgressError);
        await advance(store, rolling, [aborted()]);
        const next = await created(store, { id: 'rel-2', createdAt: at(10) });
        expect(await store.get(next.id)).toEqual(next);
        expect(await rejection(created(store, { id: 'rel-3', createdAt: at(11) }))).toMatchObject({ activeReleaseId: 'rel-2' });
      });

      it('refuses a duplicate id with ConflictError and leaves the other alias unlocked', async () => {
        const store = await makeStore();
        const first = await created(store, { id: 'rel-1' });
        const error = await rejection(created(store, { id: 'rel-1', alias: 'beta' }));
        expect(error).toBeInstanceOf(ConflictError);
        expect(error).toMatchObject({ record: 'release rel-1' });
        expect(await store.get('rel-1')).toEqual(first);
        await created(store, { id: 'rel-2', alias: 'beta' });
      });

      it('refuses times it cannot order by, before writing anything', async () => {
        const store = await makeStore();
        expect(await rejection(created(store, { id: 'rel-1', createdAt: 'last tuesday' }))).toBeInstanceOf(RangeError);
        expect(await rejection(created(store, { id: 'rel-1' }, { nextEvaluationAt: 'soon' }))).toBeInstanceOf(RangeError);
        const release = await created(store, { id: 'rel-1' });
        expect(await rejection(advance(store, release, [started()], { nextEvaluationAt: 'soon' }))).toBeInstanceOf(RangeError);
        expect(await store.get('rel-1')).toEqual(release);
      });
    });

    describe('commit', () => {
      it('appends events in order, each chained to the one before, and returns the new head', async () => {
        const store = await makeStore();
        let release = await created(store, { id: 'rel-1' });
        const batches = [[started(), confirmed()], [paused()], [resumed()], [abortStarted()], [aborted()]];
        for (const batch of batches) {
          release = await advance(store, release, batch);
          const stored = await store.events('rel-1');
          expect(release.chainHead).toBe(stored.at(-1)!.hash);
          expect(await store.get('rel-1')).toEqual(release);
        }
        const stored = await store.events('rel-1');
        expect(stored.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(stored.map((event) => event.event.type)).toEqual(['created', ...batches.flat().map((event) => event.type)]);
        stored.slice(1).forEach((event, index) => expect(event.prevHash).toBe(stored[index]!.hash));
        expect(release).toMatchObject({ state: 'aborted', revision: 7 });
        expect(await store.verifyChain('rel-1')).toEqual({ ok: true, events: 7 });
      });

      it('refuses a stale revision with ConflictError and writes nothing', async () => {
        const store = await makeStore();
        const original = await created(store, { id: 'rel-1' });
        const current = await advance(store, original, [started()]);
        const error = await rejection(advance(store, original, [paused()]));
        expect(error).toBeInstanceOf(ConflictError);
        expect(error).toMatchObject({ record: 'release rel-1' });
        expect(await store.get('rel-1')).toEqual(current);
        expect((await store.events('rel-1')).map((event) => event.event.type)).toEqual(['created', 'started']);
      });

      it('refuses a chain head the caller did not read', async () => {
        const store = await makeStore();
        const current = await advance(store, await created(store, { id: 'rel-1' }), [started()]);
        const forged = { ...replay(current, [paused()]), chainHead: 'f'.repeat(64) };
        expect(await rejection(store.commit(forged, [paused()], current.revision))).toBeInstanceOf(ConflictError);
        expect(await store.get('rel-1')).toEqual(current);
      });

      it('chains from the stored head when the caller sends none', async () => {
        const store = await makeStore();
        const current = await advance(store, await created(store, { id: 'rel-1' }), [started()]);
        const saved = await store.commit({ ...replay(current, [paused()]), chainHead: undefined }, [paused()], current.revision);
        expect(saved.chainHead).toBe((await store.events('rel-1')).at(-1)!.hash);
        expect(await store.verifyChain('rel-1')).toEqual({ ok: true, events: 3 });
      });

      it('refuses a commit to a release that was never created', async () => {
        const store = await makeStore();
        const { release } = newRelease({ id: 'rel-ghost' });
        expect(await rejection(store.commit(replay(release, [started()]), [started()], release.revision))).toBeInstanceOf(ConflictError);
        expect(await store.events('rel-ghost')).toEqual([]);
      });

      it('lets exactly one of 20 concurrent commits on the same revision through', async () => {
        const store = await makeStore();
        const eventArb = fc.oneof(
          fc.integer({ min: 1, max: 30 }).map((minute) => started(minute)),
          fc.string({ minLength: 1, maxLength: 12 }).map((reason) => paused(2, reason)),
          fc.integer({ min: 1, max: 30 }).map((minute) => aborted(minute)),
        );
        let run = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(eventArb, { minLength: 20, maxLength: 20 }), async (events) => {
            run += 1;
            const id = `rel-race-${run}`;
            const base = await created(store, { id, alias: `race-${run}` });
            const results = await Promise.allSettled(events.map((event) => advance(store, base, [event])));
            const won = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
            const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
            expect(won).toHaveLength(1);
            for (const error of lost) expect(error).toBeInstanceOf(ConflictError);
            expect(await store.get(id)).toEqual(won[0]);
            expect(await store.events(id)).toHaveLength(2);
            expect(await store.verifyChain(id)).toEqual({ ok: true, events: 2 });
            // The lock follows the winner: free only if it ended the release.
            const next = created(store, { id: `${id}-next`, alias: `race-${run}` });
            if (isTerminal(won[0]!.state)) await next;
            else expect(await rejection(next)).toBeInstanceOf(ReleaseInProgressError);
          }),
          { numRuns: harness.propertyRuns },
        );
      });
    });

    describe('the event chain', () => {
      it('pinpoints the first event whose content was changed after it was stored', async () => {
        const store = await makeStore();
        const release = await advance(store, await created(store, { id: 'rel-1' }), [started(), confirmed()]);
        await advance(store, release, [paused()]);
        expect(await store.verifyChain('rel-1')).toEqual({ ok: true, events: 4 });
        await harness.tamperEvent(store, 'rel-1', 3, (event) => ({ ...event, at: at(59) }));
        expect(await store.verifyChain('rel-1')).toMatchObject({ ok: false, events: 4, brokenAt: 3, reason: expect.stringContaining('content') as unknown });
      });
    });

    describe('due', () => {
      it('returns the active releases due at or before now, most overdue first, up to the limit', async () => {
        const store = await makeStore();
        const now = T0 + 60 * MINUTE;
        const due = (id: string, minutesFromNow: number | undefined) =>
          created(store, { id, function: `fn-${id}` }, { nextEvaluationAt: minutesFromNow === undefined ? undefined : new Date(now + minutesFromNow * MINUTE).toISOString() });
        await due('late', -10);
        await due('later', -30);
        await due('exactly-now', 0);
        await due('not-yet', 1);
        await due('unscheduled', undefined);
        const ended = await due('ended', -50);
        await advance(store, ended, [aborted()], { nextEvaluationAt: ended.nextEvaluationAt });

        expect(await store.due(now, 10)).toEqual(['later', 'late', 'exactly-now']);
        expect(await store.due(now, 2)).toEqual(['later', 'late']);
        expect(await store.due(now + MINUTE, 10)).toEqual(['later', 'late', 'exactly-now', 'not-yet']);
        expect(await store.due(now - 31 * MINUTE, 10)).toEqual([]);
      });

      it('drops a release that ends or has nothing left to evaluate, and takes it back when rescheduled', async () => {
        const store = await makeStore();
        const now = T0 + 60 * MINUTE;
        const schedule = { nextEvaluationAt: at(30) };
        const idle = await advance(store, await created(store, { id: 'idle', function: 'a' }, schedule), [started()], { nextEvaluationAt: undefined });
        const ending = await advance(store, await created(store, { id: 'ending', function: 'b' }, schedule), [started()], schedule);
        await created(store, { id: 'kept', function: 'c' }, { nextEvaluationAt: at(40) });
        expect(await store.due(now, 10)).toEqual(['ending', 'kept']);

        await advance(store, ending, [abortStarted(), aborted()], schedule);
        expect(await store.due(now, 10)).toEqual(['kept']);
        await advance(store, idle, [paused()], { nextEvaluationAt: at(20) });
        expect(await store.due(now, 10)).toEqual(['idle', 'kept']);
      });
    });

    describe('list', () => {
      it('lists newest first and filters by function, state and creation time', async () => {
        const store = await makeStore();
        await created(store, { id: 'a1', function: 'a', createdAt: at(1) });
        await advance(store, await created(store, { id: 'b2', function: 'b', createdAt: at(2) }), [started()]);
        await advance(store, await created(store, { id: 'a3', function: 'a', alias: 'beta', createdAt: at(3) }), [aborted()]);
        await created(store, { id: 'c3', function: 'c', createdAt: at(3) });
        const ids = async (query: Omit<ReleaseQuery, 'limit'>) => (await store.list({ limit: 10, ...query })).items.map((release) => release.id);

        expect(await ids({})).toEqual(['c3', 'a3', 'b2', 'a1']);
        expect(await ids({ function: 'a' })).toEqual(['a3', 'a1']);
        expect(await ids({ state: 'pending' })).toEqual(['c3', 'a1']);
        expect(await ids({ function: 'a', state: 'aborted' })).toEqual(['a3']);
        expect(await ids({ since: T0 + 2 * MINUTE })).toEqual(['c3', 'a3', 'b2']);
        expect(await ids({ since: T0 + 2 * MINUTE + 1 })).toEqual(['c3', 'a3']);
        expect(await ids({ function: 'b', state: 'pending' })).toEqual([]);
        expect((await store.list({ limit: 10 })).cursor).toBeUndefined();
      });

      it('pages through any set of releases without duplicates or gaps', async () => {
        const FUNCTIONS = ['a', 'b', 'c'] as const;
        const STATES = ['pending', 'progressing', 'aborted'] as const satisfies readonly ReleaseState[];
        const releaseArb = fc.record({ fn: fc.constantFrom(...FUNCTIONS), minute: fc.integer({ min: 0, max: 4 }), state: fc.constantFrom(...STATES) });
        const queryArb = fc.record({
          limit: fc.integer({ min: 1, max: 3 }),
          function: fc.option(fc.constantFrom(...FUNCTIONS), { nil: undefined }),
          state: fc.option(fc.constantFrom(...STATES), { nil: undefined }),
          sinceMinute: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
        });
        await fc.assert(
          fc.asyncProperty(fc.array(releaseArb, { minLength: 4, maxLength: 14 }), fc.array(queryArb, { minLength: 2, maxLength: 5 }), async (specs, queries) => {
            const store = await makeStore();
            const releases: Release[] = [];
            for (const [index, spec] of specs.entries()) {
              const release = await created(store, { id: `rel-${index}`, function: spec.fn, alias: `alias-${index}`, createdAt: at(spec.minute) });
              releases.push(spec.state === 'pending' ? release : await advance(store, release, [spec.state === 'progressing' ? started() : aborted()]));
            }
            for (const query of queries) {
              const since = query.sinceMinute === undefined ? undefined : T0 + query.sinceMinute * MINUTE;
              const expected = releases
                .filter((release) => (query.function === undefined || release.function === query.function) && (query.state === undefined || release.state === query.state))
                .filter((release) => since === undefined || Date.parse(release.createdAt) >= since)
                .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : -1))
                .map((release) => release.id);
              const seen: string[] = [];
              let cursor: string | undefined;
              for (let pages = 0; ; pages++) {
                expect(pages).toBeLessThanOrEqual(expected.length + 1);
                const page = await store.list({ limit: query.limit, function: query.function, state: query.state, since, cursor });
                expect(page.items.length).toBeLessThanOrEqual(query.limit);
                seen.push(...page.items.map((release) => release.id));
                cursor = page.cursor;
                if (cursor === undefined) break;
              }
              expect(seen).toEqual(expected);
            }
          }),
          { numRuns: harness.propertyRuns },
        );
      });

      it('rejects a cursor it did not hand out for that list with InvalidCursorError', async () => {
        const store = await makeStore();
        for (const id of ['r1', 'r2', 'r3']) await created(store, { id, alias: id });
        const byFunction = await store.list({ function: 'checkout', limit: 1 });
        const everything = await store.list({ limit: 1 });
        expect(byFunction.cursor).toBeDefined();
        expect(everything.cursor).toBeDefined();
        const bad = [
          'not a cursor!',
          Buffer.from('{"truncated":').toString('base64url'),
          Buffer.from(JSON.stringify({ anything: 1 })).toString('base64url'),
          byFunction.cursor!,
        ];
        for (const cursor of bad) expect(await rejection(store.list({ limit: 1, cursor }))).toBeInstanceOf(InvalidCursorError);
        expect(await rejection(store.list({ function: 'payments', limit: 1, cursor: byFunction.cursor }))).toBeInstanceOf(InvalidCursorError);
        expect(await rejection(store.list({ function: 'checkout', limit: 1, cursor: everything.cursor }))).toBeInstanceOf(InvalidCursorError);
        expect((await store.list({ function: 'checkout', limit: 5, cursor: byFunction.cursor })).items).toHaveLength(2);
      });
    });
  });
}

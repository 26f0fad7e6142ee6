import { TooManyRequestsException } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { DynamoReleaseStore } from '../../lib/aws/dynamo-release-store.js';
import type { Release } from '../../lib/core/release.js';
import { formatReplay, replayDecisions } from '../../lib/core/replay-decisions.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { startRelease } from '../../lib/engine/start-release.js';
import { tickDue } from '../../lib/engine/tick-due.js';
import { tick } from '../../lib/engine/tick.js';
import { ReleaseInProgressError } from '../../lib/errors.js';
import { freshTables } from '../support/dynamo.js';
import type { RecordingNotifier } from '../support/fakes.js';
import { engineDeps, FakeClock, MINUTE } from '../support/fakes.js';
import { MockedAws } from '../support/mocked-aws.js';

/** The production adapters on mocked Lambda and CloudWatch, the store on DynamoDB Local, a fake clock. */
async function world() {
  const clock = new FakeClock();
  const aws = new MockedAws(clock);
  const { doc, tables } = await freshTables();
  const deps = engineDeps({ clock, router: aws.router, metrics: aws.metrics, store: new DynamoReleaseStore(doc, tables.releases) });
  return { deps, aws, notifier: deps.notifier as RecordingNotifier };
}

async function runUntilSettled(deps: EngineDeps & { clock: FakeClock }, id: string, maxMinutes = 90): Promise<Release> {
  for (let minute = 0; minute < maxMinutes; minute += 1) {
    await tickDue(deps);
    const release = (await deps.store.get(id))!;
    if (['succeeded', 'rolled_back', 'aborted', 'paused'].includes(release.state)) return release;
    deps.clock.advance(MINUTE);
  }
  return (await deps.store.get(id))!;
}

const input = { function: 'checkout', alias: 'live', version: '2', risk: 'normal' as const };

/** Every decision stored on DynamoDB Local, decided again from the stored inputs alone, the same. */
async function expectReplaysExactly(deps: EngineDeps, id: string): Promise<void> {
  const report = replayDecisions(id, (await deps.store.events(id)).map((stored) => stored.event));
  expect(report.decisions.length).toBeGreaterThan(0);
  expect(formatReplay(report)).toMatch(new RegExp(`${report.decisions.length} the same, 0 different, 0 without stored inputs$`));
}

describe('whole releases on mocked Lambda and CloudWatch', () => {
  it('promotes a healthy version, verifies it for 30 minutes and succeeds', async () => {
    const { deps, aws } = await world();
    const { id } = await startRelease(deps, { ...input, codeSha256: 'sha-2' }, 'pipeline');
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('succeeded');
    expect(aws.aliasOf('checkout', 'live')).toMatchObject({ functionVersion: '2', weights: {} });
    // Steps of 5 minutes, a minute of settling for each, then 30 minutes of verification.
    expect((Date.parse(release.finishedAt!) - Date.parse(release.createdAt)) / MINUTE).toBeGreaterThanOrEqual(45);
    expect(await deps.store.verifyChain(id)).toMatchObject({ ok: true });
    await expectReplaysExactly(deps, id);
    // The last step holds for the evidence to promote, on DynamoDB Local each minute.
  }, 120_000);

  it('rolls a bad version back mid-step and confirms the alias', async () => {
    const { deps, aws, notifier } = await world();
    aws.behaviour.set('2', { requestsPerMinute: 1000, errorRate: 0.25, p99: 300 });
    const { id } = await startRelease(deps, input, 'pipeline');
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('rolled_back');
    expect(release.decisions.at(-1)).toMatchObject({ action: 'rollback', reason: 'analysis_failed' });
    // Rolled back during a step, before its five minutes were up.
    const rollback = release.decisions.at(-1)!;
    expect(Date.parse(rollback.at) - Date.parse(release.stepStartedAt!)).toBeLessThan(5 * MINUTE);
    expect(aws.aliasOf('checkout', 'live')).toMatchObject({ functionVersion: '1', weights: {} });
    expect(notifier.notices.map((notice) => notice.kind)).toEqual(['rolled_back']);
    await expectReplaysExactly(deps, id);
  });

  it('detects an alias changed by hand as drift and pauses without touching it', async () => {
    const { deps, aws } = await world();
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    deps.clock.advance(MINUTE);
    aws.setAlias('checkout', 'live', '3');
    const updates = aws.updateCalls;
    const release = await runUntilSettled(deps, id);
    expect(release).toMatchObject({ state: 'paused' });
    expect(release.pauseReason).toMatch(/drift: alias routes 100% to version 3/);
    expect(aws.updateCalls).toBe(updates);
    expect(aws.aliasOf('checkout', 'live')?.functionVersion).toBe('3');
  });

  it('pauses during a CloudWatch outage and never promotes', async () => {
    const { deps, aws } = await world();
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    aws.cloudwatchDown = true;
    const release = await runUntilSettled(deps, id);
    expect(release.state).toBe('paused');
    expect(release.decisions.at(-1)?.explanation).toMatch(/metrics unavailable 4 times in a row .*ServiceUnavailable/);
    expect(aws.aliasOf('checkout', 'live')?.weights).toEqual({ '2': 0.01 });
    // The failed readings are stored too, so the pause replays from them.
    await expectReplaysExactly(deps, id);
  });

  it('refuses a second release for a busy alias', async () => {
    const { deps } = await world();
    await startRelease(deps, input, 'pipeline');
    await expect(startRelease(deps, { ...input, version: '3' }, 'pipeline')).rejects.toBeInstanceOf(ReleaseInProgressError);
  });

  it('refuses a version whose code does not match', async () => {
    const { deps } = await world();
    await expect(startRelease(deps, { ...input, codeSha256: 'other' }, 'pipeline')).rejects.toMatchObject({ code: 'code_sha_mismatch' });
  });

  it('retries a throttled rollback within the tick and records how long it took', async () => {
    const { deps, aws } = await world();
    aws.behaviour.set('2', { requestsPerMinute: 1000, errorRate: 1, p99: 300 });
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    deps.clock.advance(2 * MINUTE);
    // Each failure is one UpdateAlias whose SDK retries are spent (the mock stands in for them).
    aws.failUpdates = { count: 2, error: new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429, attempts: 3 } }) };
    await tickDue(deps);
    const events = (await deps.store.events(id)).map((stored) => stored.event);
    const rolledBack = events.find((event) => event.type === 'rolled_back');
    expect(rolledBack).toMatchObject({ type: 'rolled_back', attempts: 3 });
    // The rollback loop's backoff (250 ms, then 500 ms) slept on the fake clock: the duration shows the retries.
    expect(rolledBack?.type === 'rolled_back' && rolledBack.durationMs).toBe(750);
    expect(aws.aliasOf('checkout', 'live')).toMatchObject({ functionVersion: '1', weights: {} });
  });

  it('sends UpdateAlias rollbackAttempts times in one rollback tick while Lambda keeps throttling, then leaves the release rolling_back', async () => {
    const { deps, aws, notifier } = await world();
    aws.behaviour.set('2', { requestsPerMinute: 1000, errorRate: 1, p99: 300 });
    const { id } = await startRelease(deps, input, 'pipeline');
    await tickDue(deps);
    deps.clock.advance(2 * MINUTE);
    // The mock replaces the SDK's retries: each rejection is one call whose 3 SDK attempts are spent.
    aws.failUpdates = { count: Number.POSITIVE_INFINITY, error: new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429, attempts: 3 } }) };
    const before = aws.updateCalls;
    const { outcomes } = await tickDue(deps);
    expect(aws.updateCalls - before).toBe(deps.config.rollbackAttempts);
    expect(deps.config.rollbackAttempts).toBe(3);
    expect(outcomes).toEqual([
      expect.objectContaining({
        status: 'rollback_pending',
        error: 'alias not yet back on version 1: lambda UpdateAlias checkout:live is unavailable after 3 attempts: TooManyRequestsException: Rate exceeded',
      }),
    ]);
    expect((await deps.store.get(id))?.state).toBe('rolling_back');
    expect(notifier.notices.map((notice) => notice.kind)).toContain('rollback_stuck');
  });
});

describe('concurrent evaluators on DynamoDB Local', () => {
  it('advance one due release exactly once when twenty ticks race, and keep every event in the chain', async () => {
    const { deps, aws } = await world();
    const { id } = await startRelease(deps, input, 'pipeline');
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => tick(deps, id)));
    expect(outcomes.filter((outcome) => outcome.status === 'decided')).toHaveLength(1);
    expect(aws.updateCalls).toBe(1);
    const events = await deps.store.events(id);
    expect(events.map((stored) => stored.event.type)).toEqual(['created', 'observed', 'started', 'routing_confirmed']);
    expect(await deps.store.verifyChain(id)).toEqual({ ok: true, events: 4 });
  });

  it('two overlapping evaluator runs act once per due release', async () => {
    const { deps, aws } = await world();
    aws.setAlias('orders', 'live', '1');
    for (const version of ['1', '2']) aws.versions.set(`orders:${version}`, { role: 'arn:aws:iam::1:role/checkout', codeSha256: 'x' });
    await startRelease(deps, input, 'pipeline');
    await startRelease(deps, { ...input, function: 'orders' }, 'pipeline');
    const [first, second] = await Promise.all([tickDue(deps), tickDue(deps)]);
    const decided = [...first.outcomes, ...second.outcomes].filter((outcome) => outcome.status === 'decided');
    expect(decided.map((outcome) => outcome.releaseId).sort()).toHaveLength(2);
    expect(new Set(decided.map((outcome) => outcome.releaseId)).size).toBe(2);
    expect(aws.updateCalls).toBe(2);
  });
});

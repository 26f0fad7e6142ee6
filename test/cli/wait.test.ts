import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../lib/cli/release-gate.js';
import { MINUTE } from '../support/fakes.js';
import { emptyDir, evaluatorSleep, QUICK_PLAN, runCli, servedWorld, writeJson, type ServedWorld } from './support.js';

let served: ServedWorld;
let planFile: string;
beforeEach(async () => {
  served = await servedWorld();
  planFile = writeJson(emptyDir(), 'plan.json', QUICK_PLAN);
});
afterEach(() => served.close());

const start = (extra: string[] = []) => ['start', '--function', 'checkout', '--version', '2', '--plan', planFile, ...extra, ...served.args];

describe('start --wait and wait', () => {
  it('follows a healthy release to success with a line per change on the long poll, and exits 0', async () => {
    const { world } = served;
    const result = await runCli(start(['--wait']), { sleep: evaluatorSleep(world) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(EXIT.ok);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^started rel-\d+: checkout:live 1 → 2, a custom plan \(1 step, verification 2m\), normal risk, pending$/);
    expect(lines[1]).toMatch(/^\+\d+s pending, not started, weight 0%: no checks yet$/);
    expect(lines).toContainEqual(expect.stringMatching(/^\+\S+ progressing, step 1\/1 \(50% for at least 2m\), weight 50%: error-rate-vs-baseline \w+, error-rate-ceiling \w+, p99-vs-baseline \w+$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\+\S+ promoted, verifying at 100% for 2m, weight 100%: .*pass/));
    expect(lines.at(-1)).toMatch(/^succeeded: verified at 100%/);
    // A line per change and none per unchanged poll; no cursor tricks on a pipe.
    expect(new Set(lines).size).toBe(lines.length);
    expect(result.stdout).not.toContain('\x1b');
    // The first poll answers at once; the others wait for a revision past the one seen.
    const gateUrls = result.fetch.mock.calls.map(([url]) => new URL(String(url))).filter((url) => url.pathname.endsWith('/gate'));
    expect(gateUrls[0]!.searchParams.get('wait')).toBe('0');
    expect(gateUrls[0]!.searchParams.has('since')).toBe(false);
    expect(gateUrls.slice(1).every((url) => url.searchParams.get('wait') === '20' && /^\d+$/.test(url.searchParams.get('since') ?? ''))).toBe(true);
  });

  it('exits 1 with the explanation when the gate rolls the release back', async () => {
    const { world } = served;
    world.aws.behaviour.set('2', { requestsPerMinute: 1000, errorRate: 0.05, p99: 300 });
    const { body: created } = await world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } });
    const result = await runCli(['wait', created.id, ...served.args], { sleep: evaluatorSleep(world) });
    expect(result.code).toBe(EXIT.releaseFailed);
    const gate = (await world.call('GET', `/releases/${created.id}/gate`)).body;
    expect(gate.outcome).toBe('rolled_back');
    expect(result.stdout).toContain(`rolled back: ${gate.explanation}`);
    // It followed the release to the rollback: the last progress line shows it back at 0%, then the outcome.
    const lines = result.stdout.trim().split('\n');
    expect(lines.at(-2)).toMatch(/^\+\d+s rolled_back, step 1\/3 \(.*where it was rolled back\), weight 0%: error-rate-vs-baseline fail/);
    expect(lines.at(-1)).toBe(`rolled back: ${gate.explanation}`);
  });

  it('exits 1 when a person aborts the release', async () => {
    const { world } = served;
    const { body: created } = await world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } });
    const sleep = evaluatorSleep(world, async (minute) => {
      if (minute === 2) await world.call('POST', `/releases/${created.id}/abort`, { body: { reason: 'wrong build' } });
    });
    const result = await runCli(['wait', created.id, ...served.args], { sleep });
    expect(result.code).toBe(EXIT.releaseFailed);
    expect(result.stdout).toMatch(/^aborted: .*wrong build/m);
  });

  it('keeps waiting through a pause, says why, and succeeds once resumed', async () => {
    const { world } = served;
    let id = '';
    const sleep = evaluatorSleep(world, async (minute) => {
      if (minute === 2) await world.call('POST', `/releases/${id}/pause`, { body: { reason: 'checking a dashboard' } });
      if (minute === 5) await world.call('POST', `/releases/${id}/resume`, { body: {} });
    });
    id = (await world.call('POST', '/releases', { body: { function: 'checkout', version: '2', plan: QUICK_PLAN } })).body.id;
    const result = await runCli(['wait', id, ...served.args], { sleep });
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout.match(/^paused: checking a dashboard\. Still waiting/gm)).toHaveLength(1);
    expect(result.stdout).toContain(`release-gate resume ${id}`);
  });

  it('exits 1 on a pause with --fail-on-pause, leaving the release paused', async () => {
    const { world } = served;
    let id = '';
    const sleep = evaluatorSleep(world, async (minute) => {
      if (minute === 2) await world.call('POST', `/releases/${id}/pause`, { body: { reason: 'checking a dashboard' } });
    });
    id = (await world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } })).body.id;
    const result = await runCli(['wait', id, '--fail-on-pause', ...served.args], { sleep });
    expect(result.code).toBe(EXIT.releaseFailed);
    expect(result.stdout).toContain('paused: checking a dashboard');
    expect((await world.call('GET', `/releases/${id}`)).body.state).toBe('paused');
  });

  it('exits 3 when --timeout passes, and the release carries on', async () => {
    const { world } = served;
    const { body: created } = await world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } });
    let now = Date.parse('2030-01-07T10:00:00Z');
    const sleep = async () => {
      now += 10 * MINUTE;
      await Promise.resolve();
    };
    const result = await runCli(['wait', created.id, '--timeout', '25m', ...served.args], { now: () => now, sleep });
    expect(result.code).toBe(EXIT.timeout);
    expect(result.stdout).toContain(`timed out after 25m: ${created.id} is still pending`);
    // Three unchanged polls of ten minutes each: the third crosses 25 minutes.
    expect(result.fetch).toHaveBeenCalledTimes(4);
    expect((await world.call('GET', `/releases/${created.id}`)).body.state).toBe('pending');
  });

  it('prints one JSON document holding the API answers with --json', async () => {
    const { world } = served;
    world.aws.behaviour.set('2', { requestsPerMinute: 1000, errorRate: 0.05, p99: 300 });
    const result = await runCli(start(['--wait', '--json']), { sleep: evaluatorSleep(world) });
    expect(result.code).toBe(EXIT.releaseFailed);
    expect(result.stderr).toBe('');
    const document = JSON.parse(result.stdout);
    expect(document.timedOut).toBe(false);
    expect(document.release).toMatchObject({ id: document.releaseId, function: 'checkout', version: '2', state: 'pending', revision: 1 });
    expect(document.gate).toEqual((await world.call('GET', `/releases/${document.releaseId}/gate`)).body);
    expect(document.gate.outcome).toBe('rolled_back');
  });

  it('redraws one status line on a TTY', async () => {
    const { world } = served;
    const release = (await world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } })).body;
    const sleep = evaluatorSleep(world, async (minute) => {
      if (minute === 3) await world.call('POST', `/releases/${release.id}/abort`, { body: { reason: 'enough' } });
    });
    const result = await runCli(['wait', release.id, ...served.args], { sleep, tty: true });
    expect(result.code).toBe(EXIT.releaseFailed);
    // Unchanged polls redraw the status line in place; a change clears it and gets a line of its own.
    const redrawn = result.stdout.split('\r\x1b[2K').slice(1);
    expect(redrawn).toContainEqual(expect.stringMatching(/^\+\S+ progressing at 1%: /));
    expect(redrawn).toContainEqual(expect.stringMatching(/^\+\S+ aborted, step 1\/3 .*\naborted: enough\n$/));
  });

  it('retries a poll that did not arrive, then carries on', async () => {
    const { world } = served;
    let failed = 0;
    const flaky: typeof fetch = async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.includes('/gate') && failed < 2) {
        failed += 1;
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }) });
      }
      return fetch(input, init);
    };
    const release = (await world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } })).body;
    const sleep = evaluatorSleep(world, async (minute) => {
      if (minute === 2) await world.call('POST', `/releases/${release.id}/abort`, { body: { reason: 'enough' } });
    });
    const result = await runCli(['wait', release.id, ...served.args], { sleep, fetch: flaky });
    expect(result.code).toBe(EXIT.releaseFailed);
    expect(result.stderr).toContain('network_error: cannot reach GET');
    expect(result.stderr).toContain('ECONNRESET); trying again in 2s (retry 2)');
    expect(result.stderr).not.toContain('retry 3');
  });
});

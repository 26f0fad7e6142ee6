import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../lib/cli/release-gate.js';
import { tickDue } from '../../lib/engine/tick-due.js';
import { MINUTE } from '../support/fakes.js';
import { emptyDir, runCli, servedWorld, writeJson, type ServedWorld } from './support.js';

/** A loopback URL on which nothing listens. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

let served: ServedWorld;
beforeEach(async () => {
  served = await servedWorld();
});
afterEach(() => served.close());

const cli = (argv: string[]) => runCli([...argv, ...served.args]);
const start = ['start', '--function', 'checkout', '--version', '2'];

describe('start, status and the actions with --json print what the API answers', () => {
  it('starts a release with every option the API takes', async () => {
    const dir = emptyDir();
    const policy = writeJson(dir, 'policy.json', { checks: [{ name: 'errors', sli: { kind: 'error_rate' }, method: 'threshold', comparator: '<=', value: 0.02 }] });
    const result = await cli([
      ...start,
      ...['--alias', 'live', '--plan', 'Canary10Percent5Minutes', '--risk', 'high', '--policy', policy, '--code-sha256', 'x'.repeat(43) + '='],
      ...['--commit-sha', 'abc1234', '--commit-time', '2030-01-07T09:00:00+01:00', '--description', 'faster checkout', '--idempotency-key', 'run-42', '--json'],
    ]);
    // The artefact check is the API's: a hash that does not match is refused with its reason.
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stdout).toBe('');
    const body = JSON.parse(result.fetch.mock.calls[0]![1].body as string);
    expect(body).toEqual({
      function: 'checkout',
      version: '2',
      alias: 'live',
      plan: 'Canary10Percent5Minutes',
      risk: 'high',
      policy: { checks: [expect.objectContaining({ name: 'errors', value: 0.02 })] },
      codeSha256: `${'x'.repeat(43)}=`,
      commit: { sha: 'abc1234', authoredAt: '2030-01-07T09:00:00+01:00' },
      description: 'faster checkout',
    });
    expect(result.fetch.mock.calls[0]![1].headers['Idempotency-Key']).toBe('run-42');
    expect(JSON.parse(result.stderr)).toEqual({ error: { code: 'code_sha_mismatch', message: expect.any(String), issues: [{ path: 'codeSha256', message: expect.any(String) }], status: 422 } });
  });

  it('prints the created release, then the same release from status', async () => {
    const started = await cli([...start, '--plan', 'AllAtOnce', '--json']);
    expect(started.code).toBe(EXIT.ok);
    const created = JSON.parse(started.stdout);
    expect(created).toMatchObject({ function: 'checkout', version: '2', state: 'pending', plan: { preset: 'AllAtOnce' } });
    const status = await cli(['status', created.id, '--json']);
    expect(JSON.parse(status.stdout)).toEqual((await served.world.call('GET', `/releases/${created.id}`)).body);
    expect(JSON.parse(status.stdout)).toEqual(created);
  });

  it('lists releases of a function as a table, or as the API page with --json', async () => {
    const { body: created } = await served.world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } });
    const list = await cli(['status', '--function', 'checkout', '--state', 'pending', '--limit', '5']);
    expect(list.code).toBe(EXIT.ok);
    expect(list.stdout).toContain('| id ');
    expect(list.stdout).toMatch(new RegExp(`\\| ${created.id} +\\| checkout:live \\| 1 → 2 +\\| pending`));
    expect(String(list.fetch.mock.calls[0]![0])).toMatch(/\/releases\?function=checkout&state=pending&limit=5$/);
    const json = await cli(['status', '--function', 'checkout', '--json']);
    expect(JSON.parse(json.stdout)).toEqual((await served.world.call('GET', '/releases?function=checkout')).body);
    expect((await cli(['status', '--function', 'orders'])).stdout).toBe('no releases\n');
  });

  it('shows one release for a person: step, weight, decision and who acted', async () => {
    const { body: created } = await served.world.call('POST', '/releases', { body: { function: 'checkout', version: '2', commit: { sha: 'abc1234', authoredAt: '2030-01-07T09:00:00Z' } } });
    await tickDue(served.world.engine);
    await served.world.call('POST', `/releases/${created.id}/pause`, { body: { reason: 'looking at p99' } });
    const result = await cli(['status', created.id]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^release +rel-\d+: checkout:live 1 → 2, canary-1-10-50-100 \(3 steps, verification 30m\), normal risk, paused$/m);
    expect(result.stdout).toMatch(/^step +step 1\/3 \(1% for at least 5m\)$/m);
    expect(result.stdout).toMatch(/^weight +1% \(alias read back: 1%\)$/m);
    expect(result.stdout).toMatch(/^commit +abc1234/m);
    expect(result.stdout).toMatch(/^paused +looking at p99$/m);
    expect(result.stdout).toMatch(/^by hand +pause by admin at \S+: looking at p99$/m);
  });

  it('pauses, resumes, promotes and rolls back, sending the reason', async () => {
    const { body: created } = await served.world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } });
    await tickDue(served.world.engine);
    const paused = await cli(['pause', created.id, '--reason', 'investigating', '--json']);
    expect(JSON.parse(paused.stdout)).toMatchObject({ id: created.id, state: 'paused', actors: [{ action: 'pause', reason: 'investigating' }] });
    expect(JSON.parse(paused.fetch.mock.calls[0]![1].body as string)).toEqual({ reason: 'investigating' });
    expect((await cli(['resume', created.id])).stdout).toBe(`resumed ${created.id}: now progressing at 1%\n`);
    const promoted = await cli(['promote', created.id, '--reason', 'verified by hand']);
    expect(promoted.stdout).toBe(`promoted ${created.id}: now promoted at 100%\n`);
    const rolled = await cli(['rollback', created.id, '--reason', 'pager went off', '--json']);
    expect(rolled.code).toBe(EXIT.ok);
    expect(JSON.parse(rolled.stdout)).toEqual((await served.world.call('GET', `/releases/${created.id}`)).body);
    expect(JSON.parse(rolled.stdout)).toMatchObject({ state: 'rolled_back', weight: 0 });
  });

  it('prints the delivery report, and with --json the API answer', async () => {
    const { body: created } = await served.world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } });
    await tickDue(served.world.engine);
    await served.world.call('POST', `/releases/${created.id}/rollback`, { body: { reason: 'errors' } });
    served.world.engine.clock.advance(MINUTE);
    const text = await cli(['report', '--function', 'checkout', '--since', '2030-01-01T00:00:00Z']);
    expect(text.code).toBe(EXIT.ok);
    expect(text.stdout).toMatch(/^Delivery metrics 2030-01-01T00:00:00\.000Z → \S+, function checkout$/m);
    expect(text.stdout).toMatch(/\| releases +\| 1 \(1 finished: 0 succeeded, 1 rolled back, 0 aborted\) +\|/);
    expect(text.stdout).toMatch(/\| change failure rate +\| 100% +\|/);
    expect(text.stdout).toMatch(/\| time to restore +\| median \S+, p90 \S+ \(1 rollback\) +\|/);
    expect(text.stdout).toMatch(/\| lead time \(commit → 100%\) +\| n\/a \(no releases naming a commit\) +\|/);
    const json = await cli(['report', '--function', 'checkout', '--json']);
    expect(JSON.parse(json.stdout)).toEqual((await served.world.call('GET', '/reports/delivery?function=checkout')).body);
  });

  it('turns --since 7d into a time seven days before now', async () => {
    const now = Date.parse('2030-01-08T00:00:00Z');
    const result = await runCli(['report', '--since', '7d', ...served.args], { now: () => now });
    expect(new URL(String(result.fetch.mock.calls[0]![0])).searchParams.get('since')).toBe('2030-01-01T00:00:00.000Z');
  });
});

describe('API refusals exit 4 with the code, the message, the issue paths and what to do', () => {
  it('409: a second release for a busy alias', async () => {
    expect((await cli(start)).code).toBe(EXIT.ok);
    const result = await cli([...start.slice(0, -1), '3']);
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stderr).toMatch(/^release-gate: 409 release_in_progress: .+\n {2}function: active release: rel-\d+\n {2}hint: wait for that release to finish, or abort it, then start again\n$/);
  });

  it('422: the version the alias already runs, as a sentence with what to do, the issue not repeated', async () => {
    const result = await cli([...start.slice(0, -1), '1']);
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stderr).toBe('release-gate: 422 same_version: version 1 is already what checkout:live runs\n  at fault: version\n  hint: release another version\n');
  });

  it('409: an action the state does not allow', async () => {
    const { body: created } = await served.world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } });
    const result = await cli(['approve', created.id]);
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stderr).toMatch(/^release-gate: 409 invalid_transition: .+\n {2}state: the release is pending\n$/);
  });

  it('422: a version Lambda does not have', async () => {
    const result = await cli([...start.slice(0, -1), '9']);
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stderr).toMatch(/^release-gate: 422 version_not_found: .+\n {2}at fault: version\n$/);
  });

  it('400: a plan file the API refuses, with the path at fault', async () => {
    const plan = writeJson(emptyDir(), 'plan.json', { steps: [{ type: 'traffic', weight: 50 }, { type: 'traffic', weight: 10 }] });
    const result = await cli([...start, '--plan', plan]);
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stderr).toMatch(/^release-gate: 400 invalid_plan: .+\n {2}plan\.steps\[1\]\.weight: weight 10 is below/);
  });

  it('403: a token without the scope, with a hint about the token', async () => {
    const reader = await served.world.token(['releases:read']);
    const result = await runCli([...start, '--url', served.url], { env: { RELEASE_GATE_TOKEN: reader } });
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stderr).toBe(
      'release-gate: 403 forbidden: this token lacks the scope releases:write\n' +
        '  scopes: needs releases:write\n' +
        '  hint: the token from RELEASE_GATE_TOKEN is valid but lacks the scope or the function/flag pattern for this call; ask an admin for a token that has it\n',
    );
  });

  it('404 as JSON on stderr with --json, in the API error shape', async () => {
    const result = await cli(['status', 'rel-missing', '--json']);
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stdout).toBe('');
    expect(JSON.parse(result.stderr)).toEqual({ error: { code: 'not_found', message: 'release rel-missing not found', issues: [], status: 404 } });
  });

  it('an unreachable gate: network_error, with a hint', async () => {
    const url = await closedPort();
    const result = await runCli(['status', '--url', url, '--token', served.args[3]!]);
    expect(result.code).toBe(EXIT.apiError);
    // A GET is retried for up to a minute of waits (random 0.5: 0.75 s, 1.5 s, 3 s, 6 s, then 11.25 s each).
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.slice(0, -3)).toEqual(Array.from({ length: 8 }, (_, index) => expect.stringMatching(new RegExp(`^the gate did not answer \\(network_error: cannot reach GET .*ECONNREFUSED\\); trying again in \\S+ \\(retry ${index + 1}\\)$`))));
    expect(lines.slice(-3)).toEqual([
      `release-gate: network_error: cannot reach GET ${url}/releases: ECONNREFUSED`,
      '  gave up after 9 attempts over 56s; try again later',
      `  hint: is the gate running at ${url}? (npm start serves http://127.0.0.1:8787)`,
    ]);
  });

  it('a proxy answering HTML: its status and text in the same shape', async () => {
    const proxy = () => Promise.resolve(new Response('<html>502 Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    const result = await runCli(['status', 'rel-1', '--json', ...served.args], { fetch: proxy });
    expect(result.code).toBe(EXIT.apiError);
    expect(JSON.parse(result.stderr)).toEqual({ error: { code: 'http_502', message: '<html>502 Bad Gateway</html>', issues: [], status: 502 } });
  });

  it('a gateway answering JSON of its own: its message, never the raw document', async () => {
    const gateway = () => Promise.resolve(Response.json({ message: 'Forbidden' }, { status: 403 }));
    const result = await runCli(['status', 'rel-1', ...served.args], { fetch: gateway });
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stderr).toMatch(/^release-gate: 403 http_403: Forbidden\n {2}hint: the token from --token is valid but lacks/);
    expect(result.stderr).not.toContain('{');
  });
});

describe('replay', () => {
  it('decides every stored decision of a rolled-back release again from the API history: all the same, exit 0', async () => {
    const { world } = served;
    world.aws.behaviour.set('2', { requestsPerMinute: 1000, errorRate: 0.25, p99: 300 });
    const id = JSON.parse((await cli([...start, '--json'])).stdout).id as string;
    for (let minute = 0; minute < 6 && (await world.engine.store.get(id))?.state !== 'rolled_back'; minute += 1) {
      await tickDue(world.engine);
      world.engine.clock.advance(MINUTE);
    }
    expect((await world.engine.store.get(id))?.state).toBe('rolled_back');
    const text = await cli(['replay', id]);
    expect(text.code).toBe(EXIT.ok);
    expect(text.stdout).toMatch(new RegExp(`^release ${id}: (\\d+) decisions replayed with analysis [\\d.]+\\n\\1 the same, 0 different, 0 without stored inputs\\n$`));
    const json = JSON.parse((await cli(['replay', id, '--json'])).stdout);
    expect(json.decisions.at(-1)).toMatchObject({ action: 'rollback', outcome: 'same' });
  });

  it('exits 5 and names the field when a stored decision no longer follows from its inputs', async () => {
    const { world } = served;
    const id = JSON.parse((await cli([...start, '--json'])).stdout).id as string;
    await tickDue(world.engine);
    type History = { events: { type: string; event: { decision?: { toWeight?: number } } }[] };
    const edited = (await (await fetch(`${served.url}/releases/${id}/events`, { headers: { Authorization: `Bearer ${served.args[3]}` } })).json()) as History;
    // The started decision, edited as a tampered or differently-analysed record would read.
    edited.events.find((entry) => entry.type === 'started')!.event.decision!.toWeight = 5;
    const answer = (body: unknown) => Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } }));
    const result = await runCli(['replay', id, ...served.args], { fetch: () => answer(edited) });
    expect(result.code).toBe(EXIT.replayDiffers);
    expect(result.stdout).toMatch(/#\d+ \S+ advance \(\w+\) differs:\n {4}toWeight: stored 5, replayed 1/);
    expect(result.stdout).toMatch(/0 the same, 1 different, 0 without stored inputs/);
  });
});

describe('verify', () => {
  async function exportedChain(): Promise<{ dir: string; chain: { releaseId: string; events: { type: string; event: Record<string, unknown> }[] } }> {
    const { world } = served;
    const id = JSON.parse((await cli([...start, '--json'])).stdout).id as string;
    await tickDue(world.engine);
    world.engine.clock.advance(MINUTE);
    await tickDue(world.engine);
    const chain = (await world.call('GET', `/releases/${id}/events`)).body;
    return { dir: emptyDir(), chain };
  }

  it('recomputes every hash of an exported chain offline, sending nothing', async () => {
    const { dir, chain } = await exportedChain();
    const file = writeJson(dir, 'chain.json', chain);
    const result = await runCli(['verify', file]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.fetch).not.toHaveBeenCalled();
    expect(result.stdout).toBe(`release ${chain.releaseId}: chain of ${chain.events.length} events holds, head ${(chain.events.at(-1) as unknown as { hash: string }).hash}\n`);
  });

  it('exits 6 at the first event edited after export, and 2 for a file that is not a chain', async () => {
    const { dir, chain } = await exportedChain();
    const edited = structuredClone(chain);
    const started = edited.events.findIndex((entry) => entry.type === 'started');
    edited.events[started]!.event.weight = 50;
    const result = await runCli(['verify', writeJson(dir, 'edited.json', edited)]);
    expect(result.code).toBe(EXIT.chainBroken);
    expect(result.stdout).toBe(`release ${chain.releaseId}: chain broken at event ${started + 1} of ${chain.events.length}: content does not match its hash\n`);
    const notAChain = await runCli(['verify', writeJson(dir, 'other.json', { items: [] })]);
    expect(notAChain.code).toBe(EXIT.usage);
    expect(notAChain.stderr).toMatch(/other\.json is not an exported chain .*releaseId/);
  });
});

import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiCallError } from '../../lib/cli/errors.js';
import { demoErrorText, runDemo } from '../../lib/local/demo.js';
import { startHarness, type Harness } from '../sandbox/support.js';

/** A gate that refuses every release the way the API does, and remembers what it was asked. */
function refusingGate(status: number, error: { code: string; message: string; issues: { path: string; message: string }[] }) {
  const bodies: unknown[] = [];
  const fetch = ((_url: string | URL | Request, init?: RequestInit) => {
    bodies.push(typeof init?.body === 'string' ? JSON.parse(init.body) : undefined);
    return Promise.resolve(Response.json({ error }, { status }));
  }) as typeof globalThis.fetch;
  return { fetch, bodies };
}

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.stop());

const run = (fetch: typeof globalThis.fetch) => runDemo({ url: 'http://127.0.0.1:1', token: 'rg_x_y', sandboxEndpoint: h.sandbox.endpoint, log: () => undefined, fetch });

describe('npm run demo', () => {
  it('releases the healthy version the alias does not run: 2 on a fresh world, 1 once 2 is live', async () => {
    const gate = refusingGate(409, { code: 'release_in_progress', message: 'busy', issues: [] });
    await expect(run(gate.fetch)).rejects.toBeInstanceOf(ApiCallError);
    await h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '2' }));
    await expect(run(gate.fetch)).rejects.toBeInstanceOf(ApiCallError);
    expect(gate.bodies.map((body) => (body as { version: string }).version)).toEqual(['2', '1']);
  });

  it('prints an API refusal as sentences: the message, the field at fault and what to do, no JSON', async () => {
    const gate = refusingGate(409, {
      code: 'release_in_progress',
      message: 'checkout:live already has an active release (rel_1)',
      issues: [{ path: 'function', message: 'active release: rel_1' }],
    });
    const error = await run(gate.fetch).catch((caught: unknown) => caught);
    expect(demoErrorText(error, { url: 'http://127.0.0.1:8800', tokenSource: 'RELEASE_GATE_TOKEN' })).toBe(
      'demo: 409 release_in_progress: checkout:live already has an active release (rel_1)\n' +
        '  function: active release: rel_1\n' +
        '  hint: wait for that release to finish, or abort it, then start again\n',
    );
  });

  it('names the version the alias already runs and says to release another', async () => {
    const message = 'version 2 is already what checkout:live runs';
    const error = await run(refusingGate(422, { code: 'same_version', message, issues: [{ path: 'version', message }] }).fetch).catch((caught: unknown) => caught);
    expect(demoErrorText(error, {})).toBe(`demo: 422 same_version: ${message}\n  at fault: version\n  hint: release another version\n`);
  });

  it('says what it could not reach', async () => {
    const error = await runDemo({ url: 'http://127.0.0.1:9', token: 'rg_x_y', sandboxEndpoint: h.sandbox.endpoint, log: () => undefined, sleep: () => Promise.resolve() }).catch((caught: unknown) => caught);
    expect(demoErrorText(error, { url: 'http://127.0.0.1:9' })).toMatch(/^demo: network_error: cannot reach POST http:\/\/127\.0\.0\.1:9\/releases: .+\n {2}gave up after \d+ attempts over .+\n {2}hint: is the gate running at http:\/\/127\.0\.0\.1:9\?/);
  });
});

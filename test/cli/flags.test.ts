import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../lib/cli/release-gate.js';
import { emptyDir, runCli, servedWorld, writeJson, type ServedWorld } from './support.js';

const KEY = 'new-checkout-flow';
const DEFINITION = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

let served: ServedWorld;
let dir: string;
beforeAll(async () => {
  served = await servedWorld();
  dir = emptyDir();
  const cohort = await served.world.call('PUT', '/cohorts/beta', { body: { rule: { ends_with: [{ var: 'email' }, '@example.com'] }, reason: 'beta testers' } });
  expect(cohort.status).toBe(200);
});
afterAll(() => served.close());

const cli = (argv: string[]) => runCli([...argv, ...served.args], { cwd: dir });

// One flag's life, in order: each step reads what the one before wrote.
describe('flags: set, ramp, get, list, kill, history, restore', () => {
  it('sets a flag picked out of a flagd document, refusing to create it twice', async () => {
    writeJson(dir, 'flags.json', { $schema: 'https://flagd.dev/schema/v0/flags.json', flags: { [KEY]: DEFINITION, other: DEFINITION } });
    const result = await cli(['flags', 'set', KEY, '--file', 'flags.json', '--reason', 'first cut', '--expected-version', 'none', '--json']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.fetch.mock.calls[0]![1].body as string)).toEqual({ definition: DEFINITION, reason: 'first cut', expectedVersion: null });
    const stored = JSON.parse(result.stdout);
    expect(stored).toMatchObject({ key: KEY, version: 1, updatedBy: 'admin', reason: 'first cut' });
    expect(stored).toEqual((await served.world.call('GET', `/flags/${KEY}`)).body);

    const again = await cli(['flags', 'set', KEY, '--file', 'flags.json', '--reason', 'again', '--expected-version', 'none']);
    expect(again.code).toBe(EXIT.apiError);
    expect(again.stderr).toMatch(/^release-gate: 409 conflict: /);
  });

  it('shows the issue paths of a definition the API refuses', async () => {
    writeJson(dir, 'bad.json', { state: 'ENABLED', variants: { on: true }, defaultVariant: 'missing' });
    const result = await cli(['flags', 'set', KEY, '--file', 'bad.json', '--reason', 'oops']);
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stderr).toMatch(/^release-gate: 400 invalid_flag: .+\n {2}\S*defaultVariant\S*: /);
  });

  it('ramps a cohort, and says so when nothing changes', async () => {
    const result = await cli(['flags', 'ramp', KEY, '--cohort', 'beta', '--percent', '25%', '--reason', 'beta at a quarter', '--json']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.stdout)).toEqual({ key: KEY, previousVersion: 1, appliedVersion: 2 });
    expect(JSON.parse(result.fetch.mock.calls[0]![1].body as string)).toEqual({ cohort: 'beta', percent: 25, reason: 'beta at a quarter' });
    const same = await cli(['flags', 'ramp', KEY, '--cohort', 'beta', '--percent', '25', '--reason', 'again']);
    expect(same.stdout).toBe(`${KEY}: beta is already at 25% (version 2); nothing written\n`);
  });

  it('gets a flag with its last change, and lists the set', async () => {
    const got = await cli(['flags', 'get', KEY]);
    expect(got.stdout).toMatch(new RegExp(`^${KEY}: version 2, \\S+ by admin: beta at a quarter\\n\\{`));
    expect(JSON.parse(got.stdout.slice(got.stdout.indexOf('{')))).toMatchObject({ state: 'ENABLED', targeting: expect.any(Object) });
    const list = await cli(['flags', 'list']);
    expect(list.stdout).toMatch(new RegExp(`\\| ${KEY} \\| ENABLED \\| off +\\| on, off +\\| yes +\\|`));
    expect(list.stdout).toContain('cohorts: beta');
    const json = await cli(['flags', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toEqual((await served.world.call('GET', '/flags')).body);
  });

  it('kills a flag, lists its history, and restores the version before the kill', async () => {
    const killed = await cli(['flags', 'kill', KEY, '--reason', 'checkout errors']);
    expect(killed.stdout).toBe(`killed ${KEY}: now version 3 (DISABLED)\n`);
    const history = await cli(['flags', 'history', KEY]);
    expect(history.stdout.trim().split('\n').slice(2).map((row) => row.split('|').map((cell) => cell.trim())[1])).toEqual(['1', '2', '3']);
    expect(history.stdout).toMatch(/\| 3 +\| DISABLED \| \S+ \| admin \| checkout errors +\|/);
    const restored = await cli(['flags', 'restore', KEY, '--version', '2', '--reason', 'fixed', '--json']);
    expect(JSON.parse(restored.stdout)).toMatchObject({ key: KEY, version: 4, definition: { state: 'ENABLED' } });
  });

  it('names the flag scope on a 403', async () => {
    const reader = await served.world.token(['flags:read']);
    const result = await runCli(['flags', 'kill', KEY, '--reason', 'x', '--url', served.url, '--token', reader]);
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stderr).toMatch(/^release-gate: 403 forbidden: this token lacks the scope flags:write\n.*\n {2}hint: the token from --token is valid but lacks/);
  });
});

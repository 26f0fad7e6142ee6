/**
 * Every route against tokens whose patterns put `*` and `?` in different places, on resources
 * inside and outside those patterns. Each cell asserts the exact status, and that nothing outside
 * the patterns is returned or written. The expected answers come from an oracle written apart from
 * the gate's own matcher: a glob becomes a regular expression here, by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../lib/ports.js';
import { apiWorld, type ApiWorld } from '../support/api.js';

const FUNCTIONS = ['checkout', 'checkout-api', 'orders', 'c'];
const FLAGS = ['checkout-flow', 'checkout', 'orders-flow', 'c'];
const PATTERN_SETS: readonly (readonly string[])[] = [
  ['checkout*'],
  ['*-flow', '*-api'],
  ['check?ut*'],
  ['?'],
  ['??'],
  ['?*'],
  ['*?'],
  ['*'],
  ['c', 'orders'],
];
const EVERYTHING_BUT_ADMIN: Scope[] = ['releases:read', 'releases:write', 'releases:approve', 'flags:read', 'flags:write'];

const globToRegExp = (glob: string) => new RegExp(`^${[...glob].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.\\-]/g, '\\$&'))).join('')}$`);
const allowed = (patterns: readonly string[], name: string) => patterns.some((pattern) => globToRegExp(pattern).test(name));
/** Names of every length and alphabet a key may have; a pattern set that matches them all may act on every flag. */
const PROBES = ['a', 'Z9', 'x.y-z_0', 'k'.repeat(128)];
const coversEverything = (patterns: readonly string[]) => PROBES.every((probe) => allowed(patterns, probe));

let world: ApiWorld;
const releaseOf = new Map<string, string>();
const tokens = new Map<string, string>();
const readOnly = new Map<string, string>();

beforeAll(async () => {
  world = await apiWorld();
  for (const fn of FUNCTIONS) {
    for (const version of ['1', '2']) world.aws.versions.set(`${fn}:${version}`, { role: `arn:aws:iam::1:role/${fn}`, codeSha256: `sha-${version}` });
    world.aws.setAlias(fn, 'live', '1');
    world.aws.setAlias(fn, 'beta', '1');
    const started = await world.call('POST', '/releases', { body: { function: fn, version: '2' } });
    expect(started.status).toBe(201);
    releaseOf.set(fn, started.body.id);
  }
  for (const key of FLAGS) {
    const put = await world.call('PUT', `/flags/${key}`, {
      body: { definition: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' }, reason: 'matrix' },
    });
    expect(put.status).toBe(200);
  }
  expect((await world.call('PUT', '/cohorts/beta', { body: { rule: { '==': [{ var: 'tier' }, 'beta'] } } })).status).toBe(200);
  for (const patterns of PATTERN_SETS) {
    tokens.set(patterns.join(','), await world.token(EVERYTHING_BUT_ADMIN, [...patterns], [...patterns]));
    readOnly.set(patterns.join(','), await world.token(['releases:read', 'flags:read'], [...patterns], [...patterns]));
  }
});

// Reports cover [since, until); the fake clock stands still, so `until` lies just ahead of it.
const reportPath = (fn?: string) => `/reports/delivery?until=${new Date(world.engine.clock.now() + 60_000).toISOString()}${fn ? `&function=${fn}` : ''}`;
const flagVersion = async (key: string) => (await world.call('GET', `/flags/${key}`)).body.version as number;
const releaseState = async (fn: string) => (await world.call('GET', `/releases/${releaseOf.get(fn)}`)).body.state as string;

describe.each(PATTERN_SETS.map((patterns) => [patterns.join(','), patterns] as const))('a token bound to %s', (label, patterns) => {
  const token = () => tokens.get(label)!;
  const viewer = () => readOnly.get(label)!;

  describe.each(FUNCTIONS)('function %s', (fn) => {
    const inside = allowed(patterns, fn);

    it(`${inside ? 'reads' : 'cannot see'} the release, its events, metrics and gate`, async () => {
      const id = releaseOf.get(fn)!;
      for (const path of [`/releases/${id}`, `/releases/${id}/events`, `/releases/${id}/metrics`, `/releases/${id}/gate`]) {
        const answer = await world.call('GET', path, { token: token() });
        // Outside the patterns a release reads as missing, so names cannot be probed.
        expect([path, answer.status]).toEqual([path, inside ? 200 : 404]);
        if (!inside) expect(JSON.stringify(answer.body)).not.toContain(fn === 'c' ? `"function":"c"` : fn);
      }
    });

    it(`${inside ? 'may' : 'may not'} filter the list and the delivery report by it`, async () => {
      const list = await world.call('GET', `/releases?function=${fn}&limit=100`, { token: token() });
      expect(list.status).toBe(inside ? 200 : 403);
      const report = await world.call('GET', reportPath(fn), { token: token() });
      expect(report.status).toBe(inside ? 200 : 403);
      if (inside) {
        expect(new Set(list.body.items.map((item: { function: string }) => item.function))).toEqual(new Set([fn]));
        expect(report.body.releases).toBe(list.body.items.length);
      }
    });

    it(`${inside ? 'pauses and resumes' : 'cannot touch'} the release, and a read-only token never can`, async () => {
      const id = releaseOf.get(fn)!;
      const denied = await world.call('POST', `/releases/${id}/pause`, { token: viewer(), body: {} });
      expect(denied.status).toBe(inside ? 403 : 404);
      expect(await releaseState(fn)).toBe('pending');
      const pause = await world.call('POST', `/releases/${id}/pause`, { token: token(), body: {} });
      expect(pause.status).toBe(inside ? 200 : 404);
      expect(await releaseState(fn)).toBe(inside ? 'paused' : 'pending');
      if (inside) {
        expect((await world.call('POST', `/releases/${id}/resume`, { token: token(), body: {} })).status).toBe(200);
        expect(await releaseState(fn)).toBe('pending');
      }
    });

    it(`${inside ? 'needs the right scope for' : 'cannot see'} every other action on the release`, async () => {
      const id = releaseOf.get(fn)!;
      for (const action of ['approve', 'promote', 'abort', 'rollback']) {
        const path = `/releases/${id}/${action}`;
        const answer = await world.call('POST', path, { token: inside ? viewer() : token(), body: { reason: 'matrix' } });
        expect([path, answer.status]).toEqual([path, inside ? 403 : 404]);
      }
      expect(await releaseState(fn)).toBe('pending');
    });

    it(`${inside ? 'starts' : 'cannot start'} a release of it`, async () => {
      const before = (await world.call('GET', `/releases?function=${fn}`)).body.items.length;
      const started = await world.call('POST', '/releases', { token: token(), body: { function: fn, alias: 'beta', version: '2' } });
      expect(started.status).toBe(inside ? 201 : 403);
      const after = (await world.call('GET', `/releases?function=${fn}`)).body.items;
      expect(after.length).toBe(before + (inside ? 1 : 0));
      if (inside) expect((await world.call('POST', `/releases/${started.body.id}/abort`, { body: { reason: 'matrix cleanup' } })).status).toBe(200);
    });
  });

  it('lists exactly the releases and delivery figures of its functions', async () => {
    const list = await world.call('GET', '/releases?limit=100', { token: token() });
    expect(list.status).toBe(200);
    const expected = FUNCTIONS.filter((fn) => allowed(patterns, fn));
    expect([...new Set(list.body.items.map((item: { function: string }) => item.function))].sort()).toEqual(expected.sort());
    expect(list.body.items.length).toBeGreaterThanOrEqual(expected.length);
    const report = await world.call('GET', reportPath(), { token: token() });
    expect(report.status).toBe(200);
    expect(report.body.releases).toBe(list.body.items.length);
  });

  it('may not mint, list or revoke tokens', async () => {
    expect((await world.call('POST', '/tokens', { token: token(), body: { subject: 'x', scopes: ['admin'] } })).status).toBe(403);
    expect((await world.call('GET', '/tokens', { token: token() })).status).toBe(403);
    const victim = readOnly.get(label)!.split('_')[1]!;
    expect((await world.call('DELETE', `/tokens/${victim}`, { token: token() })).status).toBe(403);
    expect((await world.call('GET', '/releases', { token: viewer() })).status).toBe(200);
  });

  it('sees exactly the flags inside its patterns in the flag set', async () => {
    const set = await world.call('GET', '/flags', { token: token() });
    expect(set.status).toBe(200);
    expect(Object.keys(set.body.flags).sort()).toEqual(FLAGS.filter((key) => allowed(patterns, key)).sort());
  });

  it('evaluates in bulk exactly the flags inside its patterns, through OFREP', async () => {
    const path = '/ofrep/v1/evaluate/flags';
    const answer = await world.call('POST', path, { token: viewer(), body: { context: { targetingKey: 'user-1' } } });
    expect(answer.status).toBe(200);
    expect(answer.body.flags.map((flag: { key: string }) => flag.key).sort()).toEqual(FLAGS.filter((key) => allowed(patterns, key)).sort());
  });

  describe.each(FLAGS)('flag %s', (key) => {
    const inside = allowed(patterns, key);

    it(`${inside ? 'evaluates' : 'cannot evaluate'} it through OFREP`, async () => {
      const answer = await world.call('POST', `/ofrep/v1/evaluate/flags/${key}`, { token: viewer(), body: { context: { targetingKey: 'user-1' } } });
      expect(answer.status).toBe(inside ? 200 : 403);
      if (inside) expect(answer.body).toMatchObject({ key, reason: expect.any(String) });
      else expect(answer.body).not.toHaveProperty('value');
    });

    it(`${inside ? 'reads' : 'cannot read'} it and its history`, async () => {
      for (const path of [`/flags/${key}`, `/flags/${key}/history`]) {
        const answer = await world.call('GET', path, { token: token() });
        expect([path, answer.status]).toEqual([path, inside ? 200 : 403]);
        if (!inside) expect(answer.body).not.toHaveProperty('definition');
      }
    });

    it(`${inside ? 'writes' : 'cannot write'} it by put, ramp, kill and restore; a read-only token never can`, async () => {
      const definition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };
      const writes: [string, string, unknown][] = [
        ['PUT', `/flags/${key}`, { definition, reason: 'matrix' }],
        ['POST', `/flags/${key}/ramp`, { cohort: 'beta', percent: 10, reason: 'matrix' }],
        ['POST', `/flags/${key}/kill`, { reason: 'matrix' }],
        ['POST', `/flags/${key}/restore`, { version: 1, reason: 'matrix' }],
      ];
      for (const [method, path, body] of writes) {
        const before = await flagVersion(key);
        expect([path, (await world.call(method, path, { token: viewer(), body })).status]).toEqual([path, 403]);
        const answer = await world.call(method, path, { token: token(), body });
        expect([path, answer.status]).toEqual([path, inside ? 200 : 403]);
        expect(await flagVersion(key)).toBe(before + (inside ? 1 : 0));
      }
    });
  });

  it(`${coversEverything(patterns) ? 'may' : 'may not'} redefine a cohort, which every flag shares`, async () => {
    const before = (await world.call('GET', '/cohorts')).body.items.find((cohort: { name: string }) => cohort.name === 'beta').version;
    const answer = await world.call('PUT', '/cohorts/beta', { token: token(), body: { rule: { '==': [{ var: 'tier' }, 'beta'] }, reason: 'matrix' } });
    expect(answer.status).toBe(coversEverything(patterns) ? 200 : 403);
    const after = (await world.call('GET', '/cohorts')).body.items.find((cohort: { name: string }) => cohort.name === 'beta').version;
    expect(after).toBe(before + (coversEverything(patterns) ? 1 : 0));
    expect((await world.call('GET', '/cohorts', { token: viewer() })).status).toBe(200);
  });
});

describe('the oracle', () => {
  it('agrees with the cases the gate got wrong', () => {
    // `?` matches the one-character string `*`, but it does not match every flag.
    expect(allowed(['?'], '*')).toBe(true);
    expect(coversEverything(['?'])).toBe(false);
    expect(coversEverything(['?*'])).toBe(true);
    expect(coversEverything(['??'])).toBe(false);
  });
});

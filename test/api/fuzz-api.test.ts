import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { tickDue } from '../../lib/engine/tick-due.js';
import { apiWorld, type ApiWorld } from '../support/api.js';

/** Runs per property; the closing note of the API issue quotes the total. */
export const FUZZ_RUNS = { bodies: 400, fields: 300, paths: 200, queries: 200, actions: 60 } as const;

let world: ApiWorld;
let releaseId: string;

async function itemCounts(): Promise<number[]> {
  return Promise.all(
    Object.values(world.dynamo.tables).map(async (TableName) => (await world.dynamo.doc.send(new ScanCommand({ TableName, Select: 'COUNT' }))).Count ?? 0),
  );
}

function expectRefused(response: { status: number; body: any }): void {
  expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(response.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String), issues: expect.any(Array) } });
}

const oddText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('../../etc/passwd', '..%2F..%2F', '\u0000', '\u202e', '🦄'.repeat(20), '${jndi:x}', '<script>', "'; DROP TABLE releases;--", ' '),
  fc.string({ minLength: 2_000, maxLength: 20_000 }),
);
const wrongType = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.anything(), { maxLength: 3 }), fc.object({ maxDepth: 2 }), oddText);

beforeAll(async () => {
  world = await apiWorld();
  releaseId = (await world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } })).body.id;
  await tickDue(world.engine);
});

describe('bad input never gets a 5xx and never writes anything', () => {
  it('random JSON bodies for POST /releases', async () => {
    const before = await itemCounts();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.json().map((text) => ({ raw: text }))), async (input) => {
        const raw = typeof input === 'object' && input !== null && 'raw' in input && typeof input.raw === 'string' ? input.raw : JSON.stringify(input) ?? 'undefined';
        expectRefused(await world.call('POST', '/releases', { rawBody: raw }));
      }),
      { numRuns: FUZZ_RUNS.bodies },
    );
    expect(await itemCounts()).toEqual(before);
  });

  it('a valid body with one field of the wrong type or odd text', async () => {
    const before = await itemCounts();
    const field = fc.constantFrom('function', 'alias', 'version', 'codeSha256', 'plan', 'risk', 'policy', 'flags', 'commit', 'description', 'unknown');
    await fc.assert(
      fc.asyncProperty(field, wrongType, async (name, value) => {
        // A string plan that is a preset, or a short description, could be valid; the property is about the rest.
        fc.pre(!(name === 'description' && typeof value === 'string' && value.length <= 1000));
        fc.pre(!(name === 'plan' && value === undefined));
        const body = { function: 'other-fn', version: '2', [name]: value };
        expectRefused(await world.call('POST', '/releases', { body }));
      }),
      { numRuns: FUZZ_RUNS.fields },
    );
    expect(await itemCounts()).toEqual(before);
  });

  it('ids and actions with traversal, unicode and junk in the path', async () => {
    const before = await itemCounts();
    const segment = fc.oneof(oddText.filter((text) => text.length < 500), fc.constantFrom('..', '.', '%2e%2e', releaseId + '/../x'));
    const shape = fc.constantFrom('/releases/{s}', '/releases/{s}/events', '/releases/{s}/gate', '/releases/{s}/pause', `/releases/${releaseId}/{s}`, '/tokens/{s}');
    await fc.assert(
      fc.asyncProperty(shape, segment, fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'), async (template, value, method) => {
        const path = template.replace('{s}', encodeURIComponent(value));
        const response = await world.call(method, path, method === 'POST' ? { body: { reason: 'fuzz' } } : {});
        expectRefused(response);
      }),
      { numRuns: FUZZ_RUNS.paths },
    );
    expect(await itemCounts()).toEqual(before);
  });

  it('junk in query strings and headers', async () => {
    const before = await itemCounts();
    const route = fc.constantFrom('/releases', `/releases/${releaseId}/gate`, '/reports/delivery');
    const param = fc.constantFrom('limit', 'cursor', 'state', 'function', 'wait', 'since', 'until', 'bogus');
    await fc.assert(
      fc.asyncProperty(route, param, oddText.filter((text) => text.length < 1000), async (path, name, value) => {
        const valid = (name === 'cursor' || name === 'function') && /^[A-Za-z0-9_-]{1,64}$/.test(value);
        fc.pre(!valid && !(name === 'state' && ['pending', 'progressing', 'paused', 'rolling_back', 'promoted', 'succeeded', 'rolled_back', 'aborted'].includes(value)));
        const response = await world.call('GET', `${path}?${name}=${encodeURIComponent(value)}`, { headers: { 'Idempotency-Key': 'x'.repeat(300) } });
        expectRefused(response);
      }),
      { numRuns: FUZZ_RUNS.queries },
    );
    expect(await itemCounts()).toEqual(before);
  });

  it('huge bodies are refused with 413 before anything is read into a record', async () => {
    const before = await itemCounts();
    const response = await world.call('POST', '/releases', { rawBody: JSON.stringify({ function: 'checkout', version: '2', description: 'x'.repeat(400_000) }) });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('payload_too_large');
    expect(await itemCounts()).toEqual(before);
  });
});

describe('repeated and conflicting actions', () => {
  it('never answer 5xx, and leave a release whose history verifies and replays to its state', async () => {
    const action = fc.constantFrom('pause', 'resume', 'approve', 'promote', 'abort', 'rollback');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(action, fc.option(fc.constantFrom('fuzzing', ''), { nil: undefined })), { minLength: 1, maxLength: 6 }), async (sequence) => {
        world.aws.setAlias('fuzz', 'live', '1');
        world.aws.versions.set('fuzz:1', { role: 'r', codeSha256: 'a' });
        world.aws.versions.set('fuzz:2', { role: 'r', codeSha256: 'b' });
        const created = await world.call('POST', '/releases', { body: { function: 'fuzz', version: '2' } });
        expect(created.status).toBe(201);
        const id = created.body.id as string;
        await tickDue(world.engine);
        // Two at once, as two people clicking, then the rest in order.
        const first = sequence[0]!;
        const rest = sequence.slice(1);
        const racing = await Promise.all([first, first].map(([name, reason]) => world.call('POST', `/releases/${id}/${name}`, { body: reason === undefined ? {} : { reason } })));
        const answers = [...racing];
        for (const [name, reason] of rest) answers.push(await world.call('POST', `/releases/${id}/${name}`, { body: reason === undefined ? {} : { reason } }));
        for (const answer of answers) expect([200, 400, 409]).toContain(answer.status);
        const events = await world.call('GET', `/releases/${id}/events`);
        expect(events.body.chain.ok).toBe(true);
        // Leave the alias free for the next run.
        const state = (await world.call('GET', `/releases/${id}`)).body.state as string;
        if (!['succeeded', 'rolled_back', 'aborted'].includes(state)) {
          const ended = await world.call('POST', `/releases/${id}/${state === 'pending' ? 'abort' : 'rollback'}`, { body: { reason: 'end of run' } });
          expect(ended.status, JSON.stringify(ended.body)).toBe(200);
        }
      }),
      { numRuns: FUZZ_RUNS.actions },
    );
  });
});

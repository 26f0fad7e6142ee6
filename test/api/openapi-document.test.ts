/**
 * The document the gate serves, linted by Redocly's CLI with its recommended rules: no errors and
 * no warnings. Every other API test holds each answer it gets to the same document
 * (test/support/openapi-contract.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/app.js';
import { DEFAULT_API_SETTINGS } from '../../lib/api/deps.js';
import { FlagService } from '../../lib/flags/flag-service.js';
import { MemoryFlagStore } from '../../lib/memory/memory-flag-store.js';
import { MemoryIdempotencyStore } from '../../lib/memory/memory-idempotency-store.js';
import { MemoryTokenStore } from '../../lib/memory/memory-token-store.js';
import { engineDeps, FakeClock } from '../support/fakes.js';
import { OpenApiContract } from '../support/openapi-contract.js';

const REDOCLY = resolve(import.meta.dirname, '../../node_modules/.bin/redocly');
const run = promisify(execFile);

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
}

async function lint(document: unknown): Promise<LintReport> {
  const file = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  // Redocly exits 1 when it finds errors; the report on stdout says what they are.
  const output = await run(REDOCLY, ['lint', file, '--extends', 'recommended', '--format', 'json'], {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return JSON.parse(output.stdout) as LintReport;
}

let document: any;
beforeAll(async () => {
  const clock = new FakeClock();
  const app = createApp({
    engine: engineDeps({ clock }),
    tokens: new MemoryTokenStore(),
    idempotency: new MemoryIdempotencyStore(clock),
    flagService: new FlagService(new MemoryFlagStore(), clock),
    ...DEFAULT_API_SETTINGS,
  });
  document = await (await app.request('/openapi.json')).json();
});

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const report = await lint(document);
    expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? ''}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('would be caught by the linter without an operationId or a 4xx answer', async () => {
    const broken = structuredClone(document);
    delete broken.paths['/releases'].get.operationId;
    broken.paths['/releases/{id}'].get.responses = { 200: broken.paths['/releases/{id}'].get.responses['200'] };
    const report = await lint(broken);
    expect(report.problems.map((problem) => problem.ruleId).sort()).toEqual(['operation-4xx-response', 'operation-operationId']);
  }, 60_000);

  it('names its licence and its server, and gives every operation an id', () => {
    expect(document.info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    const ids = Object.values(document.paths).flatMap((item: any) => Object.values(item).map((operation: any) => operation.operationId));
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('types numeric query parameters as the bounded integers the server takes', () => {
    const parameter = (path: string, name: string) => document.paths[path].get.parameters.find((entry: { name: string }) => entry.name === name).schema;
    expect(parameter('/releases', 'limit')).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(parameter('/tokens', 'limit')).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
    expect(parameter('/releases/{id}/gate', 'wait')).toMatchObject({ type: 'integer', minimum: 0, maximum: 25, default: 0 });
  });

  it('describes plans, policies, flag definitions and cohort rules by their real shape', () => {
    const release = document.components.schemas.CreateRelease.properties;
    expect(release.plan.anyOf[0].enum).toContain('Canary10Percent5Minutes');
    expect(release.plan.anyOf[1].properties.steps.items.oneOf.map((step: any) => step.properties.type.const).sort()).toEqual(['approval', 'bake', 'flag', 'pause', 'traffic']);
    expect(release.policy.properties.checks.items.oneOf).toHaveLength(3);
    const putFlag = document.paths['/flags/{key}'].put.requestBody.content['application/json'].schema;
    const definition = putFlag.properties?.definition ?? document.components.schemas[putFlag.$ref.split('/').at(-1)].properties.definition;
    expect(definition.required).toEqual(['state', 'variants']);
    expect(JSON.stringify(document)).not.toContain('#/$defs/');
    expect(JSON.stringify(document)).not.toContain('x-domain-schema');
  });

  it('documents the answers every operation shares, in the error shape of its protocol', () => {
    const createRelease = document.paths['/releases'].post.responses;
    expect(Object.keys(createRelease).sort()).toEqual(['200', '201', '400', '401', '403', '409', '413', '422', '500', '503']);
    expect(createRelease['409'].description).toContain('idempotency_in_progress');
    expect(createRelease['503'].headers['Retry-After']).toBeDefined();
    const evaluate = document.paths['/ofrep/v1/evaluate/flags/{key}'].post;
    expect(evaluate.requestBody.content['application/json'].schema).toBeDefined();
    expect(evaluate.responses['500'].content['application/json'].schema.$ref).toBe('#/components/schemas/OfrepGeneralError');
    expect(evaluate.responses).not.toHaveProperty('422');
  });

  it('holds an answer to it: an undocumented status or a body of the wrong shape is a problem', () => {
    const contract = new OpenApiContract(document);
    expect(contract.problems('GET', '/releases/rel_1', 404, 'application/json', { error: { code: 'not_found', message: 'x', issues: [] } })).toEqual([]);
    expect(contract.problems('GET', '/releases/rel_1', 418, 'application/json', {})).toEqual([expect.stringContaining('status not documented')]);
    expect(contract.problems('GET', '/releases/rel_1', 404, 'application/json', { message: 'x' })).not.toEqual([]);
    expect(contract.problems('GET', '/releases/rel_1/gate', 200, 'application/json', { outcome: 'pending' })).not.toEqual([]);
  });
});

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SandboxConfigError, loadSandboxConfig } from '../../lib/sandbox/config.js';
import { REPO_ROOT, checkoutConfig, loadConfig } from './support.js';

async function issuesOf(json: unknown): Promise<string[]> {
  const error: unknown = await loadConfig(json).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SandboxConfigError);
  return (error as SandboxConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('sandbox.config.json', () => {
  it('loads the repository config: four checkout versions, live on 1, one role, hashes of the handler files', async () => {
    const config = await loadSandboxConfig(resolve(REPO_ROOT, 'sandbox.config.json'));
    const checkout = config.functions.checkout;
    expect(Object.keys(checkout?.versions ?? {})).toEqual(['1', '2', '3', '4']);
    expect(checkout?.aliases.live?.version).toBe('1');
    expect(new Set(Object.values(checkout?.versions ?? {}).map((v) => v.role)).size).toBe(1);
    const v3 = checkout?.versions['3'];
    const bytes = await readFile(resolve(REPO_ROOT, 'functions/demo/checkout/v3.ts'));
    expect(v3?.codeSha256).toBe(createHash('sha256').update(bytes).digest('base64'));
    expect(v3?.codeSize).toBe(bytes.length);
    expect(v3?.handlerPath).toBe(resolve(REPO_ROOT, 'functions/demo/checkout/v3.ts'));
  });

  it('fills the documented defaults', async () => {
    const config = await loadConfig();
    expect(config).toMatchObject({ region: 'us-east-1', accountId: '123456789012', metricPeriodSeconds: 10, metricRetentionMinutes: 360 });
    expect(config.functions.checkout?.versions['1']).toMatchObject({ timeoutSeconds: 3, memorySize: 128, runtime: 'nodejs20.x' });
  });

  it.each([
    ['a period above 60 s', checkoutConfig({}, { metricPeriodSeconds: 61 }), 'metricPeriodSeconds'],
    ['a period of 0', checkoutConfig({}, { metricPeriodSeconds: 0 }), 'metricPeriodSeconds'],
    ['an unknown key', checkoutConfig({ 2: { handlr: 'x.ts' } }), 'functions.checkout.versions.2'],
    ['a version key that is not a number', { functions: { checkout: { versions: { latest: { handler: 'functions/demo/checkout/v1.ts' } } } } }, 'functions.checkout.versions.latest'],
    ['a negative reserved concurrency', checkoutConfig({ 4: { reservedConcurrency: -1 } }), 'functions.checkout.versions.4.reservedConcurrency'],
    ['a role that is not an ARN', checkoutConfig({ 1: { role: 'admin' } }), 'functions.checkout.versions.1.role'],
  ])('names the field at fault for %s', async (_name, json, path) => {
    const issues = await issuesOf(json);
    expect(issues.some((issue) => issue.startsWith(path))).toBe(true);
  });

  it('names an alias pointing at a version that does not exist', async () => {
    const json = checkoutConfig() as { functions: { checkout: { aliases: Record<string, unknown> } } };
    json.functions.checkout.aliases = { live: { version: '7' }, canary: { version: '1', routing: { '1': 0.1 } } };
    expect(await issuesOf(json)).toEqual([
      'functions.checkout.aliases.live.version: version 7 is not in functions.checkout.versions',
      'functions.checkout.aliases.canary.routing.1: the additional version must differ from the alias version',
    ]);
  });

  it('names a handler file that cannot be read', async () => {
    const issues = await issuesOf(checkoutConfig({ 2: { handler: 'functions/demo/checkout/missing.ts' } }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^functions\.checkout\.versions\.2\.handler: cannot read .*missing\.ts/);
  });

  it('reports a file that is not JSON, naming the file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'sandbox-config-')), 'sandbox.config.json');
    await writeFile(file, '{ "functions": ');
    await expect(loadSandboxConfig(file)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\(root\\): cannot read the file as JSON`));
  });
});

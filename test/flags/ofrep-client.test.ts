/**
 * The gate's OFREP endpoints driven by the official OpenFeature OFREP providers, against the real
 * app (no socket: each provider's fetch calls `app.request`).
 *
 * - `@openfeature/ofrep-provider` (server, single evaluations, with `@openfeature/server-sdk`).
 *   Version 0.1.3 predates OFREP's `codeDefaultFlag` (an answer without `value`; its 0.2.2 added
 *   it), so for a DISABLED flag or one without a default variant it serves the code default but
 *   reports GENERAL; the wire answer is checked here instead.
 * - `@openfeature/ofrep-web-provider` (web, bulk evaluation with ETags, with `@openfeature/web-sdk`),
 *   whose `@openfeature/ofrep-core` 2.x reads `codeDefaultFlag` as the code default with the
 *   server's reason.
 */
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, type Client, type EvaluationContext } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature, type Client as WebClient } from '@openfeature/web-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagService } from '../../lib/flags/flag-service.js';
import { MemoryFlagStore } from '../../lib/memory/memory-flag-store.js';
import { ADMIN, apiWorld, type ApiWorld } from '../support/api.js';
import { FakeClock } from '../support/fakes.js';

const BASE_URL = 'http://gate.test';
const FLAGS: Record<string, unknown> = {
  'checkout-enabled': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'beta' }, 'on', null] }, metadata: { owner: 'checkout' } },
  'checkout-title': { state: 'ENABLED', variants: { classic: 'Buy', friendly: 'Complete my order' }, defaultVariant: 'classic', targeting: { if: [{ $ref: 'beta' }, 'friendly', 'classic'] } },
  'checkout-max-items': { state: 'ENABLED', variants: { few: 5, many: 50 }, defaultVariant: 'few', targeting: { if: [{ $ref: 'beta' }, 'many', null] } },
  'checkout-discount': { state: 'ENABLED', variants: { none: 0, some: 0.15 }, defaultVariant: 'none', targeting: { if: [{ $ref: 'beta' }, 'some', null] } },
  'checkout-layout': { state: 'ENABLED', variants: { compact: { columns: 1 }, wide: { columns: 3, sidebar: true } }, defaultVariant: 'compact', targeting: { if: [{ $ref: 'beta' }, 'wide', null] } },
  'checkout-killed': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
  'checkout-experiment': { state: 'ENABLED', variants: { treatment: 'B' }, targeting: { if: [{ $ref: 'beta' }, 'treatment', null] } },
  'payments-v2': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
};
const BETA = { targetingKey: 'u-ana', email: 'ana@example.com' };
const OTHER = { targetingKey: 'u-zed', email: 'zed@example.com' };

interface Exchange {
  readonly path: string;
  readonly status: number;
  readonly ifNoneMatch: string | null;
  readonly etag: string | null;
  readonly body: unknown;
}

let world: ApiWorld;
let checkoutReader: string;
const exchanges: Exchange[] = [];

/** What a provider's fetch sees, straight from the app; every exchange is recorded. */
const fetchImplementation = (async (input: string | URL | Request, init?: RequestInit) => {
  const request = new Request(input, init);
  const response = await world.conform(request.method, new URL(request.url).pathname, await world.app.request(request));
  const text = await response.clone().text();
  exchanges.push({
    path: new URL(request.url).pathname,
    status: response.status,
    ifNoneMatch: request.headers.get('If-None-Match'),
    etag: response.headers.get('ETag'),
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  });
  return response;
}) as typeof fetch;

const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]];

async function serverClient(domain: string, token: string): Promise<Client> {
  await OpenFeature.setProviderAndWait(domain, new OFREPProvider({ baseUrl: BASE_URL, fetchImplementation, headers: bearer(token) }));
  return OpenFeature.getClient(domain);
}

async function webClient(domain: string, token: string, context: EvaluationContext): Promise<WebClient> {
  await WebOpenFeature.setContext(domain, context);
  await WebOpenFeature.setProviderAndWait(domain, new OFREPWebProvider({ baseUrl: BASE_URL, fetchImplementation, headers: bearer(token), cacheMode: 'disabled', changeDetection: 'none' }));
  return WebOpenFeature.getClient(domain);
}

const lastExchange = () => exchanges.at(-1)!;

beforeAll(async () => {
  const flagService = new FlagService(new MemoryFlagStore(), new FakeClock());
  world = await apiWorld({ flags: flagService }, { flagService });
  await world.call('PUT', '/cohorts/beta', { body: { rule: { in: [{ var: 'email' }, ['ana@example.com']] }, reason: 'beta testers' } });
  for (const [key, definition] of Object.entries(FLAGS)) {
    const written = await world.call('PUT', `/flags/${key}`, { body: { definition, reason: 'set up' } });
    expect(written.status, key).toBe(200);
  }
  checkoutReader = await world.token(['flags:read'], ['*'], ['checkout-*']);
});

afterAll(async () => {
  await OpenFeature.close();
  await WebOpenFeature.close();
});

describe('the OFREP server provider', () => {
  let client: Client;
  beforeAll(async () => {
    client = await serverClient('ofrep-server', ADMIN);
  });

  it('resolves every flag type, on a targeting match and on the default', async () => {
    expect(await client.getBooleanDetails('checkout-enabled', false, BETA)).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: { owner: 'checkout' } });
    expect(await client.getBooleanDetails('checkout-enabled', true, OTHER)).toMatchObject({ value: false, variant: 'off', reason: 'DEFAULT' });
    expect(await client.getStringDetails('checkout-title', 'x', BETA)).toMatchObject({ value: 'Complete my order', variant: 'friendly', reason: 'TARGETING_MATCH' });
    expect(await client.getStringDetails('checkout-title', 'x', OTHER)).toMatchObject({ value: 'Buy', variant: 'classic', reason: 'TARGETING_MATCH' });
    expect(await client.getNumberDetails('checkout-max-items', 1, BETA)).toMatchObject({ value: 50, variant: 'many', reason: 'TARGETING_MATCH' });
    expect(await client.getNumberDetails('checkout-max-items', 1, OTHER)).toMatchObject({ value: 5, variant: 'few', reason: 'DEFAULT' });
    expect(await client.getNumberDetails('checkout-discount', 1, BETA)).toMatchObject({ value: 0.15, variant: 'some' });
    expect(await client.getNumberDetails('checkout-discount', 1, OTHER)).toMatchObject({ value: 0, variant: 'none' });
    expect(await client.getObjectDetails('checkout-layout', {}, BETA)).toMatchObject({ value: { columns: 3, sidebar: true }, variant: 'wide' });
    expect(await client.getObjectDetails('checkout-layout', {}, OTHER)).toMatchObject({ value: { columns: 1 }, variant: 'compact', reason: 'DEFAULT' });
  });

  it('serves the code default for a DISABLED flag and for one without a default variant, answered as OFREP codeDefaultFlag', async () => {
    expect((await client.getBooleanDetails('checkout-killed', false, BETA)).value).toBe(false);
    expect(lastExchange()).toMatchObject({ status: 200, body: { key: 'checkout-killed', reason: 'DISABLED', metadata: {} } });
    expect(lastExchange().body).not.toHaveProperty('value');
    expect((await client.getStringDetails('checkout-experiment', 'A', OTHER)).value).toBe('A');
    expect(lastExchange()).toMatchObject({ status: 200, body: { key: 'checkout-experiment', reason: 'DEFAULT' } });
    expect(lastExchange().body).not.toHaveProperty('value');
    expect(await client.getStringDetails('checkout-experiment', 'A', BETA)).toMatchObject({ value: 'B', variant: 'treatment', reason: 'TARGETING_MATCH' });
  });

  it.each([
    ['an unknown key', 'checkout-nope'],
    ['a key with characters no flag has', 'bad key!'],
    ['a key with a slash', 'checkout/nope'],
  ])('reports FLAG_NOT_FOUND for %s', async (_, key) => {
    const details = await client.getBooleanDetails(key, true, BETA);
    expect(details).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(lastExchange()).toMatchObject({ status: 404, body: { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: expect.any(String) as string } });
  });

  it('reports TYPE_MISMATCH when the code asks for another type', async () => {
    expect(await client.getNumberDetails('checkout-enabled', 7, BETA)).toMatchObject({ value: 7, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    expect(await client.getBooleanDetails('checkout-title', true, BETA)).toMatchObject({ value: true, errorCode: 'TYPE_MISMATCH' });
  });

  it('evaluates without a context, and reports INVALID_CONTEXT for a targeting key that is not a string', async () => {
    expect(await client.getBooleanDetails('payments-v2', false)).toMatchObject({ value: true, reason: 'STATIC' });
    expect(await client.getStringDetails('checkout-title', 'x')).toMatchObject({ value: 'Buy', reason: 'TARGETING_MATCH' });
    const invalid = await client.getBooleanDetails('checkout-enabled', true, { targetingKey: 42 } as unknown as EvaluationContext);
    expect(invalid).toMatchObject({ value: true, errorCode: 'INVALID_CONTEXT', errorMessage: 'context.targetingKey must be a string' });
    expect(lastExchange()).toMatchObject({ status: 400, body: { key: 'checkout-enabled', errorCode: 'INVALID_CONTEXT' } });
  });

  it('lets a token bound to checkout-* evaluate those flags, and answers 403 for the others', async () => {
    const reader = await serverClient('ofrep-server-checkout', checkoutReader);
    expect(await reader.getBooleanDetails('checkout-enabled', false, BETA)).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    const forbidden = await reader.getBooleanDetails('payments-v2', false, BETA);
    expect(forbidden).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'GENERAL' });
    expect(lastExchange()).toMatchObject({ status: 403, body: { errorDetails: 'this token may not act on flag payments-v2' } });
  });
});

describe('the OFREP web provider (bulk evaluation)', () => {
  it('resolves every flag type from one bulk evaluation, code defaults with the server’s reason', async () => {
    const client = await webClient('ofrep-web', ADMIN, BETA);
    expect(client.getBooleanDetails('checkout-enabled', false)).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: { owner: 'checkout' } });
    expect(client.getStringDetails('checkout-title', 'x')).toMatchObject({ value: 'Complete my order', variant: 'friendly' });
    expect(client.getNumberDetails('checkout-max-items', 1)).toMatchObject({ value: 50, variant: 'many' });
    expect(client.getNumberDetails('checkout-discount', 1)).toMatchObject({ value: 0.15, variant: 'some' });
    expect(client.getObjectDetails('checkout-layout', {})).toMatchObject({ value: { columns: 3, sidebar: true }, variant: 'wide' });
    expect(client.getBooleanDetails('checkout-killed', false)).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(client.getBooleanDetails('checkout-killed', false).errorCode).toBeUndefined();
    expect(client.getNumberDetails('checkout-enabled', 3)).toMatchObject({ value: 3, errorCode: 'TYPE_MISMATCH' });
    expect(client.getBooleanDetails('checkout-nope', true)).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
    await WebOpenFeature.setContext('ofrep-web', OTHER);
    expect(client.getStringDetails('checkout-experiment', 'A')).toMatchObject({ value: 'A', reason: 'DEFAULT' });
    expect(client.getStringDetails('checkout-experiment', 'A').errorCode).toBeUndefined();
  });

  it('initialises with a token bound to checkout-* and sees only those flags', async () => {
    const client = await webClient('ofrep-web-checkout', checkoutReader, BETA);
    expect(lastExchange()).toMatchObject({ path: '/ofrep/v1/evaluate/flags', status: 200 });
    const keys = (lastExchange().body as { flags: { key: string }[] }).flags.map((flag) => flag.key);
    expect(keys).toEqual(Object.keys(FLAGS).filter((key) => key.startsWith('checkout-')).sort());
    expect(client.getBooleanDetails('checkout-enabled', false)).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(client.getBooleanDetails('payments-v2', false)).toMatchObject({ value: false, errorCode: 'FLAG_NOT_FOUND' });
  });

  it('revalidates with If-None-Match: 304 while nothing changed, the new values once a flag changes', async () => {
    const client = await webClient('ofrep-web-etag', checkoutReader, BETA);
    const first = lastExchange();
    expect(first.etag).toMatch(/^".+"$/);
    await WebOpenFeature.setContext('ofrep-web-etag', { ...BETA });
    expect(lastExchange()).toMatchObject({ status: 304, ifNoneMatch: first.etag, etag: first.etag });
    expect(client.getStringDetails('checkout-title', 'x').value).toBe('Complete my order');
    await world.call('POST', '/flags/checkout-title/kill', { body: { reason: 'incident' } });
    await WebOpenFeature.setContext('ofrep-web-etag', { ...BETA });
    expect(lastExchange()).toMatchObject({ status: 200, ifNoneMatch: first.etag });
    expect(lastExchange().etag).not.toBe(first.etag);
    expect(client.getStringDetails('checkout-title', 'x')).toMatchObject({ value: 'x', reason: 'DISABLED' });
    await world.call('POST', '/flags/checkout-title/restore', { body: { version: 1, reason: 'fixed' } });
  });
});

describe('OFREP bulk ETags per token', () => {
  /** A bulk request as the web provider sends it. */
  const bulk = async (token: string, context: EvaluationContext, ifNoneMatch?: string) =>
    world.conform(
      'POST',
      '/ofrep/v1/evaluate/flags',
      await world.app.request('/ofrep/v1/evaluate/flags', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json; charset=utf-8', ...(ifNoneMatch === undefined ? {} : { 'If-None-Match': ifNoneMatch }) },
        body: JSON.stringify({ context }),
      }),
    );

  it('never answers 304 to a token whose view differs from the one the tag was made for', async () => {
    const everything = await bulk(ADMIN, BETA);
    const allTag = everything.headers.get('ETag')!;
    expect(((await everything.json()) as { flags: unknown[] }).flags).toHaveLength(Object.keys(FLAGS).length);
    const narrowed = await bulk(checkoutReader, BETA, allTag);
    expect(narrowed.status).toBe(200);
    const checkoutTag = narrowed.headers.get('ETag')!;
    expect(checkoutTag).not.toBe(allTag);
    expect(((await narrowed.json()) as { flags: { key: string }[] }).flags.every((flag) => flag.key.startsWith('checkout-'))).toBe(true);
    expect((await bulk(checkoutReader, BETA, checkoutTag)).status).toBe(304);
    expect((await bulk(ADMIN, BETA, checkoutTag)).status).toBe(200);
    // Another token with the same patterns sees the same flags, so it may share the tag.
    const twin = await world.token(['flags:read'], ['*'], ['checkout-*']);
    expect((await bulk(twin, BETA, checkoutTag)).status).toBe(304);
  });
});

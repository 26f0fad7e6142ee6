import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { FlagService } from '../../lib/flags/flag-service.js';
import { loadFlagFiles } from '../../lib/flags/load-flag-files.js';
import { MemoryFlagStore } from '../../lib/memory/memory-flag-store.js';

/** A stand-in for the gate API's GET /flags: bearer token, ETag, 304. */
async function gate() {
  const service = new FlagService(new MemoryFlagStore(), { now: () => 0 });
  await loadFlagFiles(service);
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    if (request.url !== '/prod/flags' || request.headers.authorization !== 'Bearer rg_test.secret') {
      response.writeHead(401).end();
      return;
    }
    void service.getFlagSet().then(({ flagSet, etag }) => {
      if (request.headers['if-none-match'] === etag) response.writeHead(304, { etag }).end();
      else response.writeHead(200, { 'content-type': 'application/json', etag }).end(JSON.stringify(flagSet));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { service, seen, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod` };
}

const event = (headers: Record<string, string>) => ({ headers }) as unknown as APIGatewayProxyEventV2;

describe('flags/examples/lambda-handler.ts', () => {
  let close: () => void = () => undefined;
  afterAll(async () => {
    close();
    await OpenFeature.close();
  });

  it('initialises once at module scope and evaluates per request with the user as targetingKey', async () => {
    const api = await gate();
    close = () => api.server.close();
    process.env.RELEASE_GATE_URL = api.url;
    process.env.RELEASE_GATE_FLAGS_TOKEN = 'rg_test.secret';
    const { handler } = await import('../../flags/examples/lambda-handler.js');

    const staff = await handler(event({ 'x-user-id': 'u-1', 'x-user-email': 'kim@release-gate.dev' }));
    expect(staff).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(String(staff.body))).toEqual({ flow: 'classic', buttonText: 'Complete my order' });
    const customer = await handler(event({ 'x-user-id': 'u-2', 'x-user-email': 'ana@example.com' }));
    expect(JSON.parse(String(customer.body))).toEqual({ flow: 'classic', buttonText: 'Buy now' });
    expect(api.seen).toHaveLength(1);
    expect(api.seen[0]?.authorization).toBe('Bearer rg_test.secret');
  });
});

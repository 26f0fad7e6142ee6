import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../../lib/engine/deps.js';
import { tick } from '../../lib/engine/tick.js';
import { MemoryReleaseStore } from '../../lib/memory/memory-release-store.js';
import { createAwsClients, SDK_RETRIES } from '../../lib/wiring/aws-clients.js';
import { buildGateDeps } from '../../lib/wiring/aws-deps.js';
import type { GateConfig } from '../../lib/wiring/config.js';
import { advance, at, confirmed, created, started } from '../contracts/release-fixtures.js';
import { FakeClock, RecordingNotifier } from '../support/fakes.js';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const TABLES = { RELEASES_TABLE: 'releases', IDEMPOTENCY_TABLE: 'idempotency', TOKENS_TABLE: 'tokens', FLAGS_TABLE: 'flags' };

describe('the SDK clients', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('all make SDK_RETRIES.maxAttempts attempts in standard mode, whatever AWS_MAX_ATTEMPTS says', async () => {
    vi.stubEnv('AWS_MAX_ATTEMPTS', '10');
    vi.stubEnv('AWS_RETRY_MODE', 'adaptive');
    const { dynamo, doc, lambda, cloudwatch } = createAwsClients({ AWS_REGION: 'eu-west-1' }, CREDENTIALS);
    for (const client of [dynamo, doc, lambda, cloudwatch]) {
      expect(await client.config.maxAttempts()).toBe(SDK_RETRIES.maxAttempts);
      const strategy = (await client.config.retryStrategy()) as { mode?: string };
      expect(strategy.mode).toBe('standard');
    }
    expect(SDK_RETRIES.maxAttempts).toBe(3);
  });
});

/**
 * The composed bound, measured on the wire: the production wiring (buildGateDeps: the client
 * factory, the router, the engine's rollback loop) against a Lambda endpoint that throttles every
 * call. aws-sdk-client-mock would replace the SDK's retry middleware, so this uses none.
 */
describe('one rollback tick against a Lambda that keeps throttling', () => {
  let server: Server;
  let endpoint: string;
  const updateAliasCalls: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.method === 'PUT' && /\/functions\/[^/]+\/aliases\/[^/]+$/.test(request.url ?? '')) updateAliasCalls.push(request.url ?? '');
      request.resume();
      // Lambda's answer to a caller over its rate, as the REST-JSON protocol carries it.
      response.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException', 'x-amzn-requestid': 'c0ffee00-0000-4000-8000-000000000000' });
      response.end(JSON.stringify({ Type: 'User', message: 'Rate exceeded', Reason: 'CallerRateLimitExceeded' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => vi.restoreAllMocks());

  it(`makes at most rollbackAttempts × SDK attempts = ${DEFAULT_ENGINE_CONFIG.rollbackAttempts} × ${SDK_RETRIES.maxAttempts} UpdateAlias calls, then leaves the release rolling_back`, async () => {
    // The SDK's backoff is random × base × 2^n; zero makes its waits instant without changing how often it tries.
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const config: GateConfig = {
      AWS_REGION: 'eu-west-1',
      ...TABLES,
      EVALUATION_INTERVAL_SECONDS: 60,
      METRIC_PERIOD_SECONDS: 60,
      METRIC_SETTLE_SECONDS: 60,
      LAMBDA_ENDPOINT: endpoint,
    };
    const clock = new FakeClock(Date.parse(at(3)));
    const gate = buildGateDeps(config, { info: () => undefined, warn: () => undefined, error: () => undefined }, { credentials: CREDENTIALS, clock });
    const store = new MemoryReleaseStore();
    const release = await created(store, { id: 'rel-1' });
    await advance(store, release, [started(), confirmed(), { type: 'rollback_started', at: at(2), intent: 'rollback', reason: 'errors', actor: 'alice' }], {
      nextEvaluationAt: at(2),
    });
    const deps = { ...gate.engine, store, notifier: new RecordingNotifier() };

    const outcome = await tick(deps, 'rel-1');

    expect(updateAliasCalls).toHaveLength(deps.config.rollbackAttempts * SDK_RETRIES.maxAttempts);
    expect(updateAliasCalls).toHaveLength(9);
    expect(outcome).toMatchObject({
      status: 'rollback_pending',
      error: 'alias not yet back on version 1: lambda UpdateAlias checkout:live is unavailable after 3 attempts: TooManyRequestsException: Rate exceeded',
    });
    expect((await store.get('rel-1'))?.state).toBe('rolling_back');
  });
});

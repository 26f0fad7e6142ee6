/**
 * A Lambda function that reads Release Gate flags through OpenFeature.
 *
 * The provider is created and initialised once, at module scope, so only a cold start pays for
 * the first fetch; every request then evaluates in process against the cached set, which the
 * provider refreshes in the background (a 304 when nothing changed).
 *
 * Environment: RELEASE_GATE_URL (the gate API's base URL) and RELEASE_GATE_FLAGS_TOKEN (a token
 * with the `flags:read` scope; in production, read it from Secrets Manager at cold start).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { OpenFeature } from '@openfeature/server-sdk';
import { HttpFlagSource } from '../provider/http-flag-source.js';
import { ReleaseGateProvider } from '../provider/release-gate-provider.js';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

const provider = new ReleaseGateProvider({
  source: new HttpFlagSource({ baseUrl: requiredEnv('RELEASE_GATE_URL'), token: requiredEnv('RELEASE_GATE_FLAGS_TOKEN') }),
  refreshIntervalMs: 30_000,
  staleAfterMs: 120_000,
});
// Rejects (and so fails the cold start, which Lambda retries) when the first set cannot be read.
await OpenFeature.setProviderAndWait(provider);
const flags = OpenFeature.getClient('checkout');

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // targetingKey keeps each user in the same ramp bucket on every request and every instance.
  const context = { targetingKey: event.headers['x-user-id'] ?? 'anonymous', email: event.headers['x-user-email'] ?? '' };
  const onePage = await flags.getBooleanValue('new-checkout-flow', false, context);
  const buttonText = await flags.getStringValue('checkout-button-text', 'Buy now', context);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ flow: onePage ? 'one-page' : 'classic', buttonText }),
  };
}

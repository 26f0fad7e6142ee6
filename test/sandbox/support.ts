/** Shared fixtures for the sandbox tests: a started sandbox with real SDK clients, fake time and seeded randomness. */
import { fileURLToPath } from 'node:url';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { resolveSandboxConfig, type SandboxConfig } from '../../lib/sandbox/config.js';
import { importHandler, type LambdaHandler } from '../../lib/sandbox/handler-runner.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../lib/sandbox/sandbox-server.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ROLE = 'arn:aws:iam::123456789012:role/checkout-role';

/** A period-aligned start, so bucket boundaries in tests are where they look. */
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

export class FakeClock {
  constructor(public t = T0) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** mulberry32: a small seeded generator, so routing draws repeat exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The demo function's four versions, with overrides per version. */
export function checkoutConfig(overrides: Record<string, Record<string, unknown>> = {}, extra: Record<string, unknown> = {}): unknown {
  const versions = Object.fromEntries(['1', '2', '3', '4'].map((v) => [v, { handler: `functions/demo/checkout/v${v}.ts`, role: ROLE, ...overrides[v] }]));
  return { functions: { checkout: { versions, aliases: { live: { version: '1' } } } }, ...extra };
}

export async function loadConfig(json: unknown = checkoutConfig()): Promise<SandboxConfig> {
  return resolveSandboxConfig(json, REPO_ROOT);
}

/** Fake handlers by version number; a version without one runs its real module. */
export function fakeHandlers(handlers: Record<string, LambdaHandler>): NonNullable<SandboxOptions['loadHandler']> {
  return async (spec) => handlers[spec.version] ?? importHandler(spec);
}

export interface Harness {
  readonly sandbox: Sandbox;
  readonly lambda: LambdaClient;
  readonly cloudwatch: CloudWatchClient;
  stop(): Promise<void>;
}

export async function startHarness(options: Partial<SandboxOptions> & { maxAttempts?: number } = {}): Promise<Harness> {
  const { maxAttempts, ...rest } = options;
  const sandbox = await startSandbox({ config: options.config ?? (await loadConfig()), ...rest });
  const clientConfig = {
    endpoint: sandbox.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  };
  const lambda = new LambdaClient(clientConfig);
  const cloudwatch = new CloudWatchClient(clientConfig);
  return {
    sandbox,
    lambda,
    cloudwatch,
    stop: async () => {
      lambda.destroy();
      cloudwatch.destroy();
      await sandbox.stop();
    },
  };
}

export function decode(payload: Uint8Array | undefined): unknown {
  return JSON.parse(new TextDecoder().decode(payload));
}

export function encode(event: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(event));
}

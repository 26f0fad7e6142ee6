/**
 * The demonstration against the local world: a healthy version is promoted and succeeds, a
 * failing one is rolled back by itself. Like a pipeline, it reads the alias from Lambda (here the
 * sandbox) and talks to the gate over HTTP only, so it can run again and again on one world.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { sdkClientConfig } from '../wiring/aws-clients.js';
import { LambdaAliasRouter } from '../aws/lambda-alias-router.js';
import { ApiClient, segment } from '../cli/client.js';
import { ApiCallError, apiErrorLines, type ErrorContext } from '../cli/errors.js';
import { plural } from '../core/format.js';

export interface DemoOptions {
  readonly url: string;
  readonly token: string;
  /** The sandbox's Lambda API, where the demo reads the alias as `aws lambda get-alias` would. */
  readonly sandboxEndpoint: string;
  readonly log: (line: string) => void;
  readonly functionName?: string | undefined;
  readonly alias?: string | undefined;
  /**
   * Versions in sandbox.config.json that behave well; the demo releases the first one the alias
   * does not run, so a second run releases 1 after the first promoted 2. @default ['2', '1']
   */
  readonly healthyVersions?: readonly string[] | undefined;
  /** A version that fails 5% of requests; the gate never promotes it, so it can be released every run. @default '3' */
  readonly failingVersion?: string | undefined;
  /** Give up on a release after this long. @default 10 minutes */
  readonly timeoutMs?: number | undefined;
  /** Bakes short enough for a demo; the default plan's five-minute steps would take an hour. */
  readonly plan?: unknown;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch | undefined;
  /** Waits between retries of an unavailable gate. @default a timer */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** The gate is on loopback: a short retry covers a busy moment, and a world that is not there fails fast. */
const DEMO_RETRY = { budgetMs: 10_000, baseDelayMs: 500, maxDelayMs: 2_000 };

interface Gate {
  outcome: string;
  state: string;
  weight: number;
  explanation: string;
  revision: number;
}

interface StoredEvent {
  seq: number;
  at: string;
  type: string;
  event: { decision?: { action: string; explanation: string; at: string }; durationMs?: number; attempts?: number; weight?: number };
}

export interface DemoRelease {
  readonly id: string;
  readonly version: string;
  /** The version the alias ran when the release started. */
  readonly stableVersion: string;
  readonly outcome: string;
  readonly decisions: readonly { at: string; action: string; explanation: string }[];
  /** Requests the new version served while it had traffic. */
  readonly requestsServed: number;
  readonly requestsFailed: number;
  /** From the failing verdict to the alias confirmed back on the stable version. */
  readonly restoreMs?: number | undefined;
  readonly chainVerified: boolean;
}

export interface DemoResult {
  readonly ok: boolean;
  readonly healthy: DemoRelease;
  readonly failing: DemoRelease;
}

export const DEMO_PLAN = {
  steps: [
    { type: 'traffic', weight: 10, minBake: '20s' },
    { type: 'traffic', weight: 50, minBake: '20s' },
  ],
  verification: '20s',
};

const TERMINAL = new Set(['succeeded', 'rolled_back', 'aborted']);
/** The API caps a long poll at 25 seconds. */
const POLL_SECONDS = 20;

/** Runs the two releases; an API refusal rejects with the CLI's ApiCallError, which demo-cli prints as sentences. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const functionName = options.functionName ?? 'checkout';
  const alias = options.alias ?? 'live';
  const api = new ApiClient({ url: options.url, token: options.token, tokenSource: 'the local world' }, options.fetch ?? globalThis.fetch, { sleep: options.sleep ?? ((ms) => delay(ms)), retry: DEMO_RETRY });
  const lambda = new LambdaClient(sdkClientConfig('us-east-1', { endpoint: options.sandboxEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  const router = new LambdaAliasRouter({ client: lambda });

  const release = async (version: string, expected: string): Promise<DemoRelease> => {
    const routing = await router.read(functionName, alias);
    options.log(`\n▶ ${functionName}:${alias} runs version ${routing.functionVersion}; releasing version ${version} (expecting ${expected.replace('_', ' ')})`);
    const created = (
      await api.request<{ id: string; stableVersion: string }>('POST', '/releases', {
        body: { function: functionName, alias, version, plan: options.plan ?? DEMO_PLAN, description: `demo: version ${version}` },
      })
    ).body;
    const path = `/releases/${segment(created.id)}`;
    const timeoutMs = options.timeoutMs ?? 10 * 60_000;
    const deadline = Date.now() + timeoutMs;
    let gate = (await api.get<Gate>(`${path}/gate`)).body;
    let shown = '';
    while (!TERMINAL.has(gate.state) && Date.now() < deadline) {
      gate = (await api.get<Gate>(`${path}/gate`, { wait: POLL_SECONDS, since: gate.revision }, (POLL_SECONDS + 30) * 1000)).body;
      const line = `  ${gate.state.padEnd(12)} ${String(gate.weight).padStart(3)}%  ${gate.explanation}`;
      if (line !== shown) options.log(line.length > 200 ? `${line.slice(0, 197)}…` : line);
      shown = line;
    }
    if (!TERMINAL.has(gate.state)) {
      options.log(`  still ${gate.state} at ${gate.weight}% after ${Math.round(timeoutMs / 60_000)} min; the release carries on without the demo (npm run cli -- wait ${created.id})`);
    }
    const { events, chain } = (await api.get<{ events: StoredEvent[]; chain: { ok: boolean } }>(`${path}/events`)).body;
    const metrics = (await api.get<{ observation: { ok: boolean; periods?: { canary: { invocations: number; errors: number } }[] } }>(`${path}/metrics`)).body;
    const periods = metrics.observation.periods ?? [];
    const decisions = events.flatMap((stored) =>
      stored.event.decision && stored.event.decision.action !== 'hold'
        ? [{ at: stored.at, action: stored.event.decision.action, explanation: stored.event.decision.explanation }]
        : [],
    );
    const rolledBack = events.find((stored) => stored.type === 'rolled_back');
    return {
      id: created.id,
      version,
      stableVersion: created.stableVersion,
      outcome: gate.state,
      decisions,
      requestsServed: periods.reduce((sum, period) => sum + period.canary.invocations, 0),
      requestsFailed: periods.reduce((sum, period) => sum + period.canary.errors, 0),
      restoreMs: rolledBack?.event.durationMs,
      chainVerified: chain.ok,
    };
  };

  try {
    const live = (await router.read(functionName, alias)).functionVersion;
    const candidates = options.healthyVersions ?? ['2', '1'];
    // A pipeline releases what it just built; the sandbox's versions are fixed, so the demo
    // releases a healthy one that the alias does not run yet.
    const healthyVersion = candidates.find((version) => version !== live) ?? candidates[0] ?? '2';
    const healthy = await release(healthyVersion, 'succeeded');
    const failing = await release(options.failingVersion ?? '3', 'rolled_back');
    const ok = healthy.outcome === 'succeeded' && failing.outcome === 'rolled_back' && healthy.chainVerified && failing.chainVerified;

    options.log('\nSummary');
    for (const result of [healthy, failing]) {
      options.log(`\n  version ${result.stableVersion} → ${result.version}: ${result.outcome} (${result.id}; audit chain ${result.chainVerified ? 'verified' : 'BROKEN'})`);
      for (const decision of result.decisions) options.log(`    ${decision.at.slice(11, 19)}  ${decision.action.padEnd(8)} ${decision.explanation}`);
    }
    options.log(`\n  version ${failing.version} served ${plural(failing.requestsServed, 'request')} (${failing.requestsFailed} failed) before the rollback`);
    if (failing.restoreMs !== undefined) options.log(`  from the failing verdict to the alias confirmed back on the stable version: ${failing.restoreMs} ms`);
    options.log(`\n${ok ? '✔ both outcomes are right' : '✘ an outcome is wrong'}`);
    return { ok, healthy, failing };
  } finally {
    lambda.destroy();
  }
}

/** A failure of the demo for people: an API refusal as the CLI prints it, anything else by its message. */
export function demoErrorText(error: unknown, context: ErrorContext): string {
  const lines = error instanceof ApiCallError ? apiErrorLines(error, context) : [error instanceof Error ? error.message : String(error)];
  return `demo: ${lines.join('\n')}\n`;
}

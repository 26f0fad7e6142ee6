/**
 * The demonstration against the local world: a healthy version is promoted and succeeds, a
 * failing one is rolled back by itself. It talks to the gate over HTTP only, as a pipeline would.
 */
import { plural } from '../core/format.js';

export interface DemoOptions {
  readonly url: string;
  readonly token: string;
  readonly log: (line: string) => void;
  readonly functionName?: string | undefined;
  readonly alias?: string | undefined;
  /** Versions in sandbox.config.json: a healthy one and one that fails 5% of requests. */
  readonly healthyVersion?: string | undefined;
  readonly failingVersion?: string | undefined;
  /** Give up on a release after this long. @default 10 minutes */
  readonly timeoutMs?: number | undefined;
  /** Bakes short enough for a demo; the default plan's five-minute steps would take an hour. */
  readonly plan?: unknown;
}

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

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const functionName = options.functionName ?? 'checkout';
  const alias = options.alias ?? 'live';
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${options.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${options.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  };

  const release = async (version: string, expected: string): Promise<DemoRelease> => {
    options.log(`\n▶ releasing ${functionName} version ${version} (expecting ${expected.replace('_', ' ')})`);
    const created = await call<{ id: string }>('POST', '/releases', {
      function: functionName,
      alias,
      version,
      plan: options.plan ?? DEMO_PLAN,
      description: `demo: version ${version}`,
    });
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    let gate = await call<Gate>('GET', `/releases/${created.id}/gate`);
    let shown = '';
    while (!TERMINAL.has(gate.state) && Date.now() < deadline) {
      gate = await call<Gate>('GET', `/releases/${created.id}/gate?wait=20&since=${gate.revision}`);
      const line = `  ${gate.state.padEnd(12)} ${String(gate.weight).padStart(3)}%  ${gate.explanation}`;
      if (line !== shown) options.log(line.length > 200 ? `${line.slice(0, 197)}…` : line);
      shown = line;
    }
    const { events, chain } = await call<{ events: StoredEvent[]; chain: { ok: boolean } }>('GET', `/releases/${created.id}/events`);
    const metrics = await call<{ observation: { ok: boolean; periods?: { canary: { invocations: number; errors: number } }[] } }>('GET', `/releases/${created.id}/metrics`);
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
      outcome: gate.state,
      decisions,
      requestsServed: periods.reduce((sum, period) => sum + period.canary.invocations, 0),
      requestsFailed: periods.reduce((sum, period) => sum + period.canary.errors, 0),
      restoreMs: rolledBack?.event.durationMs,
      chainVerified: chain.ok,
    };
  };

  const healthy = await release(options.healthyVersion ?? '2', 'succeeded');
  const failing = await release(options.failingVersion ?? '3', 'rolled_back');
  const ok = healthy.outcome === 'succeeded' && failing.outcome === 'rolled_back' && healthy.chainVerified && failing.chainVerified;

  options.log('\nSummary');
  for (const result of [healthy, failing]) {
    options.log(`\n  version ${result.version} → ${result.outcome} (${result.id}; audit chain ${result.chainVerified ? 'verified' : 'BROKEN'})`);
    for (const decision of result.decisions) options.log(`    ${decision.at.slice(11, 19)}  ${decision.action.padEnd(8)} ${decision.explanation}`);
  }
  options.log(`\n  version ${failing.version} served ${plural(failing.requestsServed, 'request')} (${failing.requestsFailed} failed) before the rollback`);
  if (failing.restoreMs !== undefined) options.log(`  from the failing verdict to the alias confirmed back on the stable version: ${failing.restoreMs} ms`);
  options.log(`\n${ok ? '✔ both outcomes are right' : '✘ an outcome is wrong'}`);
  return { ok, healthy, failing };
}

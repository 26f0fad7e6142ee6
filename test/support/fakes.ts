import type { AliasRouting } from '../../lib/core/release.js';
import type { ArmStats, Observation, Period } from '../../lib/core/metrics.js';
import { DEFAULT_ENGINE_CONFIG, silentLogger, type EngineConfig, type EngineDeps } from '../../lib/engine/deps.js';
import { NotFoundError, VersionRejectedError } from '../../lib/errors.js';
import { MemoryReleaseStore } from '../../lib/memory/memory-release-store.js';
import type { Clock, FlagRamps, MetricsRequest, MetricsSource, Notice, Notifier, ReleaseStore, TrafficRouter, VersionCheck } from '../../lib/ports.js';

// After the real date: DynamoDB Local's TTL reaper would otherwise delete idempotency records that expire "in the past".
export const T0 = Date.parse('2030-01-07T10:00:00.000Z');
export const MINUTE = 60_000;

/** Time moves only when a test says so; sleeping moves it too. */
export class FakeClock implements Clock {
  constructor(public time = T0) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.time += ms;
    await Promise.resolve();
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Lambda aliases in memory, with the same read-back contract as the real router. */
export class FakeRouter implements TrafficRouter {
  readonly aliases = new Map<string, AliasRouting>();
  readonly calls: string[] = [];
  /** Every routing each alias had, from when: the scripted metrics split traffic by it. */
  readonly history: { at: number; alias: string; routing: AliasRouting }[] = [];
  /** Makes the next `n` writes fail, as a throttled or failing Lambda API would. */
  failNextWrites = 0;

  constructor(
    private readonly clock: Clock,
    aliases: Record<string, AliasRouting> = { 'checkout:live': { functionVersion: '1' } },
  ) {
    for (const [key, routing] of Object.entries(aliases)) this.set(key, routing);
  }

  /** Changes an alias, as the Lambda console or another tool would. */
  set(alias: string, routing: AliasRouting): void {
    this.aliases.set(alias, routing);
    this.history.push({ at: this.clock.now(), alias, routing });
  }

  /** The new version's percent of an alias's traffic at a time. */
  weightAt(alias: string, version: string, at: number): number {
    const routing = this.history.filter((entry) => entry.alias === alias && entry.at <= at).at(-1)?.routing;
    if (routing === undefined) return 0;
    if (routing.functionVersion === version) return 100 - (routing.additionalWeight ?? 0);
    return routing.additionalVersion === version ? (routing.additionalWeight ?? 0) : 0;
  }

  async read(functionName: string, alias: string): Promise<AliasRouting> {
    await Promise.resolve();
    const routing = this.aliases.get(`${functionName}:${alias}`);
    if (routing === undefined) throw new NotFoundError(`alias ${functionName}:${alias}`);
    return routing;
  }

  private async write(functionName: string, alias: string, routing: AliasRouting, call: string): Promise<AliasRouting> {
    this.calls.push(call);
    if (this.failNextWrites > 0) {
      this.failNextWrites -= 1;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    }
    this.set(`${functionName}:${alias}`, routing);
    return this.read(functionName, alias);
  }

  shift(functionName: string, alias: string, stable: string, version: string, weight: number): Promise<AliasRouting> {
    return this.write(functionName, alias, { functionVersion: stable, additionalVersion: version, additionalWeight: weight }, `shift ${weight}`);
  }
  promote(functionName: string, alias: string, version: string): Promise<AliasRouting> {
    return this.write(functionName, alias, { functionVersion: version }, 'promote');
  }
  rollback(functionName: string, alias: string, stable: string): Promise<AliasRouting> {
    return this.write(functionName, alias, { functionVersion: stable }, 'rollback');
  }
  async validateVersion(check: VersionCheck): Promise<void> {
    await Promise.resolve();
    if (check.version === '$LATEST') throw new VersionRejectedError(check.functionName, check.version, 'version_unpublished', '$LATEST is not a version');
    if (check.version === '404') throw new VersionRejectedError(check.functionName, check.version, 'version_not_found', 'no such version');
  }
}

export interface VersionBehaviour {
  readonly requestsPerMinute: number;
  readonly errorRate: number;
  readonly p99: number;
}

/**
 * Metrics from a simple deterministic world: each minute since the release started, the new
 * version gets `weight`% of the traffic, with the behaviour the test gives each version.
 */
export class ScriptedMetrics implements MetricsSource {
  readonly requests: MetricsRequest[][] = [];
  outage = false;
  constructor(
    private readonly clock: Clock,
    private readonly router: FakeRouter,
    public canary: VersionBehaviour = { requestsPerMinute: 1000, errorRate: 0.005, p99: 300 },
    public baseline: VersionBehaviour = { requestsPerMinute: 1000, errorRate: 0.005, p99: 300 },
  ) {}

  async observe(requests: readonly MetricsRequest[]): Promise<Map<string, Observation>> {
    await Promise.resolve();
    this.requests.push([...requests]);
    const answers = new Map<string, Observation>();
    for (const request of requests) {
      if (this.outage) {
        answers.set(request.key, { ok: false, error: 'ServiceUnavailable: CloudWatch is down' });
        continue;
      }
      const periods: Period[] = [];
      // Whole minutes that ended at least a minute ago: the newest, partial minute is left out.
      for (let start = Math.floor(request.from / MINUTE) * MINUTE; start + 2 * MINUTE <= this.clock.now(); start += MINUTE) {
        const share = this.router.weightAt(`${request.functionName}:${request.alias}`, request.canaryVersion, start) / 100;
        const arm = (behaviour: VersionBehaviour, fraction: number): ArmStats => {
          const invocations = Math.round(behaviour.requestsPerMinute * fraction);
          return invocations === 0
            ? { invocations: 0, errors: 0, throttles: 0 }
            : { invocations, errors: Math.round(invocations * behaviour.errorRate), throttles: 0, p50: behaviour.p99 / 3, p90: behaviour.p99 / 1.5, p99: behaviour.p99 };
        };
        periods.push({ start, end: start + MINUTE, canary: arm(this.canary, share), baseline: arm(this.baseline, 1 - share) });
      }
      answers.set(request.key, { ok: true, periods });
    }
    return answers;
  }
}

export class RecordingNotifier implements Notifier {
  readonly notices: Notice[] = [];
  async notify(notice: Notice): Promise<void> {
    await Promise.resolve();
    this.notices.push(notice);
  }
}

/** Flag ramps in memory: each ramp or restore writes a new version. */
export class FakeFlags implements FlagRamps {
  readonly versions = new Map<string, { version: number; cohort?: string; percent?: number; restoredTo?: number | null }[]>();
  async currentVersion(key: string): Promise<number | null> {
    await Promise.resolve();
    return this.versions.get(key)?.at(-1)?.version ?? null;
  }
  async ramp(input: { key: string; cohort: string; percent: number }): Promise<{ previousVersion: number | null; appliedVersion: number }> {
    const previousVersion = await this.currentVersion(input.key);
    const appliedVersion = (previousVersion ?? 0) + 1;
    this.versions.set(input.key, [...(this.versions.get(input.key) ?? []), { version: appliedVersion, cohort: input.cohort, percent: input.percent }]);
    return { previousVersion, appliedVersion };
  }
  async restore(input: { key: string; version: number | null }): Promise<void> {
    const current = (await this.currentVersion(input.key)) ?? 0;
    this.versions.set(input.key, [...(this.versions.get(input.key) ?? []), { version: current + 1, restoredTo: input.version }]);
  }
}

let counter = 0;

export function engineDeps(overrides: Partial<Omit<EngineDeps, 'config'>> & { config?: Partial<EngineConfig>; store?: ReleaseStore } = {}): EngineDeps & {
  clock: FakeClock;
} {
  const clock = (overrides.clock as FakeClock | undefined) ?? new FakeClock();
  const router = overrides.router ?? new FakeRouter(clock);
  return {
    store: overrides.store ?? new MemoryReleaseStore(),
    router,
    metrics: overrides.metrics ?? new ScriptedMetrics(clock, router as FakeRouter),
    notifier: overrides.notifier ?? new RecordingNotifier(),
    flags: overrides.flags,
    invoker: overrides.invoker,
    logger: overrides.logger ?? silentLogger,
    newId: overrides.newId ?? (() => `rel-${(counter += 1)}`),
    config: { ...DEFAULT_ENGINE_CONFIG, ...overrides.config },
    clock,
  };
}

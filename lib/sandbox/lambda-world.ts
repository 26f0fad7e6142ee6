/**
 * The sandbox's Lambda: functions with published versions and weighted aliases, answering in
 * Lambda's JSON shapes, and an invoke path that runs the real handler module of the version the
 * alias's weights pick, then records the metrics Lambda would publish.
 *
 * `$LATEST` runs the code of the highest published version (the sandbox has no unpublished code).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { SandboxConfig, SandboxVersion } from './config.js';
import { LambdaServiceError } from './errors.js';
import { createContext, importHandler, runHandler, errorPayload, type HandlerLoader, type HandlerOutcome, type LambdaHandler } from './handler-runner.js';
import { functionArn, parseFunctionName, withQualifier, type Account, type FunctionRef } from './lambda-names.js';
import { aliasShape, configurationShape, type AliasState } from './lambda-shapes.js';
import { MetricRecorder } from './metric-recorder.js';

export interface LambdaWorldOptions {
  readonly config: SandboxConfig;
  /** Epoch ms; stamps metric datapoints. @default Date.now */
  readonly clock?: { now(): number } | undefined;
  /** Picks the version an alias routes to. @default Math.random */
  readonly random?: (() => number) | undefined;
  /** Monotonic ms; measures Duration. @default performance.now */
  readonly stopwatch?: (() => number) | undefined;
  /** @default importHandler: `import()` of the version's handler file */
  readonly loadHandler?: HandlerLoader | undefined;
  /** The recorder keeps what changed since it was last saved (see MetricRecorder.takeChanges). @default false */
  readonly trackMetricChanges?: boolean | undefined;
}

export interface AliasUpdate {
  readonly FunctionVersion?: string | undefined;
  readonly Description?: string | undefined;
  readonly RoutingConfig?: { readonly AdditionalVersionWeights?: Record<string, number> | undefined } | undefined;
  readonly RevisionId?: string | undefined;
}

export interface InvokeResult {
  readonly executedVersion: string;
  /** The handler's result as JSON, or Lambda's error payload. */
  readonly payload: string;
  readonly functionError?: 'Unhandled' | undefined;
}

interface FunctionState {
  readonly versions: ReadonlyMap<string, SandboxVersion>;
  readonly aliases: Map<string, AliasState>;
  readonly revisionIds: ReadonlyMap<string, string>;
}

const LATEST = '$LATEST';
const VERSION = /^[1-9][0-9]*$/;
const DEFAULT_PAGE = 50;

export class LambdaWorld {
  readonly metrics: MetricRecorder;
  private readonly account: Account;
  private readonly functions = new Map<string, FunctionState>();
  private readonly handlers = new Map<SandboxVersion, Promise<LambdaHandler>>();
  private readonly running = new Map<string, number>();
  private readonly clock: { now(): number };
  private readonly random: () => number;
  private readonly stopwatch: () => number;
  private readonly loadHandler: HandlerLoader;
  private readonly aliasListeners = new Set<() => void>();

  constructor(options: LambdaWorldOptions) {
    const { config } = options;
    this.account = { region: config.region, accountId: config.accountId };
    this.clock = options.clock ?? { now: () => Date.now() };
    this.random = options.random ?? Math.random;
    this.stopwatch = options.stopwatch ?? (() => performance.now());
    this.loadHandler = options.loadHandler ?? importHandler;
    this.metrics = new MetricRecorder({
      periodSeconds: config.metricPeriodSeconds,
      retentionMs: config.metricRetentionMinutes * 60_000,
      clock: this.clock,
      trackChanges: options.trackMetricChanges,
    });
    for (const [name, fn] of Object.entries(config.functions)) {
      const versions = new Map(Object.entries(fn.versions).sort(([a], [b]) => Number(a) - Number(b)));
      const aliases = new Map(Object.entries(fn.aliases).map(([alias, spec]) => [alias, {
        functionVersion: spec.version, weights: { ...spec.routing }, description: spec.description, revisionId: randomUUID(),
      }]));
      const revisionIds = new Map([...versions.keys(), LATEST].map((version) => [version, randomUUID()]));
      this.functions.set(name, { versions, aliases, revisionIds });
    }
  }

  getAlias(functionName: string, alias: string): Record<string, unknown> {
    const { ref, fn } = this.unqualified(functionName);
    return aliasShape(this.account, ref.name, alias, this.alias(ref.name, fn, alias));
  }

  updateAlias(functionName: string, alias: string, update: AliasUpdate): Record<string, unknown> {
    const { ref, fn } = this.unqualified(functionName);
    const state = this.alias(ref.name, fn, alias);
    if (update.RevisionId !== undefined && update.RevisionId !== state.revisionId) {
      throw new LambdaServiceError('PreconditionFailedException', 'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id');
    }
    const functionVersion = update.FunctionVersion ?? state.functionVersion;
    const weights = update.RoutingConfig ? { ...update.RoutingConfig.AdditionalVersionWeights } : state.weights;
    this.checkRouting(ref.name, fn, functionVersion, weights);
    Object.assign(state, { functionVersion, weights, description: update.Description ?? state.description, revisionId: randomUUID() });
    for (const listener of this.aliasListeners) listener();
    return aliasShape(this.account, ref.name, alias, state);
  }

  /** Called after every alias change, so the state can be saved. */
  onAliasChange(listener: () => void): void {
    this.aliasListeners.add(listener);
  }

  /** Each function's aliases as they route now, RevisionIds included. */
  aliasStates(): Record<string, Record<string, AliasState>> {
    return Object.fromEntries(
      [...this.functions].map(([name, fn]) => [name, Object.fromEntries([...fn.aliases].map(([alias, state]) => [alias, { ...state, weights: { ...state.weights } }]))]),
    );
  }

  /**
   * Puts an alias back as it was saved, RevisionId and all, so a gate that read it before a
   * restart finds it unchanged. Lambda's routing rules still apply: a LambdaServiceError says why not.
   */
  restoreAlias(functionName: string, alias: string, saved: AliasState): void {
    const fn = this.function(functionName);
    const state = this.alias(functionName, fn, alias);
    this.checkRouting(functionName, fn, saved.functionVersion, saved.weights);
    Object.assign(state, { functionVersion: saved.functionVersion, weights: { ...saved.weights }, description: saved.description, revisionId: saved.revisionId });
  }

  getFunctionConfiguration(functionName: string, qualifier?: string): Record<string, unknown> {
    const ref = withQualifier(parseFunctionName(functionName, this.account), qualifier);
    const fn = this.function(ref.name);
    const target = ref.qualifier ?? LATEST;
    const aliased = fn.aliases.get(target);
    const version = aliased ? aliased.functionVersion : target;
    return this.describe(ref.name, fn, version);
  }

  listVersions(functionName: string, marker?: string, maxItems = DEFAULT_PAGE): { Versions: Record<string, unknown>[]; NextMarker?: string } {
    const { ref, fn } = this.unqualified(functionName);
    if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10_000) {
      throw new LambdaServiceError('InvalidParameterValueException', `MaxItems must be between 1 and 10000, got ${maxItems}`);
    }
    const all = [LATEST, ...fn.versions.keys()];
    const offset = marker === undefined ? 0 : all.indexOf(marker);
    if (offset < 0) throw new LambdaServiceError('InvalidParameterValueException', `Marker ${marker} is not valid`);
    const page = all.slice(offset, offset + maxItems);
    const next = all[offset + maxItems];
    return {
      Versions: page.map((version) => this.describe(ref.name, fn, version)),
      ...(next === undefined ? {} : { NextMarker: next }),
    };
  }

  /** Requests of this function's version (or `$LATEST`) running now. */
  inFlight(functionName: string, version: string): number {
    return this.running.get(`${functionName}:${version}`) ?? 0;
  }

  async invoke(functionName: string, qualifier: string | undefined, event: unknown): Promise<InvokeResult> {
    const ref = withQualifier(parseFunctionName(functionName, this.account), qualifier);
    const fn = this.function(ref.name);
    const target = ref.qualifier ?? LATEST;
    const alias = fn.aliases.get(target);
    const executedVersion = alias ? this.pickVersion(alias) : target;
    const spec = this.version(ref.name, fn, executedVersion);
    const dimensions = {
      functionName: ref.name,
      resource: ref.qualifier === undefined ? undefined : `${ref.name}:${ref.qualifier}`,
      executedVersion: alias ? executedVersion : undefined,
    };
    const key = `${ref.name}:${executedVersion}`;
    const running = this.running.get(key) ?? 0;
    if (spec.reservedConcurrency !== undefined && running >= spec.reservedConcurrency) {
      this.metrics.recordThrottle(dimensions, this.clock.now());
      throw new LambdaServiceError('TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    }
    this.running.set(key, running + 1);
    const startedAt = this.clock.now();
    try {
      const outcome = await this.run(ref, spec, executedVersion, event);
      this.metrics.recordInvocation(dimensions, startedAt, outcome.durationMs, !outcome.ok);
      return outcome.ok
        ? { executedVersion, payload: JSON.stringify(outcome.result ?? null) }
        : { executedVersion, payload: JSON.stringify(outcome.error), functionError: 'Unhandled' };
    } finally {
      this.running.set(key, (this.running.get(key) ?? 1) - 1);
    }
  }

  private async run(ref: FunctionRef, spec: SandboxVersion, executedVersion: string, event: unknown): Promise<HandlerOutcome & { durationMs: number }> {
    let handler: LambdaHandler;
    try {
      handler = await this.handlerOf(spec);
    } catch (error) {
      return { ok: false, error: errorPayload(error), durationMs: 0 };
    }
    const timeoutMs = spec.timeoutSeconds * 1000;
    const started = this.stopwatch();
    const context = createContext({
      functionName: ref.name,
      functionVersion: executedVersion,
      invokedFunctionArn: functionArn(this.account, ref.name, ref.qualifier),
      awsRequestId: randomUUID(),
      memorySize: spec.memorySize,
      remaining: () => started + timeoutMs - this.stopwatch(),
    });
    const outcome = await runHandler(handler, event, context, timeoutMs);
    return { ...outcome, durationMs: Math.min(this.stopwatch() - started, timeoutMs) };
  }

  /** Loads each version's module once; a failed load is retried on the next invoke, like a new cold start. */
  private handlerOf(spec: SandboxVersion): Promise<LambdaHandler> {
    let handler = this.handlers.get(spec);
    if (!handler) {
      handler = this.loadHandler(spec);
      this.handlers.set(spec, handler);
      handler.catch(() => this.handlers.delete(spec));
    }
    return handler;
  }

  private pickVersion(alias: AliasState): string {
    const draw = this.random();
    let cumulative = 0;
    for (const [version, weight] of Object.entries(alias.weights)) {
      cumulative += weight;
      if (draw < cumulative) return version;
    }
    return alias.functionVersion;
  }

  /** Lambda's own rules for weighted aliases, including same role and same dead-letter config. */
  private checkRouting(name: string, fn: FunctionState, primary: string, weights: Record<string, number>): void {
    const primarySpec = this.version(name, fn, primary);
    const entries = Object.entries(weights);
    const invalid = (message: string) => new LambdaServiceError('InvalidParameterValueException', message);
    if (entries.length > 1) throw invalid('Number of items in AdditionalVersionWeights must not exceed 1');
    for (const [version, weight] of entries) {
      if (!(weight >= 0 && weight <= 1)) throw invalid(`Invalid weight ${weight} for version ${version}: weights are between 0.0 and 1.0`);
      if (!VERSION.test(version) || primary === LATEST) throw invalid('Only published versions can be routed with weights; $LATEST is not one');
      if (version === primary) throw invalid(`Version ${version} is already the alias's primary version`);
      const extra = this.version(name, fn, version);
      if (extra.role !== primarySpec.role) throw invalid(`Versions ${primary} and ${version} must have the same execution role to share an alias`);
      if (extra.deadLetterTargetArn !== primarySpec.deadLetterTargetArn) {
        throw invalid(`Versions ${primary} and ${version} must have the same dead-letter queue configuration to share an alias`);
      }
    }
  }

  private describe(name: string, fn: FunctionState, version: string): Record<string, unknown> {
    return configurationShape(this.account, name, fn.revisionIds.get(version) ?? '', version, this.version(name, fn, version));
  }

  private unqualified(functionName: string): { ref: FunctionRef; fn: FunctionState } {
    const ref = parseFunctionName(functionName, this.account);
    if (ref.qualifier !== undefined) {
      throw new LambdaServiceError('InvalidParameterValueException', `FunctionName must not carry a qualifier here: ${functionName}`);
    }
    return { ref, fn: this.function(ref.name) };
  }

  private function(name: string): FunctionState {
    const fn = this.functions.get(name);
    if (!fn) throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${functionArn(this.account, name)}`);
    return fn;
  }

  private alias(name: string, fn: FunctionState, alias: string): AliasState {
    const state = fn.aliases.get(alias);
    if (!state) throw new LambdaServiceError('ResourceNotFoundException', `Alias not found: ${functionArn(this.account, name, alias)}`);
    return state;
  }

  private version(name: string, fn: FunctionState, version: string): SandboxVersion {
    const spec = version === LATEST ? [...fn.versions.values()].at(-1) : fn.versions.get(version);
    if (!spec) throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${functionArn(this.account, name, version)}`);
    return spec;
  }
}

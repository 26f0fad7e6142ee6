import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  UpdateAliasCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { AliasRouting } from '../core/release.js';
import { DriftError, NotFoundError, VersionRejectedError } from '../errors.js';
import type { TrafficRouter, VersionCheck } from '../ports.js';
import { callAws } from './sdk-errors.js';

export interface LambdaAliasRouterOptions {
  /** Retries throttling, 5xx, timeouts and dropped connections itself (configured in lib/wiring/aws-clients.ts). */
  readonly client: LambdaClient;
}

/** Percent; the domain keeps 4 decimals of a percent (6 of a fraction). */
const WEIGHT_EPSILON = 1e-6;

/** Percent (0–100) to Lambda's fraction (0.0–1.0), rounded to 6 decimals: 1 → 0.01, 33.3333333 → 0.333333. */
export function toFraction(percent: number): number {
  return Math.round(percent * 10_000) / 1_000_000;
}

/** Lambda's fraction to percent without float dust: 0.07 → 7 (not 7.000000000000001). */
export function toPercent(fraction: number): number {
  return Math.round(fraction * 1_000_000) / 10_000;
}

const errorName = (error: unknown) => (error instanceof Error ? error.name : undefined);

/**
 * "An update is in progress": the function is busy for seconds, which the SDK does not retry (a
 * 409). It is unavailable for now all the same; the rollback loop and the next tick try again.
 */
const updateInProgress = (error: unknown) => errorName(error) === 'ResourceConflictException';

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A zero-weight additional version routes nothing, so it equals no additional version. */
function sameRouting(a: AliasRouting, b: AliasRouting): boolean {
  const weightOf = (routing: AliasRouting) => (routing.additionalVersion === undefined ? 0 : (routing.additionalWeight ?? 0));
  const versionOf = (routing: AliasRouting) => (weightOf(routing) > WEIGHT_EPSILON ? routing.additionalVersion : undefined);
  return a.functionVersion === b.functionVersion && versionOf(a) === versionOf(b) && Math.abs(weightOf(a) - weightOf(b)) <= WEIGHT_EPSILON;
}

function routingOf(alias: AliasConfiguration, functionName: string, aliasName: string): AliasRouting {
  if (alias.FunctionVersion === undefined) throw new Error(`GetAlias ${functionName}:${aliasName} answered without a FunctionVersion`);
  // Lambda allows one additional version per alias.
  const [additional] = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
  if (additional === undefined) return { functionVersion: alias.FunctionVersion };
  return { functionVersion: alias.FunctionVersion, additionalVersion: additional[0], additionalWeight: toPercent(additional[1]) };
}

/**
 * TrafficRouter over a Lambda alias's weighted routing. Every change is read back and compared
 * with what was written; shift and promote carry the alias's RevisionId so that a change made by
 * someone else in between fails instead of being overwritten. Each Lambda call is made once here:
 * the SDK client retries transport failures, and what is still failing after that becomes a
 * DependencyUnavailableError.
 */
export class LambdaAliasRouter implements TrafficRouter {
  private readonly client: LambdaClient;

  constructor(options: LambdaAliasRouterOptions) {
    this.client = options.client;
  }

  async read(functionName: string, alias: string): Promise<AliasRouting> {
    return routingOf(await this.getAlias(functionName, alias), functionName, alias);
  }

  async shift(functionName: string, alias: string, stable: string, version: string, weight: number): Promise<AliasRouting> {
    if (!Number.isFinite(weight) || weight < 0 || weight >= 100) throw new RangeError(`weight must be in [0, 100) percent, got ${weight}; use promote for 100`);
    const fraction = toFraction(weight);
    const expected: AliasRouting =
      fraction > 0 ? { functionVersion: stable, additionalVersion: version, additionalWeight: toPercent(fraction) } : { functionVersion: stable };
    const { RevisionId } = await this.getAlias(functionName, alias);
    return this.write(functionName, alias, expected, { [version]: fraction }, RevisionId);
  }

  async promote(functionName: string, alias: string, version: string): Promise<AliasRouting> {
    const { RevisionId } = await this.getAlias(functionName, alias);
    return this.write(functionName, alias, { functionVersion: version }, {}, RevisionId);
  }

  /** No RevisionId: the fail-safe must win over whatever else changed the alias. */
  async rollback(functionName: string, alias: string, stable: string): Promise<AliasRouting> {
    return this.write(functionName, alias, { functionVersion: stable }, {}, undefined);
  }

  async validateVersion({ functionName, version, stableVersion, codeSha256 }: VersionCheck): Promise<void> {
    const reject = (code: VersionRejectedError['code'], message: string) => new VersionRejectedError(functionName, version, code, message);
    if (version === '$LATEST') {
      throw reject('version_unpublished', `${functionName}:$LATEST is not a published version: publish one (aws lambda publish-version) and release its number`);
    }
    if (version === stableVersion) {
      throw reject('same_version', `${functionName}:${version} is already the stable version; publish a new version and release that`);
    }
    const candidate = await this.configuration(functionName, version);
    if (candidate === undefined) {
      throw reject('version_not_found', `${functionName} has no version ${version}: check the number, or publish the version first`);
    }
    if (candidate.Version !== undefined && candidate.Version !== version) {
      // The qualifier resolved through an alias; an alias cannot be given weight in another alias.
      throw reject('version_not_found', `${functionName} has no version '${version}' (it names an alias at version ${candidate.Version}); release a version number`);
    }
    if (codeSha256 !== undefined && candidate.CodeSha256 !== codeSha256) {
      throw reject(
        'code_sha_mismatch',
        `${functionName}:${version} has CodeSha256 ${candidate.CodeSha256 ?? '(none)'} but ${codeSha256} was expected: it is not the artefact that was built; publish that artefact and release its version`,
      );
    }
    const stable = await this.configuration(functionName, stableVersion);
    if (stable === undefined) throw new NotFoundError(`version ${functionName}:${stableVersion}`);
    const differences: string[] = [];
    if (candidate.Role !== stable.Role) differences.push(`execution role ${candidate.Role ?? '(none)'} (stable: ${stable.Role ?? '(none)'})`);
    const dlq = (config: FunctionConfiguration) => config.DeadLetterConfig?.TargetArn ?? '(none)';
    if (dlq(candidate) !== dlq(stable)) differences.push(`dead-letter queue ${dlq(candidate)} (stable: ${dlq(stable)})`);
    if (differences.length > 0) {
      throw reject(
        'incompatible_version',
        `${functionName}:${version} cannot share a weighted alias with stable version ${stableVersion}, since Lambda requires the same execution role and dead-letter queue: it has ${differences.join(' and ')}; publish it with the stable version's settings`,
      );
    }
  }

  /** UpdateAlias, then a read-back that must show exactly `expected`. */
  private async write(
    functionName: string,
    alias: string,
    expected: AliasRouting,
    weights: Record<string, number>,
    revisionId: string | undefined,
  ): Promise<AliasRouting> {
    const additionalVersionWeights = Object.fromEntries(Object.entries(weights).filter(([, fraction]) => fraction > 0));
    try {
      await this.call(`UpdateAlias ${functionName}:${alias}`, () =>
        this.client.send(
          new UpdateAliasCommand({
            FunctionName: functionName,
            Name: alias,
            FunctionVersion: expected.functionVersion,
            RoutingConfig: { AdditionalVersionWeights: additionalVersionWeights },
            RevisionId: revisionId,
          }),
        ),
      );
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') {
        throw new NotFoundError(`alias ${functionName}:${alias}`, `alias ${functionName}:${alias} or its version not found: ${errorText(error)}`, { cause: error });
      }
      if (errorName(error) !== 'PreconditionFailedException') throw error;
      // The revision moved. If it already routes as intended (the SDK retried a call whose first
      // attempt had landed), that is no drift; otherwise someone else changed it.
      const actual = await this.read(functionName, alias);
      if (sameRouting(actual, expected)) return actual;
      throw new DriftError(functionName, alias, expected, actual);
    }
    const actual = await this.read(functionName, alias);
    if (!sameRouting(actual, expected)) throw new DriftError(functionName, alias, expected, actual);
    return actual;
  }

  private async getAlias(functionName: string, alias: string): Promise<AliasConfiguration> {
    try {
      return await this.call(`GetAlias ${functionName}:${alias}`, () => this.client.send(new GetAliasCommand({ FunctionName: functionName, Name: alias })));
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') throw new NotFoundError(`alias ${functionName}:${alias}`, undefined, { cause: error });
      throw error;
    }
  }

  /** The version's configuration, or undefined when Lambda cannot find it. */
  private async configuration(functionName: string, version: string): Promise<FunctionConfiguration | undefined> {
    try {
      return await this.call(`GetFunctionConfiguration ${functionName}:${version}`, () =>
        this.client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version })),
      );
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return callAws('lambda', operation, send, updateInProgress);
  }
}
